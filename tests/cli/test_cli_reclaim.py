"""``seatledger reclaim`` as a person runs it on the demo: the text has the count per category,
``--json`` is the counting engine's answer, ``--csv`` has one row per candidate, and a mistake is
one line and exit code 2."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy.engine import Engine

from seatledger import licensing
from seatledger.db import create_engine, migrate
from seatledger.demo import build_demo
from seatledger.jsonable import jsonable
from seatledger.reports.reclaim import HEADER

ANCHOR = dt.datetime(2026, 11, 1)
AS_OF = "2026-10-31"
AT = dt.datetime(2026, 10, 31, 23, 59, 59)


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Engine]]:
    data = tmp_path_factory.mktemp("reclaim-cli")
    engine = create_engine(f"sqlite:///{data / 'seatledger.db'}")
    migrate(engine)
    build_demo(engine, size="small", seed=1, anchor=ANCHOR)
    yield data, engine
    engine.dispose()


def _run(args: list[str], data: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEATLEDGER_")}
    env["SEATLEDGER_DATA_DIR"] = str(data)
    return subprocess.run([sys.executable, "-m", "seatledger", *args], capture_output=True, text=True, env=env, timeout=120)


@pytest.mark.parametrize("product", ["enterprise", "copilot"])
def test_reclaim_prints_the_counts_and_json_and_csv_are_the_engines_list(ledger: tuple[Path, Engine], product: str) -> None:
    data, engine = ledger
    rules = licensing.ReclaimRules(idle_days=60, exclude=("nobody",))
    with engine.connect() as conn:
        expected = licensing.reclaim(conn, "acme", product, rules=rules, as_of=AT)
    assert expected.candidates, "the demo has something to reclaim"
    base = ["reclaim", "--enterprise", "acme", "--product", product, "--as-of", AS_OF, "--idle-days", "60",
            "--exclude", "nobody"]
    text = _run(base, data)
    assert text.returncode == 0, text.stderr
    assert "  ".join(f"{k}: {n}" for k, n in expected.counts.items()) in text.stdout
    assert json.loads(_run([*base, "--json"], data).stdout) == jsonable(expected)
    rows = list(csv.reader(io.StringIO(_run([*base, "--csv"], data).stdout)))
    assert rows[0] == list(HEADER) and len(rows) - 1 == len(expected.candidates) == sum(expected.counts.values())


@pytest.mark.parametrize("args, message", [
    (["--product", "ghas"], "product must be one of"),
    (["--idle-days", "-5"], "idle_days must be"),
    (["--as-of", "someday"], "--as-of"),
    (["--json", "--csv"], "not both"),
])
def test_a_mistake_is_one_line_and_exit_code_2(ledger: tuple[Path, Engine], args: list[str], message: str) -> None:
    done = _run(["reclaim", "--enterprise", "acme", *args], ledger[0])
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr
