"""The ``seatledger alert`` commands end to end, in a process of their own (the alert modules
each have their own test file, ``test_alerts_<module>.py``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy.engine import Engine

from alerts_support import acme


def test_alert_commands_print_one_line_and_exit_2_on_bad_input(engine: Engine, db_url: str, tmp_path: Path) -> None:
    acme(engine, members=1, purchased=5)
    env = {"SEATLEDGER_DATABASE_URL": db_url, "SEATLEDGER_DATA_DIR": str(tmp_path / "data"), "PATH": "/usr/bin:/bin"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "seatledger", "alert", *args], env=env, cwd=tmp_path,
                              capture_output=True, text=True)

    added = run("add", "--enterprise", "acme", "--kind", "consumed-percent", "--product", "enterprise",
                "--threshold", "10", "--webhook", "http://127.0.0.1:9/hook")
    assert added.returncode == 0, added.stderr
    assert added.stdout.startswith("alert 1: GitHub Enterprise seats at 10% of purchased or more (firing)")
    assert "webhook secret (shown once): " in added.stdout
    assert run("list", "--enterprise", "acme").stdout.startswith("1\tfiring\t")
    stale = run("add", "--enterprise", "acme", "--kind", "source-stale", "--source", "sync", "--threshold", "12",
                "--email", "ops@acme.test")
    assert stale.stdout == "alert 2: GitHub API sync: no successful import for 12 hours (not firing)\n", stale.stderr
    for args, message in [
        (("add", "--enterprise", "nope", "--kind", "verify-drift", "--email", "a@b.test"), "nope"),
        (("add", "--enterprise", "acme", "--kind", "consumed-percent", "--product", "enterprise",
          "--threshold", "5000", "--email", "a@b.test"), "percent"),
        (("remove", "--enterprise", "acme", "7"), "no alert 7"),
        (("add", "--enterprise", "acme", "--kind", "copilot-idle", "--email", "a@b.test"), "a number of seats"),
        (("add", "--enterprise", "acme", "--kind", "source-stale", "--source", "ftp", "--threshold", "3",
          "--email", "a@b.test"), "the source is one of"),
    ]:
        refused = run(*args)
        lines = refused.stderr.strip().splitlines()
        assert refused.returncode == 2 and len(lines) == 1 and message in lines[0], refused.stderr
