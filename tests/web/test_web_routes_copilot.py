"""The Copilot seats pages (``web/routes_copilot.py``): the seats of an enterprise or one
organization, the inactivity filters with their counts, and pages of 100 seats."""

from __future__ import annotations

import datetime as dt
import re

import httpx
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from seatledger.db import tables as t
from seatledger.db.ledger import Ledger
from seatledger.web.routes_copilot import PAGE_SIZE
from web_site import MONA_NOW, MONA_T0

DAY = dt.timedelta(days=1)


def _seats(engine: Engine) -> None:
    """ann used Copilot 5 days ago, bob 45 days ago (both in acme-web); cy, in acme-api, 75."""
    with engine.begin() as conn:
        ledger = Ledger(conn)
        eid, web = ledger.enterprise_id("acme"), ledger.org_id("acme-web")
        api = ledger.add_org(eid, "acme-api", created_at=MONA_T0)
        ledger.add_membership(api, ledger.add_user(eid, "cy", created_at=MONA_T0), started_at=MONA_T0)
        ids = dict(conn.execute(sa.select(t.users.c.login, t.users.c.id)).all())
        for org, login, idle in ((web, "ann", 5), (web, "bob", 45), (api, "cy", 75)):
            ledger.add_copilot_seat(
                org,
                ids[login],
                created_at=MONA_T0,
                last_activity_at=MONA_NOW - idle * DAY,
                last_activity_editor="vscode",
            )


def _logins(html: str) -> list[str]:
    return re.findall(r'<tr data-login="([^"]+)">', html)


def _filter_counts(html: str) -> dict[str, int]:
    found = re.findall(r'data-inactive="(\w+)"[^>]*>[^<]*<span data-testid="filter-count">\((\d+)\)', html)
    return {k: int(v) for k, v in found}


def test_the_enterprise_page_lists_every_seat_and_an_org_page_its_own(mona: httpx.Client, engine: Engine) -> None:
    _seats(engine)
    enterprise = mona.get("/enterprises/acme/copilot")
    org = mona.get("/orgs/acme-web/copilot")
    assert enterprise.status_code == org.status_code == 200
    assert sorted(_logins(enterprise.text)) == ["ann", "bob", "cy"]
    assert sorted(_logins(org.text)) == ["ann", "bob"]
    assert '<span data-testid="copilot-total">3</span>' in enterprise.text
    assert "<th>Organization</th>" in enterprise.text and "<th>Organization</th>" not in org.text


def test_each_inactivity_filter_lists_its_seats_and_every_filter_says_how_many_it_keeps(
    mona: httpx.Client, engine: Engine
) -> None:
    _seats(engine)
    assert sorted(_logins(mona.get("/enterprises/acme/copilot", params={"inactive": 30}).text)) == ["bob", "cy"]
    assert _logins(mona.get("/enterprises/acme/copilot", params={"inactive": 60}).text) == ["cy"]
    none = mona.get("/orgs/acme-web/copilot", params={"inactive": 90}).text
    assert _logins(none) == [] and "No seats without activity in 90 days." in none
    assert _filter_counts(mona.get("/enterprises/acme/copilot").text) == {"all": 3, "30": 2, "60": 1, "90": 0}


def test_an_inactivity_filter_the_page_does_not_offer_is_refused(mona: httpx.Client) -> None:
    answer = mona.get("/enterprises/acme/copilot", params={"inactive": 45})
    assert answer.status_code == 422 and "inactive must be one of 30, 60, 90" in answer.text


def test_seats_come_a_hundred_to_a_page_with_a_link_to_the_next(mona: httpx.Client, engine: Engine) -> None:
    with engine.begin() as conn:
        ledger = Ledger(conn)
        eid, web = ledger.enterprise_id("acme"), ledger.org_id("acme-web")
        for n in range(PAGE_SIZE + 1):
            uid = ledger.add_user(eid, f"dev{n:03}", created_at=MONA_T0)
            ledger.add_membership(web, uid, started_at=MONA_T0)
            ledger.add_copilot_seat(web, uid, created_at=MONA_T0)
    first = mona.get("/orgs/acme-web/copilot").text
    second = mona.get("/orgs/acme-web/copilot", params={"page_no": 2}).text
    assert len(_logins(first)) == PAGE_SIZE and len(_logins(second)) == 1
    assert set(_logins(first)).isdisjoint(_logins(second))
    assert 'href="/orgs/acme-web/copilot?page_no=2">Next →</a>' in first and "Next →" not in second
    assert "Page 2 of 2" in second and 'href="/orgs/acme-web/copilot?page_no=1">← Previous</a>' in second
