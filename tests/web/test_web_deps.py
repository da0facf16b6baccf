"""The pages' request dependencies (``web/deps.py``): the instant a page counts at (the picked
date or the app's clock), and who a session signs in, asked anew at every request."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi import FastAPI, Request
from sqlalchemy.engine import Engine

from seatledger.db.ledger import Ledger
from seatledger.errors import InvalidInput
from seatledger.web.deps import chosen_date, clock_of, counting_instant, page_as_of, signed_in_access
from seatledger.web.session_store import SESSION_LIFETIME, open_session, revoke_session

NOW = dt.datetime(2026, 3, 15, 12, 30, 45, 678000)
T0 = dt.datetime(2026, 1, 1)


def _request(query: str = "") -> Request:
    """A request to the app whose clock reads NOW, as the server hands one to a page."""
    app = FastAPI()
    app.state.clock = lambda: NOW.replace(tzinfo=dt.timezone.utc).timestamp()
    return Request(
        {
            "type": "http",
            "method": "GET",
            "path": "/enterprises/acme/licensing",
            "headers": [],
            "query_string": query.encode(),
            "app": app,
        }
    )


def test_a_page_counts_now_by_the_apps_clock_to_the_second() -> None:
    request = _request()
    assert clock_of(request) == NOW.replace(tzinfo=dt.timezone.utc).timestamp()
    assert page_as_of(request) == counting_instant(request) == NOW.replace(microsecond=0)
    assert chosen_date(request) == ""


def test_a_picked_date_counts_at_the_end_of_that_day_and_a_timestamp_at_itself() -> None:
    assert counting_instant(_request("as_of=2026-02-01")) == dt.datetime(2026, 2, 1, 23, 59, 59)
    assert counting_instant(_request("as_of=2026-02-01T10:00:00%2B02:00")) == dt.datetime(2026, 2, 1, 8, 0)
    assert chosen_date(_request("as_of=%202026-02-01%20")) == "2026-02-01", "as sent, without the spaces"
    assert counting_instant(_request("as_of=")) == NOW.replace(microsecond=0), "an empty picker is now"


def test_a_picked_date_that_is_no_date_is_invalid_input() -> None:
    with pytest.raises(InvalidInput, match="as_of"):
        counting_instant(_request("as_of=next-tuesday"))


@pytest.fixture
def people(engine: Engine) -> dict[str, int]:
    with engine.begin() as conn:
        led = Ledger(conn)
        acme = led.add_enterprise("acme", created_at=T0)
        web = led.add_org(acme, "acme-web", created_at=T0)
        ids = {login: led.add_user(acme, login, created_at=T0) for login in ("olga", "otto", "mo")}
        led.add_enterprise_role(acme, ids["olga"], "owner", started_at=T0)
        led.add_membership(web, ids["otto"], "owner", started_at=T0)
        led.add_membership(web, ids["mo"], "member", started_at=T0)
        return ids


def test_a_session_signs_in_its_person_with_their_roles_until_revoked_or_expired(
    engine: Engine, people: dict[str, int]
) -> None:
    with engine.begin() as conn:
        olga, otto = open_session(conn, people["olga"], NOW), open_session(conn, people["otto"], NOW)
    with engine.begin() as conn:
        access = signed_in_access(conn, olga, NOW)
        assert access is not None and (access.login, access.enterprise_roles) == ("olga", (("acme", "owner"),))
        org_owner = signed_in_access(conn, otto, NOW)
        assert org_owner is not None and org_owner.owned_orgs == ("acme-web",)
        assert signed_in_access(conn, olga, NOW + SESSION_LIFETIME + dt.timedelta(seconds=1)) is None, "expired"
        assert signed_in_access(conn, None, NOW) is None and signed_in_access(conn, "forged", NOW) is None
        revoke_session(conn, olga, NOW)
        assert signed_in_access(conn, olga, NOW) is None


def test_a_session_of_a_person_left_without_a_role_that_may_sign_in_signs_in_nobody(
    engine: Engine, people: dict[str, int]
) -> None:
    with engine.begin() as conn:
        member, owner = open_session(conn, people["mo"], NOW), open_session(conn, people["otto"], NOW)
        ledger = Ledger(conn)
        ledger.end_membership(ledger.org_id("acme-web"), people["otto"], NOW - dt.timedelta(minutes=1))
    with engine.connect() as conn:
        assert signed_in_access(conn, member, NOW) is None, "a member may not sign in"
        assert signed_in_access(conn, owner, NOW) is None, "no longer an owner: asked anew at every request"


def test_the_roles_are_asked_at_the_sessions_instant_not_the_machines(engine: Engine, people: dict[str, int]) -> None:
    """The app's clock decides both: an org owner whose ownership ends after the page's instant
    still signs in at that instant, though the machine's clock is past the end."""
    later = NOW + dt.timedelta(days=30)
    with engine.begin() as conn:
        owner = open_session(conn, people["otto"], NOW)
        ledger = Ledger(conn)
        ledger.end_membership(ledger.org_id("acme-web"), people["otto"], later)
    with engine.connect() as conn:
        access = signed_in_access(conn, owner, NOW)
        assert access is not None and access.owned_orgs, "an owner at NOW"
        assert signed_in_access(conn, owner, later) is None, "not an owner once it ended"
