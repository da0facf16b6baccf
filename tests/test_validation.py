"""The limits of seatledger.validation: declared once, equal to the schema's columns, and
held the same way whatever the value's shape."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from seatledger import validation
from seatledger.db import tables as t
from seatledger.db.tables_billing import prices
from seatledger.errors import InvalidInput, MalformedJSON


@pytest.mark.parametrize(
    "limit, column",
    [
        (validation.LOGIN_MAX, t.users.c.login),
        (validation.LOGIN_MAX, t.organizations.c.login),
        (validation.LOGIN_MAX, t.enterprises.c.slug),
        (validation.LOGIN_MAX, t.repositories.c.owner_login),
        (validation.LOGIN_MAX, t.repositories.c.name),
        (validation.LOGIN_MAX, t.teams.c.slug),
        (validation.NAME_MAX, t.users.c.name),
        (validation.NAME_MAX, t.teams.c.name),
        (validation.NAME_MAX, t.cost_centers.c.name),
        (validation.NAME_MAX, t.commits.c.author_name),
        (validation.EMAIL_MAX, t.commits.c.author_email),
        (validation.EMAIL_MAX, t.server_accounts.c.primary_email),
        (validation.SHA_MAX, t.commits.c.sha),
        (validation.HOSTNAME_MAX, t.server_instances.c.hostname),
        (validation.SERVER_ID_MAX, t.server_instances.c.server_id),
        (validation.VERSION_MAX, t.server_instances.c.version),
        (validation.LICENSE_MAX, t.server_instances.c.license_hash),
    ],
)
def test_each_text_limit_is_its_columns_length(limit: int, column) -> None:
    assert column.type.length == limit, column


def test_the_money_limit_is_the_price_columns_precision() -> None:
    column = prices.c.price_per_unit.type
    assert validation.MONEY_PLACES == column.scale
    assert len(str(validation.MONEY_MAX).replace(".", "")) == column.precision


def test_delivery_ids_fit_the_ingest_key_column() -> None:
    assert validation.DELIVERY_ID_MAX <= t.ingest_runs.c.key.type.length


def test_a_row_past_its_columns_is_refused_before_the_database() -> None:
    with pytest.raises(InvalidInput, match="login is longer than 100"):
        validation.check_row(t.users, {"login": "x" * 101})
    with pytest.raises(InvalidInput, match="NUL"):
        validation.check_row(t.users, {"login": "a\x00"})
    with pytest.raises(InvalidInput, match="user id must be between"):
        validation.check_row(t.server_accounts, {"user_id": 2**31})
    validation.check_row(t.users, {"login": "x" * 100, "name": None, "two_factor": True})


@pytest.mark.parametrize("value", ["³", "٣", "1²", "-1", "+1", " 1", "", "9" * 20])
def test_only_plain_ascii_digits_are_a_number(value: str) -> None:
    assert validation.decimal_digits(value) is None


@pytest.mark.parametrize(
    "value",
    [
        1e20,
        -1e20,
        float("nan"),
        float("inf"),
        "9999-12-31T23:00:00-05:00",
        "0001-01-01",
        "2026-01-01T00:00:00+23:00",
        "3000-01-01T00:00:00Z",
        True,
        [2026],
        {"y": 1},
        "yesterday",
    ],
)
def test_an_instant_outside_the_ledgers_years_or_not_a_time_is_refused(value: object) -> None:
    with pytest.raises(InvalidInput):
        validation.instant(value)


def test_instants_at_the_edges_of_the_years_are_kept_in_utc() -> None:
    assert validation.instant("2999-12-31T23:59:59Z") == dt.datetime(2999, 12, 31, 23, 59, 59)
    assert validation.instant("2026-03-01T09:10:00-08:00") == dt.datetime(2026, 3, 1, 17, 10)
    assert validation.instant(0) == dt.datetime(1970, 1, 1)
    assert validation.instant(None) is None and validation.instant("") is None


@pytest.mark.parametrize("value", ["1e400", "Infinity", "NaN", "-0.01", "100000000", "1.00001", "abc"])
def test_a_price_must_be_finite_within_the_column_and_four_decimals(value: str) -> None:
    with pytest.raises(InvalidInput):
        validation.money(value)


def test_a_price_at_the_columns_limit_is_kept_exactly() -> None:
    assert validation.money("99999999.9999") == Decimal("99999999.9999")


@pytest.mark.parametrize(
    "raw, reason",
    [
        (b"[" * 100_000 + b"]" * 100_000, "nests deeper"),
        (b"[" * (validation.JSON_MAX_DEPTH + 1) + b"]" * (validation.JSON_MAX_DEPTH + 1), "nests deeper"),
        (b'{"users": [], "users": [1]}', "'users' twice"),
        (b"[1e400]", "too large"),
        (b"[NaN]", "NaN"),
        (b"[-Infinity]", "-Infinity"),
        (b"\xff\xfe", "not valid JSON"),
        (b"1" * 5000, "not valid JSON"),
    ],
)
def test_json_past_a_limit_is_refused_with_the_reason(raw: bytes, reason: str) -> None:
    with pytest.raises(MalformedJSON, match=reason):
        validation.parse_json(raw)


def test_json_at_the_depth_limit_is_read() -> None:
    depth = validation.JSON_MAX_DEPTH
    assert validation.parse_json(b"[" * depth + b"]" * depth) is not None


@pytest.mark.parametrize("value", ["9999-12", "1969-12", "2026-13", "2026-00", "²⁰²⁶-01", "2026", "26-01"])
def test_a_month_is_yyyy_mm_within_the_ledgers_years(value: str) -> None:
    with pytest.raises(InvalidInput):
        validation.month(value)
