"""Sessions that end when they should: server-side sessions revoked at sign-out, suspension
ending sessions and tokens at once, sign-in throttling with a doubling lockout, security
headers, and orgs hidden as if unknown."""

from __future__ import annotations

import datetime as dt
import time
from typing import Iterator

import httpx
import pytest
from sqlalchemy.engine import Engine

from seatledger import tokens
from seatledger.app import create_app
from seatledger.config import Settings
from seatledger.db.ledger import Ledger
from seatledger.web.accounts import set_password
from seatledger.web.security_headers import CONTENT_SECURITY_POLICY
from seatledger.web.session import COOKIE_NAME
from seatledger.web.signin_throttle import FIRST_LOCKOUT, FREE_FAILURES

from web_site import Clock, LiveServer, csrf_of, http_sign_in

T0 = dt.datetime(2026, 1, 1)
PASSWORD = "owner-password"


@pytest.fixture
def people(engine: Engine) -> dict[str, int]:
    """acme (owner, orgowner of acme-web, acme-api with nobody signed in to it), globex (its
    org gadgets, its user stranger)."""
    with engine.begin() as conn:
        led = Ledger(conn)
        acme = led.add_enterprise("acme", created_at=T0)
        globex = led.add_enterprise("globex", created_at=T0)
        web = led.add_org(acme, "acme-web", created_at=T0)
        led.add_org(acme, "acme-api", created_at=T0)
        led.add_org(globex, "gadgets", created_at=T0)
        led.add_user(globex, "stranger", created_at=T0)
        ids = {
            "owner": led.add_user(acme, "owner", created_at=T0),
            "orgowner": led.add_user(acme, "orgowner", created_at=T0),
        }
        led.add_enterprise_role(acme, ids["owner"], "owner", started_at=T0)
        led.add_membership(web, ids["orgowner"], "owner", started_at=T0)
        set_password(conn, ids["owner"], PASSWORD)
        set_password(conn, ids["orgowner"], "orgowner-password")
    return ids


@pytest.fixture
def clock() -> Clock:
    return Clock(now=time.time())


@pytest.fixture
def server(settings: Settings, engine: Engine, people: dict[str, int], clock: Clock) -> Iterator[str]:
    app = create_app(settings, engine)
    app.state.clock = clock
    with LiveServer(app) as live:
        yield live.url


def _client(server: str) -> httpx.Client:
    return httpx.Client(base_url=server, timeout=60)


def _try(client: httpx.Client, login: str, password: str) -> httpx.Response:
    return http_sign_in(client, login, password)


def test_a_cookie_saved_before_sign_out_no_longer_signs_in(server: str) -> None:
    with _client(server) as client:
        assert _try(client, "owner", PASSWORD).status_code == 303
        saved = client.cookies[COOKIE_NAME]
        page = client.get("/enterprises/acme/licensing")
        assert page.status_code == 200
        assert client.post("/logout", data={"csrf_token": csrf_of(page.text)}).status_code == 303
    with _client(server) as replay:
        replay.cookies.set(COOKIE_NAME, saved)
        answer = replay.get("/enterprises/acme/licensing")
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login")


def test_a_suspended_person_loses_their_session_and_their_tokens_at_once(
    server: str, engine: Engine, people: dict[str, int]
) -> None:
    with engine.begin() as conn:
        _, token = tokens.create_token(conn, "acme", "owner", "read:enterprise")
    api = {"Authorization": f"Bearer {token}", "Accept": "application/vnd.github+json"}
    with _client(server) as client:
        assert _try(client, "owner", PASSWORD).status_code == 303
        assert client.get("/enterprises/acme/licensing").status_code == 200
        assert client.get("/api/v3/enterprises/acme/consumed-licenses", headers=api).status_code == 200
        with engine.begin() as conn:
            Ledger(conn).suspend_user(people["owner"])
        answer = client.get("/enterprises/acme/licensing")
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login")
        refused = client.get("/api/v3/enterprises/acme/consumed-licenses", headers=api)
        assert refused.status_code == 401 and refused.json()["message"] == "Bad credentials"
        assert _try(client, "owner", PASSWORD).status_code == 401  # nor can they sign in again


def test_the_fifth_wrong_password_locks_the_login_even_against_the_right_one_until_the_lockout_ends(
    server: str, clock: Clock
) -> None:
    with _client(server) as client:
        for _ in range(FREE_FAILURES):
            assert _try(client, "owner", "wrong-password").status_code == 401
        assert _try(client, "owner", "wrong-password").status_code == 401  # this one locks
        locked = _try(client, "owner", PASSWORD)
        assert locked.status_code == 429
        assert "Too many failed sign-ins" in locked.text and int(locked.headers["Retry-After"]) >= 1
        clock.now += FIRST_LOCKOUT.total_seconds() + 1
        assert _try(client, "owner", "wrong-password").status_code == 401  # locks again, twice as long
        clock.now += FIRST_LOCKOUT.total_seconds() + 1
        assert _try(client, "owner", PASSWORD).status_code == 429
        clock.now += FIRST_LOCKOUT.total_seconds()
        assert _try(client, "owner", PASSWORD).status_code == 303


def test_guesses_from_one_address_at_many_logins_lock_that_address(server: str) -> None:
    with _client(server) as client:
        for i in range(FREE_FAILURES + 1):
            assert _try(client, f"nobody-{i}", "guess").status_code == 401
        assert _try(client, "orgowner", "orgowner-password").status_code == 429


def test_every_answer_carries_the_security_headers(server: str) -> None:
    with _client(server) as client:
        answers = [
            client.get("/login"),
            client.get("/static/seatledger.css"),
            client.get("/no/such/page"),
            client.get("/api/v3/enterprises/acme/consumed-licenses"),
        ]
    for answer in answers:
        assert answer.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, answer.url
        assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"]
        assert answer.headers["X-Frame-Options"] == "DENY"
        assert answer.headers["Referrer-Policy"] == "no-referrer"
        assert answer.headers["X-Content-Type-Options"] == "nosniff"


def test_an_org_the_person_may_not_see_answers_as_an_unknown_org_does(server: str) -> None:
    with _client(server) as client:
        assert _try(client, "orgowner", "orgowner-password").status_code == 303
        assert client.get("/orgs/acme-web/licensing").status_code == 200
        for path in ("/orgs/{}/licensing", "/orgs/{}/copilot", "/reports/license-usage.csv?scope=organization:{}"):
            unknown = client.get(path.format("no-such-org"))
            assert unknown.status_code == 404, path
            for hidden in ("acme-api", "gadgets"):
                answer = client.get(path.format(hidden))
                assert answer.status_code == 404, (path, hidden)
                assert answer.text.replace(hidden, "no-such-org") == unknown.text
        assert client.get("/enterprises/globex/licensing").text.replace("globex", "nope") == (
            client.get("/enterprises/nope/licensing").text
        )


def test_a_report_scope_the_person_may_not_see_answers_as_an_unknown_one_does(server: str) -> None:
    with _client(server) as client:
        assert _try(client, "orgowner", "orgowner-password").status_code == 303
        for kind, name in (("enterprise", "globex"), ("user_namespace", "stranger")):
            hidden = client.get(f"/reports/advanced-security.csv?product=code_security&scope={kind}:{name}")
            unknown = client.get(f"/reports/advanced-security.csv?product=code_security&scope={kind}:nope")
            assert hidden.status_code == unknown.status_code == 404, kind
            assert hidden.text.replace(name, "nope") == unknown.text
