"""``seatledger user set-password``: a script gives an operator a web sign-in through stdin,
naming the enterprise when the login is in several; who may not operate, or an empty or short
password, is one line and exit code 2."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy.engine import Engine

from cli_support import run_seatledger
from seatledger.db.ledger import Ledger
from seatledger.web.accounts import MIN_PASSWORD_LENGTH, authenticate

T0 = dt.datetime(2026, 1, 1)


def _twins(engine: Engine) -> None:
    """'twin' in acme (a member) and in globex (its owner)."""
    with engine.begin() as conn:
        led = Ledger(conn)
        acme, globex = led.add_enterprise("acme", created_at=T0), led.add_enterprise("globex", created_at=T0)
        led.add_membership(
            led.add_org(acme, "acme-web", created_at=T0), led.add_user(acme, "twin", created_at=T0), started_at=T0
        )
        led.add_enterprise_role(globex, led.add_user(globex, "twin", created_at=T0), "owner", started_at=T0)


def _set_password(db_url: str, tmp_path: Path, *args: str, stdin: str) -> tuple[int, str, str]:
    done = run_seatledger(
        ["user", "set-password", *args], tmp_path / "data", {"SEATLEDGER_DATABASE_URL": db_url}, stdin=stdin
    )
    return done.returncode, done.stdout, done.stderr


def test_set_password_from_a_script_needs_the_enterprise_when_the_login_is_ambiguous(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    _twins(engine)
    assert _set_password(db_url, tmp_path, "twin", "--password-stdin", stdin="twin-password\n") == (
        2,
        "",
        "error: 'twin' exists in several enterprises (acme, globex); pass --enterprise SLUG\n",
    )
    assert _set_password(
        db_url, tmp_path, "twin", "--password-stdin", "--enterprise", "globex", stdin="twin-password\r\n"
    ) == (0, "password set for twin\n", "")
    with engine.connect() as conn:
        assert authenticate(conn, "twin", "twin-password") is not None  # the line's end is not the password's


def test_someone_who_may_not_operate_or_a_missing_or_short_password_is_refused(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    _twins(engine)
    for args, stdin, says in [
        (
            ("--enterprise", "acme"),
            "twin-password\n",
            "twin is not an enterprise owner, billing manager or organization owner, so cannot sign in",
        ),
        (("--enterprise", "globex"), "\n", "no password given"),
        (
            ("--enterprise", "globex"),
            "x" * (MIN_PASSWORD_LENGTH - 1) + "\n",
            f"a password needs at least {MIN_PASSWORD_LENGTH} characters",
        ),
        (("--enterprise", "initech"), "twin-password\n", "no user 'twin' in enterprise 'initech'"),
    ]:
        assert _set_password(db_url, tmp_path, "twin", "--password-stdin", *args, stdin=stdin) == (
            2,
            "",
            f"error: {says}\n",
        ), args
    with engine.connect() as conn:
        assert authenticate(conn, "twin", "twin-password") is None
