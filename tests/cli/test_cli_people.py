"""``seatledger explain`` and ``seatledger changes`` as a person runs them: the text names
each reason, ``--json`` is the counting engine's answer, ``--csv`` is the change list, and a
mistake (an unknown person, a bad date, a range backwards) is one line and exit code 2."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from seatledger import licensing
from seatledger.jsonable import jsonable
from seatledger.reports.changes import HEADER

from cli_support import run_seatledger

AS_OF = "2026-10-31"
AT = dt.datetime(2026, 10, 31, 23, 59, 59)


@pytest.fixture(scope="module")
def ledger(small_demo: tuple[Path, Engine]) -> tuple[Path, Engine]:
    return small_demo


def test_explain_prints_each_reason_and_json_is_the_engines_answer(ledger: tuple[Path, Engine]) -> None:
    data, engine = ledger
    with engine.connect() as conn:
        person = next(p for p in licensing.iter_licensed_people(conn, "acme", as_of=AT) if p.key.startswith("server:"))
        expected = licensing.describe_person(conn, "acme", person.key, as_of=AT)
    email = person.key.removeprefix("server:")
    text = run_seatledger(["explain", email, "--enterprise", "acme", "--as-of", AS_OF], data)
    assert text.returncode == 0, text.stderr
    assert text.stdout.startswith(f"{email} · {person.key} · as of 2026-10-31 23:59:59 UTC")
    for reason in expected.seat_reasons:
        assert f"  - {reason.detail}" in text.stdout
    as_json = run_seatledger(["explain", email, "--enterprise", "acme", "--as-of", AS_OF, "--json"], data)
    assert json.loads(as_json.stdout) == jsonable(expected)


def test_changes_json_and_csv_are_the_change_list_and_reconcile(ledger: tuple[Path, Engine]) -> None:
    data, engine = ledger
    args = ["changes", "--enterprise", "acme", "--from", "2026-08-01", "--to", AS_OF]
    with engine.connect() as conn:
        expected = licensing.license_changes(conn, "acme", dt.datetime(2026, 8, 1, 23, 59, 59), AT)
    as_json = json.loads(run_seatledger([*args, "--json"], data).stdout)
    assert as_json == jsonable(expected)
    for p in as_json["products"]:
        assert p["at_end"] - p["at_start"] == p["net"] == p["added"] - p["removed"]
    rows = list(csv.reader(io.StringIO(run_seatledger([*args, "--csv", "--product", "copilot"], data).stdout)))
    copilot = [c for c in expected.changes if c.product == "copilot"]
    assert rows[0] == list(HEADER) and len(rows) - 1 == len(copilot)
    assert [r[3] for r in rows[1:]] == [c.handle for c in copilot]
    text = run_seatledger(args, data).stdout
    assert "product            at start  added  removed   net  at end" in text


def test_history_prints_each_days_total_and_the_peak(ledger: tuple[Path, Engine]) -> None:
    data, engine = ledger
    args = ["history", "--enterprise", "acme", "--product", "secret_protection", "--from", "2026-08-01", "--to", AS_OF]
    with engine.connect() as conn:
        expected = licensing.license_history(conn, "acme", "secret_protection", dt.date(2026, 8, 1), AT.date())
    assert json.loads(run_seatledger([*args, "--json"], data).stdout) == jsonable(expected)
    rows = list(csv.reader(io.StringIO(run_seatledger([*args, "--csv"], data).stdout)))
    assert rows == [["date", "total"], *([d.isoformat(), str(n)] for d, n in expected.days)]
    first = run_seatledger(args, data).stdout.splitlines()[0]
    assert first == f"acme: secret_protection, peak {expected.peak} on {expected.peak_day.isoformat()}"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["explain", "nobody-here", "--enterprise", "acme"], "error: no person 'nobody-here' in enterprise 'acme'"),
        (["explain", "x", "--enterprise", "acme", "--as-of", "2026-13-01"], "error: --as-of must be an ISO date"),
        (
            ["changes", "--enterprise", "acme", "--from", AS_OF, "--to", "2026-08-01"],
            "error: the range ends (2026-08-01 23:59:59) before it starts",
        ),
        (
            ["changes", "--enterprise", "acme", "--from", "yesterday", "--to", AS_OF],
            "error: --from must be an ISO date",
        ),
        (
            ["changes", "--enterprise", "acme", "--from", "2026-08-01", "--to", AS_OF, "--product", "seats"],
            "error: product must be one of",
        ),
        (
            ["history", "--enterprise", "acme", "--from", AS_OF, "--to", "2026-08-01"],
            "error: the history ends (2026-08-01) before it starts",
        ),
        (
            ["history", "--enterprise", "acme", "--from", "2026-8-1", "--to", AS_OF],
            "error: --from must be a date YYYY-MM-DD",
        ),
    ],
)
def test_a_mistake_is_one_line_and_exit_code_2(ledger: tuple[Path, Engine], args: list[str], message: str) -> None:
    done = run_seatledger(args, ledger[0])
    assert done.returncode == 2
    assert done.stderr.startswith(message) and done.stderr.count("\n") == 1
