"""Sign-in: argon2 passwords for operators only, signed-cookie sessions, CSRF on every form,
logout, and the first-start hint. ``seatledger user set-password``: tests/cli/test_cli_user.py."""

from __future__ import annotations

import datetime as dt
from typing import Iterator

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from seatledger.app import create_app
from seatledger.config import Settings
from seatledger.db import tables as t
from seatledger.db.ledger import Ledger
from seatledger.errors import PermissionDenied
from seatledger.web import signin_hint
from seatledger.web.accounts import authenticate, set_password

from web_site import LiveServer, csrf_of, http_sign_in

T0 = dt.datetime(2026, 1, 1)


def _people(engine: Engine) -> dict[str, int]:
    with engine.begin() as conn:
        led = Ledger(conn)
        acme = led.add_enterprise("acme", created_at=T0)
        other = led.add_enterprise("globex", created_at=T0)
        web = led.add_org(acme, "acme-web", created_at=T0)
        ids = {
            "owner": led.add_user(acme, "owner", emails=["owner@acme.test"], created_at=T0),
            "billing": led.add_user(acme, "billing", emails=["billing@acme.test"], created_at=T0),
            "orgowner": led.add_user(acme, "orgowner", emails=["oo@acme.test"], created_at=T0),
            "member": led.add_user(acme, "member", emails=["m@acme.test"], created_at=T0),
            "twin-acme": led.add_user(acme, "twin", created_at=T0),
            "twin-globex": led.add_user(other, "twin", created_at=T0),
        }
        led.add_enterprise_role(acme, ids["owner"], "owner", started_at=T0)
        led.add_enterprise_role(acme, ids["billing"], "billing_manager", started_at=T0)
        led.add_membership(web, ids["orgowner"], "owner", started_at=T0)
        led.add_membership(web, ids["member"], "member", started_at=T0)
        led.add_enterprise_role(other, ids["twin-globex"], "owner", started_at=T0)
        return ids


@pytest.fixture
def server(settings: Settings, engine: Engine) -> Iterator[str]:
    with LiveServer(create_app(settings, engine)) as live:
        yield live.url


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


def test_only_owners_billing_managers_and_org_owners_may_get_a_password(engine: Engine) -> None:
    ids = _people(engine)
    with engine.begin() as conn:
        for who in ("owner", "billing", "orgowner"):
            set_password(conn, ids[who], f"{who}-password")
        with pytest.raises(PermissionDenied):
            set_password(conn, ids["member"], "member-password")


def test_pages_send_a_signed_out_visitor_to_login_and_back_after_sign_in(server: str, engine: Engine) -> None:
    ids = _people(engine)
    with engine.begin() as conn:
        set_password(conn, ids["billing"], "billing-password")
    with httpx.Client(base_url=server, timeout=60) as client:
        first = client.get("/enterprises/acme/licensing")
        assert first.status_code == 303 and first.headers["location"] == "/login?next=/enterprises/acme/licensing"
        form = client.get("/login?next=/enterprises/acme/copilot")
        response = client.post("/login", data={
            "login": "billing", "password": "billing-password", "csrf_token": csrf_of(form.text),
            "next": "/enterprises/acme/copilot",
        })
        assert response.status_code == 303 and response.headers["location"] == "/enterprises/acme/copilot"
        assert client.get("/").headers["location"] == "/enterprises/acme/licensing"


def test_a_wrong_password_is_refused(server: str, engine: Engine) -> None:
    ids = _people(engine)
    with engine.begin() as conn:
        set_password(conn, ids["owner"], "owner-password")
    with httpx.Client(base_url=server, timeout=60) as client:
        response = http_sign_in(client, "owner", "not-the-password")
        assert response.status_code == 401
        assert "Incorrect login or password" in response.text
        assert client.get("/enterprises/acme/licensing").status_code == 303


def test_a_form_without_the_sessions_csrf_token_is_refused(server: str, engine: Engine) -> None:
    ids = _people(engine)
    with engine.begin() as conn:
        set_password(conn, ids["owner"], "owner-password")
    with httpx.Client(base_url=server, timeout=60) as client:
        client.get("/login")
        response = client.post("/login", data={"login": "owner", "password": "owner-password", "csrf_token": "forged"})
        assert response.status_code == 403
        assert "Error 403" in response.text
        http_sign_in(client, "owner", "owner-password")
        page = client.get("/enterprises/acme/licensing")
        assert page.status_code == 200
        response = client.post("/exports", data={"kind": "license-usage", "scope": "enterprise:acme"})
        assert response.status_code == 403
        response = client.post("/logout", data={"csrf_token": "forged"})
        assert response.status_code == 403
        assert client.get("/enterprises/acme/licensing").status_code == 200


def test_logout_ends_the_session(server: str, engine: Engine) -> None:
    ids = _people(engine)
    with engine.begin() as conn:
        set_password(conn, ids["owner"], "owner-password")
    with httpx.Client(base_url=server, timeout=60) as client:
        http_sign_in(client, "owner", "owner-password")
        page = client.get("/enterprises/acme/licensing")
        assert client.post("/logout", data={"csrf_token": csrf_of(page.text)}).headers["location"] == "/login"
        assert client.get("/enterprises/acme/licensing").status_code == 303


def test_an_org_owner_sees_only_their_org(server: str, engine: Engine) -> None:
    ids = _people(engine)
    with engine.begin() as conn:
        set_password(conn, ids["orgowner"], "orgowner-password")
    with httpx.Client(base_url=server, timeout=60) as client:
        http_sign_in(client, "orgowner", "orgowner-password")
        assert client.get("/").headers["location"] == "/orgs/acme-web/licensing"
        assert client.get("/orgs/acme-web/licensing").status_code == 200
        assert client.get("/orgs/acme-web/copilot").status_code == 200
        for path in ("/enterprises/acme/licensing", "/enterprises/acme/copilot", "/enterprises/acme/usage",
                     "/reports/license-usage.csv?scope=enterprise:acme"):
            assert client.get(path).status_code == 403, path
