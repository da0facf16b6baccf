"""`seatledger billing set` and `billing show`: what was bought, with history, from the CLI."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy.engine import Engine
from typer.testing import CliRunner, Result

from seatledger.cli import app
from seatledger.db.ledger import Ledger
from seatledger.errors import InvalidInput


def _invoke(args: list[str], db_url: str, tmp_path: Path) -> Result:
    env = {"SEATLEDGER_DATABASE_URL": db_url, "SEATLEDGER_DATA_DIR": str(tmp_path / "data")}
    return CliRunner().invoke(app, args, env=env)


def test_billing_set_records_dated_purchases_and_show_answers_for_a_past_day(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    with engine.begin() as conn:
        Ledger(conn).add_enterprise("acme", created_at=dt.datetime(2025, 1, 1))
    base = ["billing", "set", "--enterprise", "acme", "--product", "enterprise"]
    volume = ["--model", "volume", "--purchased", "100", "--expires", "2027-01-31", "--from", "2026-01-01"]
    first = _invoke([*base, *volume], db_url, tmp_path)
    assert (first.exit_code, first.stdout) == (0, "enterprise: created\n"), first.output
    more = _invoke([*base, "--model", "volume", "--purchased", "150", "--from", "2026-04-01"], db_url, tmp_path)
    assert more.exit_code == 0, more.output
    copilot = _invoke(
        [
            "billing",
            "set",
            "--enterprise",
            "acme",
            "--product",
            "copilot",
            "--model",
            "metered",
            "--from",
            "2026-01-01",
        ],
        db_url,
        tmp_path,
    )
    assert copilot.stdout == "copilot_business: created\ncopilot_enterprise: created\n"

    february = _invoke(["billing", "show", "--enterprise", "acme", "--as-of", "2026-02-15"], db_url, tmp_path)
    assert february.stdout == (
        "enterprise\tvolume\t100\t2027-01-31\t2026-01-01\tcli\n"
        "copilot_business\tmetered\t0\t\t2026-01-01\tcli\n"
        "copilot_enterprise\tmetered\t0\t\t2026-01-01\tcli\n"
    )
    history = _invoke(["billing", "show", "--enterprise", "acme", "--history"], db_url, tmp_path)
    assert [line.split("\t")[:3] for line in history.stdout.splitlines() if line.startswith("enterprise")] == [
        ["enterprise", "volume", "100"],
        ["enterprise", "volume", "150"],
    ]

    wrong = _invoke([*base, "--model", "prepaid"], db_url, tmp_path)
    assert isinstance(wrong.exception, InvalidInput) and "metered or volume" in wrong.exception.message
