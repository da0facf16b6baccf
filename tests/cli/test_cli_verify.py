"""``seatledger verify`` as a person runs it: a clean ledger says so and exits 0; a drifted
interval is printed with its person and exits 1; ``--repair`` rewrites it; /healthz and the
enterprise Licensing page tell the last result."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import httpx
import sqlalchemy as sa

from seatledger.db import create_engine, migrate
from seatledger.db import tables_intervals as ti
from seatledger.demo import build_demo
from tests.livesupport import LiveServer

from cli_support import run_seatledger

ANCHOR = dt.datetime(2026, 6, 15)


def test_verify_says_clean_then_finds_drift_then_repairs_it(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    engine = create_engine(f"sqlite:///{data / 'seatledger.db'}")
    migrate(engine)
    build_demo(engine, size="small", seed=1, anchor=ANCHOR)

    clean = run_seatledger(["verify"], data)
    assert clean.returncode == 0, clean.stderr
    assert clean.stdout.strip() == "acme: the intervals equal the facts"

    with engine.begin() as conn:  # a kept span lost behind the ledger's back
        victim = conn.execute(
            sa.select(ti.seat_spans.c.id, ti.seat_spans.c.user_id).where(ti.seat_spans.c.user_id.is_not(None)).limit(1)
        ).one()
        conn.execute(sa.delete(ti.seat_spans).where(ti.seat_spans.c.id == victim.id))
    drift = run_seatledger(["verify", "--enterprise", "acme"], data)
    assert drift.returncode == 1
    lines = drift.stdout.strip().splitlines()
    assert lines[0] == "acme: 1 difference"
    assert lines[1].startswith(f"  seat_spans user:{victim.user_id}: expected (") and lines[1].endswith(
        "stored nothing"
    )

    repaired = run_seatledger(["verify", "--repair"], data)
    assert repaired.returncode == 0 and "1 difference (repaired)" in repaired.stdout
    assert run_seatledger(["verify"], data).returncode == 0

    from seatledger.app import create_app
    from seatledger.config import Settings

    with LiveServer(create_app(Settings(data_dir=data, secret_key="k"), engine)) as server:
        health = httpx.get(server.url + "/healthz").json()
    check = health["intervals"]["acme"]
    assert check["clean"] is True and check["differences"] == 0 and check["repaired"] is False
    engine.dispose()


def test_verify_of_an_unknown_enterprise_is_one_line_and_exit_2(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert run_seatledger(["migrate"], data).returncode == 0
    proc = run_seatledger(["verify", "--enterprise", "nope"], data)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == ["error: no enterprise 'nope'"]
