"""``seatledger alert``: rules added, listed and removed, what fired and how each delivery went,
and the deliveries due sent by hand; a mistake is one line and exit code 2."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

from sqlalchemy.engine import Engine

from cli_support import run_seatledger
from livesupport import SmtpSink
from seatledger.db.ledger import Ledger

LONG_AGO = dt.datetime(2024, 1, 1)


def _acme(engine: Engine) -> None:
    """acme with 5 enterprise seats bought and one member of its org octo."""
    with engine.begin() as conn:
        led = Ledger(conn)
        eid = led.add_enterprise("acme", "Acme", created_at=LONG_AGO)
        led.set_product(eid, "enterprise", billing="volume", purchased=5)
        octo = led.add_org(eid, "octo", created_at=LONG_AGO)
        led.add_membership(
            octo, led.add_user(eid, "u0", emails=["u0@acme.test"], created_at=LONG_AGO), started_at=LONG_AGO
        )


def _alert(db_url: str, tmp_path: Path, *args: str, smtp_url: str | None = None) -> subprocess.CompletedProcess[str]:
    settings = {"SEATLEDGER_DATABASE_URL": db_url} | ({"SEATLEDGER_SMTP_URL": smtp_url} if smtp_url else {})
    return run_seatledger(["alert", *args], tmp_path / "data", settings)


def test_alert_commands_print_one_line_and_exit_2_on_bad_input(engine: Engine, db_url: str, tmp_path: Path) -> None:
    _acme(engine)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return _alert(db_url, tmp_path, *args)

    added = run(
        "add",
        "--enterprise",
        "acme",
        "--kind",
        "consumed-percent",
        "--product",
        "enterprise",
        "--threshold",
        "10",
        "--webhook",
        "http://127.0.0.1:9/hook",
    )
    assert added.returncode == 0, added.stderr
    assert added.stdout.startswith("alert 1: GitHub Enterprise seats at 10% of purchased or more (firing)")
    assert "webhook secret (shown once): " in added.stdout
    assert run("list", "--enterprise", "acme").stdout.startswith("1\tfiring\t")
    stale = run(
        "add",
        "--enterprise",
        "acme",
        "--kind",
        "source-stale",
        "--source",
        "sync",
        "--threshold",
        "12",
        "--email",
        "ops@acme.test",
    )
    assert stale.stdout == "alert 2: GitHub API sync: no successful import for 12 hours (not firing)\n", stale.stderr
    for args, message in [
        (("add", "--enterprise", "nope", "--kind", "verify-drift", "--email", "a@b.test"), "nope"),
        (
            (
                "add",
                "--enterprise",
                "acme",
                "--kind",
                "consumed-percent",
                "--product",
                "enterprise",
                "--threshold",
                "5000",
                "--email",
                "a@b.test",
            ),
            "percent",
        ),
        (("remove", "--enterprise", "acme", "7"), "no alert 7"),
        (("add", "--enterprise", "acme", "--kind", "copilot-idle", "--email", "a@b.test"), "a number of seats"),
        (
            (
                "add",
                "--enterprise",
                "acme",
                "--kind",
                "source-stale",
                "--source",
                "ftp",
                "--threshold",
                "3",
                "--email",
                "a@b.test",
            ),
            "the source is one of",
        ),
    ]:
        refused = run(*args)
        lines = refused.stderr.strip().splitlines()
        assert refused.returncode == 2 and len(lines) == 1 and message in lines[0], refused.stderr


def test_deliver_sends_what_fired_history_shows_it_and_remove_keeps_the_history(
    engine: Engine, db_url: str, tmp_path: Path, smtp: SmtpSink
) -> None:
    _acme(engine)
    added = _alert(
        db_url,
        tmp_path,
        "add",
        "--enterprise",
        "acme",
        "--kind",
        "consumed-percent",
        "--product",
        "enterprise",
        "--threshold",
        "10",
        "--email",
        "ops@acme.test",
    )
    assert added.stdout == "alert 1: GitHub Enterprise seats at 10% of purchased or more (firing)\n", added.stderr
    assert _alert(db_url, tmp_path, "list", "--enterprise", "acme").stdout == (
        "1\tfiring\tGitHub Enterprise seats at 10% of purchased or more\tops@acme.test\t\n"
    )
    before = _alert(db_url, tmp_path, "history", "--enterprise", "acme").stdout.splitlines()
    assert before[1] == "\temail ops@acme.test\tpending\t0 attempts\t"

    sent = _alert(db_url, tmp_path, "deliver", smtp_url=smtp.url)
    assert sent.stdout == "1 deliveries attempted\n", sent.stderr
    assert [m["To"] for m in smtp.messages] == ["ops@acme.test"]
    assert _alert(db_url, tmp_path, "deliver", smtp_url=smtp.url).stdout == "0 deliveries attempted\n"

    removed = _alert(db_url, tmp_path, "remove", "--enterprise", "acme", "1")
    assert removed.stdout == "removed alert 1: GitHub Enterprise seats at 10% of purchased or more\n", removed.stderr
    assert _alert(db_url, tmp_path, "list", "--enterprise", "acme").stdout == ""
    fired, delivery = _alert(db_url, tmp_path, "history", "--enterprise", "acme").stdout.splitlines()
    assert fired.split("\t")[1:3] == ["firing", "alert 1"]
    assert delivery == "\temail ops@acme.test\tdelivered\t1 attempts\t"
