"""Reading the CSV files handed to ``ingest`` (``ingest/csv_files.py``): header names, rows with
their line numbers, and each refusal naming the line. The malformed-quoting refusals are held
through the Visual Studio importer in test_ingest_strict_parsing.py."""

from __future__ import annotations

import datetime as dt

import pytest

from seatledger import validation
from seatledger.db.clock import utcnow
from seatledger.errors import ImportRejected
from seatledger.ingest.csv_files import check_email, check_length, csv_since, parse_bool, read_rows


def _rows(
    text: str | bytes, required: tuple[str, ...] = ("email",), **kw: dict[str, str]
) -> list[tuple[int, dict[str, str]]]:
    data = text.encode() if isinstance(text, str) else text
    return list(read_rows(data, required=required, **kw))


def _refusal(text: str | bytes, required: tuple[str, ...] = ("email",)) -> str:
    with pytest.raises(ImportRejected) as refused:
        _rows(text, required)
    return refused.value.message


def test_header_names_are_lower_cased_and_values_stripped_with_each_rows_line_number() -> None:
    text = "\ufeffEmail , Name\r\n ann@acme.test , Ann \r\n\r\n,\r\nbob@acme.test,\r\n"
    assert _rows(text) == [
        (2, {"email": "ann@acme.test", "name": "Ann"}),
        (5, {"email": "bob@acme.test", "name": ""}),
    ], "the byte-order mark is dropped and blank rows are skipped without shifting the line numbers"


def test_a_record_spanning_lines_is_named_by_its_first_line_and_a_short_row_is_padded() -> None:
    text = 'email,name,level\nann@acme.test,"Ann\nLovelace"\nbob@acme.test\n'
    assert _rows(text) == [
        (2, {"email": "ann@acme.test", "name": "Ann\nLovelace", "level": ""}),
        (4, {"email": "bob@acme.test", "name": "", "level": ""}),
    ]


def test_an_alias_reads_as_its_column_and_satisfies_a_required_one() -> None:
    rows = _rows("UPN,Level\nann@acme.test,Enterprise\n", aliases={"upn": "email"})
    assert rows == [(2, {"email": "ann@acme.test", "level": "Enterprise"})]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (b"", "the file is empty"),
        (b"email\nann@acme.test\n\xff\n", "the file is not UTF-8 text: invalid start byte at byte 20"),
        ("name\nAnn\n", "missing column: email"),
        ("name\nAnn\n", "missing columns: email, org"),
        ("email,name\nann@acme.test,Ann,extra\n", "line 2: 3 fields, the header has 2"),
        ("email,name\nann@acme.test,A\x00nn\n", "line 2: name contains a NUL byte"),
    ],
    ids=["empty", "not-utf8", "missing-column", "missing-columns", "too-many-fields", "nul"],
)
def test_a_file_that_cannot_be_read_whole_is_refused_with_the_reason(text: str | bytes, reason: str) -> None:
    required = ("email", "org") if reason.startswith("missing columns") else ("email",)
    assert _refusal(text, required) == reason


def test_a_refusal_comes_before_the_row_that_causes_it_is_read_past() -> None:
    rows = read_rows(b"email\nann@acme.test\nbob@acme.test,extra\n", required=("email",))
    assert next(rows) == (2, {"email": "ann@acme.test"})
    with pytest.raises(ImportRejected, match="line 3: 2 fields"):
        next(rows)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("true", True),
        ("T", True),
        ("Yes", True),
        ("y", True),
        ("1", True),
        ("false", False),
        ("F", False),
        ("NO", False),
        ("n", False),
        ("0", False),
        ("", None),
        ("  ", None),
    ],
)
def test_a_boolean_column_reads_true_false_or_not_stated(value: str, expected: bool | None) -> None:
    assert parse_bool(value, line=3, column="bot") is expected


def test_any_other_boolean_is_refused_with_line_and_column() -> None:
    with pytest.raises(ImportRejected) as refused:
        parse_bool("maybe", line=7, column="suspended")
    assert refused.value.message == "line 7: suspended must be true or false, not 'maybe'"


def test_an_email_is_lower_cased_and_stripped() -> None:
    assert check_email("  Ann@ACME.test ", line=2, column="email") == "ann@acme.test"


@pytest.mark.parametrize("value", ["ann", "@acme.test", "ann@", "ann smith@acme.test", ""])
def test_what_is_not_an_email_address_is_refused(value: str) -> None:
    with pytest.raises(ImportRejected) as refused:
        check_email(value, line=4, column="emails")
    assert refused.value.message == f"line 4: emails {value!r} is not an email address"


def test_an_email_or_value_longer_than_its_column_is_refused_the_same_on_both_databases() -> None:
    longest = "a" * (validation.EMAIL_MAX - len("@acme.test")) + "@acme.test"
    assert check_email(longest, line=2, column="email") == longest
    with pytest.raises(ImportRejected, match=f"line 2: email is longer than {validation.EMAIL_MAX} characters"):
        check_email("a" + longest, line=2, column="email")
    assert check_length("Ann", line=5, column="name", max_length=3) == "Ann"
    with pytest.raises(ImportRejected, match="line 5: name is longer than 3 characters"):
        check_length("Anne", line=5, column="name", max_length=3)


def test_since_is_a_past_date_or_timestamp_in_utc_and_empty_means_the_import() -> None:
    assert csv_since({"since": "2026-03-01"}, 2) == dt.datetime(2026, 3, 1)
    assert csv_since({"since": "2026-03-01T10:00:00+02:00"}, 2) == dt.datetime(2026, 3, 1, 8, 0)
    assert csv_since({"since": ""}, 2) is None
    assert csv_since({}, 2) is None


def test_a_since_that_is_no_date_or_in_the_future_is_refused() -> None:
    with pytest.raises(ImportRejected) as refused:
        csv_since({"since": "last week"}, 6)
    assert refused.value.message == "line 6: since must be a date (YYYY-MM-DD), not 'last week'"
    tomorrow = (utcnow() + dt.timedelta(days=2)).date().isoformat()
    with pytest.raises(ImportRejected) as refused:
        csv_since({"since": tomorrow}, 6)
    assert refused.value.message == f"line 6: since {tomorrow} is in the future"
