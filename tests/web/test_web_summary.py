"""The summary page (``web/summary.py``): one section per enterprise the person has a role in,
and one per owned organization of an enterprise they do not see whole, counted at the picked
date. That its numbers are ``seatledger summary``'s is held by the one-truth tests."""

from __future__ import annotations

import datetime as dt
import re

from typing import Iterator

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from seatledger.db import tables as t
from seatledger.db.ledger import Ledger
from seatledger.web.accounts import set_password
from web_site import MONA_T0, http_sign_in

JOINED = dt.datetime(2026, 3, 10)


def _consumed(html: str) -> dict[str, int]:
    """Enterprise seats consumed, by section (``acme``, ``globex:gadgets``)."""
    sections = re.findall(r'<section class="panel" data-summary="([^"]+)">(.*?)</section>', html, re.S)
    out = {}
    for key, body in sections:
        found = re.search(r'<span data-key="seats.consumed">([\d,]+)</span>', body)
        assert found is not None, key
        out[key] = int(found.group(1).replace(",", ""))
    return out


@pytest.fixture
def olly(mona: httpx.Client, engine: Engine) -> Iterator[httpx.Client]:
    """mona also owns acme-web; olly owns acme-web and has no enterprise role; acme-api's only
    member is ian; cy joins acme-web on JOINED."""
    with engine.begin() as conn:
        ledger = Ledger(conn)
        acme, web = ledger.enterprise_id("acme"), ledger.org_id("acme-web")
        mona_id = conn.execute(sa.select(t.users.c.id).where(t.users.c.login == "mona")).scalar_one()
        ledger.add_membership(web, mona_id, "owner", started_at=MONA_T0)
        olly_id = ledger.add_user(acme, "olly", created_at=MONA_T0)
        ledger.add_membership(web, olly_id, "owner", started_at=MONA_T0)
        set_password(conn, olly_id, "olly-password")
        api = ledger.add_org(acme, "acme-api", created_at=MONA_T0)
        ledger.add_membership(api, ledger.add_user(acme, "ian", created_at=MONA_T0), started_at=MONA_T0)
        ledger.add_membership(web, ledger.add_user(acme, "cy", created_at=JOINED), started_at=JOINED)
    with httpx.Client(base_url=str(mona.base_url), timeout=60, follow_redirects=True) as client:
        http_sign_in(client, "olly", "olly-password")
        yield client


def test_an_enterprise_role_sees_the_enterprise_once_and_not_again_through_an_owned_org(
    mona: httpx.Client, olly: httpx.Client
) -> None:
    page = mona.get("/summary")
    assert page.status_code == 200
    assert _consumed(page.text) == {"acme": 6}, "mona, ann, bob, olly, ian, cy: owning acme-web adds no section"


def test_an_org_owner_sees_only_their_orgs_numbers(olly: httpx.Client) -> None:
    page = olly.get("/summary")
    assert _consumed(page.text) == {"acme:acme-web": 5}, "ann, bob, mona, olly, cy; not ian of acme-api"
    assert 'href="/orgs/acme-web/licensing">acme-web</a>' in page.text
    assert 'href="/enterprises/acme/licensing"' not in page.text


def test_the_summary_counts_at_the_picked_date(mona: httpx.Client, olly: httpx.Client) -> None:
    before = mona.get("/summary", params={"as_of": "2026-03-01"}).text
    assert _consumed(before) == {"acme": 5}, "cy joined after the picked date"
    assert 'href="/enterprises/acme/licensing?as_of=2026-03-01"' in before, "its links stay at that date"
    assert _consumed(olly.get("/summary", params={"as_of": "2026-03-01"}).text) == {"acme:acme-web": 4}
