"""`seatledger` starts without the web framework or the database code: `--help` and the
argument checks import only typer; each command imports what it needs when it runs."""

from __future__ import annotations

import os
import subprocess
import sys

HEAVY = ("fastapi", "starlette", "sqlalchemy", "alembic", "rich", "uvicorn", "seatledger.web", "seatledger.licensing")


def _modules_after(code: str) -> set[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEATLEDGER_")}
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys\nprint('\\n'.join(sys.modules))"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=60,
    ).stdout
    return set(out.split())


def test_importing_the_cli_imports_no_web_framework_and_no_database_code() -> None:
    loaded = _modules_after("import seatledger.cli")
    assert "typer" in loaded
    assert not [m for m in HEAVY if m in loaded]


def test_help_of_every_group_runs_without_them() -> None:
    code = (
        "from seatledger.cli import app\n"
        "for args in ([], ['report'], ['token'], ['user'], ['ingest'], ['cost-center'], ['price'], ['sync']):\n"
        "    try:\n"
        "        app([*args, '--help'], standalone_mode=False)\n"
        "    except SystemExit:\n"
        "        pass\n"
    )
    loaded = _modules_after(code)
    # typer formats help with rich when it is installed; the rest stays out.
    assert not [m for m in HEAVY if m in loaded and m != "rich"]


def test_a_report_runs_with_what_it_imports_late(tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEATLEDGER_")}
    env["SEATLEDGER_DATA_DIR"] = str(tmp_path)
    subprocess.run(
        [sys.executable, "-m", "seatledger", "migrate"], capture_output=True, env=env, timeout=120, check=True
    )
    proc = subprocess.run(
        [sys.executable, "-m", "seatledger", "report", "license-usage", "--enterprise", "nope"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    # The database was opened (sqlalchemy), then the report looked the enterprise up: one line
    # and exit 2, as for every user error.
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip() == "error: no enterprise 'nope'"
    assert (tmp_path / "seatledger.db").exists()


def test_a_command_on_a_ledger_at_the_newest_schema_does_not_load_alembic(tmp_path) -> None:
    code = (
        "from seatledger.db import create_engine, migrate\n"
        f"migrate(create_engine('sqlite:///{tmp_path / 'ledger.db'}'))\n"
    )
    assert "alembic" in _modules_after(code)  # a new ledger: Alembic creates the schema
    assert "alembic" not in _modules_after(code)  # now at the newest schema: recognised without it
