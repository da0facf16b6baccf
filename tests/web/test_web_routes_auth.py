"""Sign-in: signed-cookie sessions, CSRF on every form, logout, an org owner's pages. Who may have
a password: test_web_accounts.py; the first-start hint: test_web.py; ``seatledger user
set-password``: tests/cli/test_cli_user.py."""

from __future__ import annotations

import datetime as dt
from typing import Iterator

import httpx
import pytest
from sqlalchemy.engine import Engine

from seatledger.app import create_app
from seatledger.config import Settings
from seatledger.db.ledger import Ledger
from seatledger.web.accounts import set_password

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


def test_pages_send_a_signed_out_visitor_to_login_and_back_after_sign_in(server: str, engine: Engine) -> None:
    ids = _people(engine)
    with engine.begin() as conn:
        set_password(conn, ids["billing"], "billing-password")
    with httpx.Client(base_url=server, timeout=60) as client:
        first = client.get("/enterprises/acme/licensing")
        assert first.status_code == 303 and first.headers["location"] == "/login?next=/enterprises/acme/licensing"
        form = client.get("/login?next=/enterprises/acme/copilot")
        response = client.post(
            "/login",
            data={
                "login": "billing",
                "password": "billing-password",
                "csrf_token": csrf_of(form.text),
                "next": "/enterprises/acme/copilot",
            },
        )
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
        for path in (
            "/enterprises/acme/licensing",
            "/enterprises/acme/copilot",
            "/enterprises/acme/usage",
            "/reports/license-usage.csv?scope=enterprise:acme",
        ):
            assert client.get(path).status_code == 403, path
