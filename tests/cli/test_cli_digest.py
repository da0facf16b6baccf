"""``seatledger digest``: subscribe, list, unsubscribe, and send now to a real SMTP server; a
mistake is one line and exit code 2."""

from __future__ import annotations

import subprocess
from pathlib import Path

from sqlalchemy.engine import Engine

from cli_support import run_seatledger
from livesupport import SmtpSink
from tests.digests.digest_world import build_acme


def test_digest_commands_subscribe_list_send_and_exit_2_on_bad_input(
    engine: Engine, db_url: str, tmp_path: Path, smtp: SmtpSink
) -> None:
    build_acme(engine)
    settings = {
        "SEATLEDGER_DATABASE_URL": db_url,
        "SEATLEDGER_SMTP_URL": smtp.url,
        "SEATLEDGER_SECRET_KEY": "cli-secret",
    }

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return run_seatledger(["digest", *args], tmp_path / "data", settings)

    subscribed = run("subscribe", "--enterprise", "acme", "--login", "mona", "--frequency", "monthly")
    assert subscribed.stdout == "mona gets the monthly digest of acme\n", subscribed.stderr
    assert run("list", "--enterprise", "acme").stdout == "mona\tmonthly\tnever\n"
    sent = run("send", "--enterprise", "acme")
    assert sent.stdout == "1 digests sent, 0 skipped (no role or no email)\n", sent.stderr
    assert [m["To"] for m in smtp.messages] == ["mona@acme.test"]
    for args, message in [
        (("subscribe", "--enterprise", "acme", "--login", "mona", "--frequency", "daily"), "weekly or monthly"),
        (("subscribe", "--enterprise", "acme", "--login", "m1"), "not an owner or billing manager"),
        (("unsubscribe", "--enterprise", "acme", "--login", "bob"), "does not subscribe"),
        (("send", "--enterprise", "acme", "--login", "bob"), "does not subscribe"),
        (("list", "--enterprise", "nope"), "nope"),
    ]:
        refused = run(*args)
        lines = refused.stderr.strip().splitlines()
        assert refused.returncode == 2 and len(lines) == 1 and message in lines[0], refused.stderr
    gone = run("unsubscribe", "--enterprise", "acme", "--login", "mona")
    assert gone.stdout == "mona no longer gets the digest of acme\n", gone.stderr
    assert run("list", "--enterprise", "acme").stdout == ""
