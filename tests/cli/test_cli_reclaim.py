"""``seatledger reclaim`` as a person runs it on the demo: the text has the count per category,
``--json`` is the counting engine's answer, ``--csv`` has one row per candidate, and a mistake is
one line and exit code 2."""

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
from seatledger.reports.reclaim import HEADER

from cli_support import run_seatledger

AS_OF = "2026-10-31"
AT = dt.datetime(2026, 10, 31, 23, 59, 59)


@pytest.fixture(scope="module")
def ledger(small_demo: tuple[Path, Engine]) -> tuple[Path, Engine]:
    return small_demo


@pytest.mark.parametrize("product", ["enterprise", "copilot"])
def test_reclaim_prints_the_counts_and_json_and_csv_are_the_engines_list(
    ledger: tuple[Path, Engine], product: str
) -> None:
    data, engine = ledger
    rules = licensing.ReclaimRules(idle_days=60, exclude=("nobody",))
    with engine.connect() as conn:
        expected = licensing.reclaim(conn, "acme", product, rules=rules, as_of=AT)
    assert expected.candidates, "the demo has something to reclaim"
    base = [
        "reclaim",
        "--enterprise",
        "acme",
        "--product",
        product,
        "--as-of",
        AS_OF,
        "--idle-days",
        "60",
        "--exclude",
        "nobody",
    ]
    text = run_seatledger(base, data)
    assert text.returncode == 0, text.stderr
    assert "  ".join(f"{k}: {n}" for k, n in expected.counts.items()) in text.stdout
    assert json.loads(run_seatledger([*base, "--json"], data).stdout) == jsonable(expected)
    rows = list(csv.reader(io.StringIO(run_seatledger([*base, "--csv"], data).stdout)))
    assert rows[0] == list(HEADER) and len(rows) - 1 == len(expected.candidates) == sum(expected.counts.values())


@pytest.mark.parametrize(
    "args, message",
    [
        (["--product", "ghas"], "product must be one of"),
        (["--idle-days", "-5"], "idle_days must be"),
        (["--as-of", "someday"], "--as-of"),
        (["--json", "--csv"], "not both"),
    ],
)
def test_a_mistake_is_one_line_and_exit_code_2(ledger: tuple[Path, Engine], args: list[str], message: str) -> None:
    done = run_seatledger(["reclaim", "--enterprise", "acme", *args], ledger[0])
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr
