"""The web package's wiring (``web/__init__.py``): the first-start sign-in hint, the session
cookie kept off the paths that never carry one, and a signed-out visitor sent to sign in."""

from __future__ import annotations

from typing import Iterator

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from seatledger.app import create_app
from seatledger.config import Settings
from seatledger.db import tables as t
from seatledger.web import signin_hint
from seatledger.web.accounts import authenticate
from seatledger.web.session import COOKIE_NAME

from test_web_routes_auth import _people
from web_site import LiveServer


def test_first_start_gives_the_first_enterprise_owner_a_password_once(settings: Settings, engine: Engine) -> None:
    _people(engine)
    hint = signin_hint(settings, engine)
    assert hint is not None and hint.startswith(f"Sign in at {settings.base_url}/login as owner with password ")
    password = hint.rsplit(" ", 1)[1]
    with engine.connect() as conn:
        assert authenticate(conn, "owner", password) is not None
        stored = conn.execute(sa.select(t.operators.c.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$") and password not in stored
    assert signin_hint(settings, engine) is None  # an operator exists now


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_second_server_starting_at_once_makes_no_second_password(settings: Settings, engine: Engine) -> None:
    """The first server's account is being written (not yet committed) when the second looks:
    the second finds none, waits at the operators' key, then finds the first's and prints
    nothing (it used to fail to start on the key)."""
    import threading

    from seatledger.web.accounts import set_password

    ids = _people(engine)
    first = engine.connect()
    first_txn = first.begin()
    set_password(first, ids["owner"], "first-servers-password")
    second: list[str | None] = []
    thread = threading.Thread(target=lambda: second.append(signin_hint(settings, engine)))
    thread.start()
    try:
        with engine.connect() as watch:  # until the second server waits on the first's row
            waiting = sa.text(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO operators%'"
            )
            while thread.is_alive() and not watch.execute(waiting).scalar_one():
                watch.rollback()
        first_txn.commit()
    finally:
        first.close()
        thread.join(60)
    assert second == [None]
    with engine.connect() as conn:
        assert authenticate(conn, "owner", "first-servers-password") is not None


def test_no_hint_without_an_enterprise_owner_who_could_sign_in(settings: Settings, engine: Engine) -> None:
    assert signin_hint(settings, engine) is None, "an empty ledger"
    ids = _people(engine)
    with engine.begin() as conn:
        conn.execute(sa.update(t.users).where(t.users.c.id == ids["owner"]).values(suspended_at=sa.func.now()))
    assert signin_hint(settings, engine) is None, "acme's only owner is suspended; globex's twin is not acme's"
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t.operators)).scalar_one() == 0


@pytest.fixture
def server(settings: Settings, engine: Engine) -> Iterator[str]:
    _people(engine)
    with LiveServer(create_app(settings, engine)) as live:
        yield live.url


def test_a_page_sets_the_session_cookie_and_the_api_static_files_and_health_never_do(server: str) -> None:
    with httpx.Client(base_url=server, timeout=30) as client:
        assert COOKIE_NAME in client.get("/login").cookies
        for path in ("/static/seatledger.css", "/healthz", "/api/v3/enterprises/acme/consumed-licenses", "/metrics"):
            assert "set-cookie" not in client.get(path).headers, path


def test_a_signed_out_visitor_is_sent_to_sign_in_with_the_page_and_its_query_to_come_back_to(server: str) -> None:
    with httpx.Client(base_url=server, timeout=30) as client:
        answer = client.get("/enterprises/acme/usage", params={"month": "2026-03", "group": "org"})
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=/enterprises/acme/usage%3Fmonth%3D2026-03%26group%3Dorg"
