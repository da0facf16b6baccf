"""The Reclaim view: the counts and the CSV are the engine's list, the Copilot dry run's
selection is what *Cancel selected* cancels (recorded with who and when), and only enterprise
owners and billing managers may see it or cancel."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from contextlib import contextmanager
from html import unescape
from typing import Iterator

import httpx
import pytest
import sqlalchemy as sa

from seatledger import licensing
from seatledger.db import tables as t
from seatledger.db.ledger import Ledger
from seatledger.db.tables_reclaims import copilot_reclaims
from seatledger.licensing import ReclaimRules
from seatledger.reports.reclaim import HEADER
from seatledger.web.accounts import set_password
from seatledger.web.table_view import PAGE_SIZE

from web_site import NOW, ORG_OWNER_PASSWORD, Site, csrf_of, http_sign_in

BILLING_PASSWORD = "billing-manager-password"


@contextmanager
def _client(site: Site, login: str, password: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=site.url, timeout=60, follow_redirects=True) as client:
        http_sign_in(client, login, password)
        yield client


@pytest.fixture
def owner(site: Site) -> Iterator[httpx.Client]:
    with _client(site, site.demo.owner_login, site.demo.owner_password) as client:
        yield client


def _seats_in(html: str) -> set[int]:
    return {int(s) for s in re.findall(r'name="seat" value="(\d+)"', html)}


def _pending(site: Site) -> set[int]:
    s = t.copilot_seats
    with site.engine.connect() as conn:
        return set(conn.execute(sa.select(s.c.id).where(s.c.pending_cancellation_date.is_not(None))).scalars())


@pytest.mark.parametrize("product", ["enterprise", "copilot"])
def test_the_counts_and_the_csv_are_the_engines_list(site: Site, owner: httpx.Client, product: str) -> None:
    slug = site.demo.slug
    with site.engine.connect() as conn:
        expected = licensing.reclaim(conn, slug, product, rules=ReclaimRules(idle_days=60), as_of=NOW)
    assert expected.candidates
    html = owner.get(f"/enterprises/{slug}/reclaim", params={"product": product, "idle_days": "60"}).text
    for category, n in expected.counts.items():
        assert re.search(rf'data-testid="count-{category}"><th>[^<]+</th><td class="num">{n:,}<', html), category
    csv_link = re.search(r'data-testid="reclaim-csv" href="([^"]+)"', html)
    assert csv_link is not None
    rows = list(csv.reader(io.StringIO(owner.get(csv_link.group(1).replace("&amp;", "&")).text)))
    assert rows[0] == list(HEADER)
    assert [r[1:3] for r in rows[1:]] == [
        [c.category, c.login or c.person_key.partition(":")[2]] for c in expected.candidates
    ]


def test_cancel_selected_cancels_exactly_the_dry_runs_selection_and_records_who(
    site: Site, owner: httpx.Client
) -> None:
    slug = site.demo.slug
    with site.engine.connect() as conn:
        expected = licensing.reclaim(conn, slug, "copilot", as_of=NOW)
        owner_id = conn.execute(sa.select(t.users.c.id).where(t.users.c.login == site.demo.owner_login)).scalar_one()
    dry = owner.get(f"/enterprises/{slug}/reclaim", params={"product": "copilot"}).text
    listed = _seats_in(dry)
    assert listed == set(expected.seat_ids) and len(listed) >= 2
    keep = min(listed)  # unticked: stays
    chosen = sorted(listed - {keep})
    before = _pending(site)
    token = re.search(r'name="token" value="([^"]+)"', dry)
    assert token is not None
    done = owner.post(
        f"/enterprises/{slug}/reclaim/cancel",
        data={"csrf_token": csrf_of(dry), "token": token.group(1), "seat": [str(s) for s in chosen]},
    )
    assert f"{len(chosen)} Copilot seats cancelled" in done.text
    assert _pending(site) - before == set(chosen)
    with site.engine.connect() as conn:
        log = conn.execute(
            sa.select(
                copilot_reclaims.c.seat_id, copilot_reclaims.c.cancelled_by_user_id, copilot_reclaims.c.cancelled_at
            )
        ).all()
    assert sorted(log) == [(s, owner_id, NOW) for s in chosen]
    assert _seats_in(done.text) == {keep}  # the page after: the one left is still listed


def test_nothing_is_cancelled_without_a_dry_runs_token_or_outside_its_selection(
    site: Site, owner: httpx.Client
) -> None:
    slug = site.demo.slug
    dry = owner.get(f"/enterprises/{slug}/reclaim", params={"product": "copilot", "idle_days": "90"}).text
    seats = sorted(_seats_in(dry))
    token = re.search(r'name="token" value="([^"]+)"', dry).group(1)  # type: ignore[union-attr]
    s = t.copilot_seats
    with site.engine.connect() as conn:
        active = conn.execute(
            sa.select(s.c.id).where(s.c.ended_at.is_(None), s.c.id.not_in(seats)).limit(1)
        ).scalar_one()
    before = _pending(site)
    forged = owner.post(
        f"/enterprises/{slug}/reclaim/cancel",
        data={"csrf_token": csrf_of(dry), "token": token[:-4] + "AAAA", "seat": [str(seats[0])]},
    )
    assert "No seat was cancelled: cancel only from a dry run" in forged.text
    outside = owner.post(
        f"/enterprises/{slug}/reclaim/cancel", data={"csrf_token": csrf_of(dry), "token": token, "seat": [str(active)]}
    )
    assert "No seat was cancelled: select at least one seat of the dry run" in outside.text
    at_a_date = owner.get(f"/enterprises/{slug}/reclaim", params={"product": "copilot", "as_of": "2026-09-01"}).text
    assert 'name="token"' not in at_a_date and 'data-testid="no-cancel"' in at_a_date
    assert _pending(site) == before


def test_only_enterprise_owners_and_billing_managers_see_the_view_or_cancel(site: Site, owner: httpx.Client) -> None:
    slug = site.demo.slug
    er, u = t.enterprise_roles, t.users
    with site.engine.begin() as conn:
        manager = conn.execute(
            sa.select(u.c.id, u.c.login).join(er, er.c.user_id == u.c.id).where(er.c.role == "billing_manager").limit(1)
        ).one()
        set_password(conn, manager.id, BILLING_PASSWORD)
    dry = owner.get(f"/enterprises/{slug}/reclaim", params={"product": "copilot"}).text
    token = re.search(r'name="token" value="([^"]+)"', dry).group(1)  # type: ignore[union-attr]
    seat = min(_seats_in(dry))
    before = _pending(site)
    with _client(site, site.demo.org_owner_login, ORG_OWNER_PASSWORD) as org_owner:
        assert org_owner.get(f"/enterprises/{slug}/reclaim").status_code in (403, 404)
        assert org_owner.get(f"/enterprises/{slug}/reclaim.csv").status_code in (403, 404)
        own_page = org_owner.get(f"/orgs/{site.demo.org}/licensing").text
        refused = org_owner.post(
            f"/enterprises/{slug}/reclaim/cancel",
            data={"csrf_token": csrf_of(own_page), "token": token, "seat": [str(seat)]},
        )
        assert refused.status_code in (403, 404)
    assert _pending(site) == before
    with _client(site, manager.login, BILLING_PASSWORD) as billing:
        page = billing.get(f"/enterprises/{slug}/reclaim", params={"product": "copilot"}).text
        done = billing.post(
            f"/enterprises/{slug}/reclaim/cancel",
            data={"csrf_token": csrf_of(page), "token": token, "seat": [str(seat)]},
        )
        assert "1 Copilot seat cancelled" in done.text
    assert _pending(site) - before == {seat}


@pytest.mark.parametrize(
    "query, message",
    [
        ({"idle_days": "ninety"}, "idle_days must be a whole number"),
        ({"joined_days": "99999"}, "joined_days must be a whole number of days from 0 to 3650"),
        ({"product": "ghas"}, "product must be one of"),
        ({"as_of": "2026-02-30"}, "as_of"),
    ],
)
def test_bad_input_is_the_page_with_a_message(
    site: Site, owner: httpx.Client, query: dict[str, str], message: str
) -> None:
    for path in ("reclaim", "reclaim.csv"):
        got = owner.get(f"/enterprises/{site.demo.slug}/{path}", params=query)
        assert got.status_code == 422 and message in got.text and "Traceback" not in got.text


def _people_in(html: str) -> list[str]:
    table = html[html.index('data-testid="reclaim">') :]
    return [unescape(p) for p in re.findall(r'/people/[^"]+">([^<]+)</a>', table[: table.index("</table>")])]


def test_the_list_pages_sorts_and_filters_through_the_url(site: Site, owner: httpx.Client) -> None:
    slug, query = site.demo.slug, {"product": "copilot", "idle_days": "0", "joined_days": "0"}
    with site.engine.begin() as conn:  # more seats never used than a page holds
        ledger = Ledger(conn)
        eid, org = ledger.enterprise_id(slug), ledger.org_id(site.demo.org)
        for i in range(PAGE_SIZE):
            uid = ledger.add_user(eid, f"Unused-{i:03}", created_at=NOW - dt.timedelta(days=400))
            ledger.add_copilot_seat(org, uid, created_at=NOW - dt.timedelta(days=300))
    with site.engine.connect() as conn:  # every Copilot seat not used since this instant
        found = licensing.reclaim(conn, slug, "copilot", rules=ReclaimRules(idle_days=0, joined_days=0), as_of=NOW)
    person = [c.login or c.person_key.partition(":")[2] for c in found.candidates]
    by_person = sorted(sorted(person), key=str.casefold)
    pages = -(-len(person) // PAGE_SIZE)
    assert pages > 1, len(person)

    first = owner.get(f"/enterprises/{slug}/reclaim", params=query).text
    assert _people_in(first) == by_person[:PAGE_SIZE] and f"Page 1 of {pages}" in first
    last = owner.get(f"/enterprises/{slug}/reclaim", params={**query, "rcl_page": str(pages)}).text
    assert _people_in(last) == by_person[(pages - 1) * PAGE_SIZE :]
    oldest = owner.get(f"/enterprises/{slug}/reclaim", params={**query, "rcl_sort": "since"}).text
    by_since = sorted(
        sorted(found.candidates, key=lambda c: c.login or c.person_key.partition(":")[2]),
        key=lambda c: c.since or dt.datetime.min,
    )
    assert _people_in(oldest) == [c.login or c.person_key.partition(":")[2] for c in by_since[:PAGE_SIZE]]
    needle = by_person[0][:3]
    filtered = owner.get(f"/enterprises/{slug}/reclaim", params={**query, "rcl_q": needle.upper()}).text
    assert sorted(_people_in(filtered)) == sorted(p for p in person if needle.casefold() in p.casefold())[:PAGE_SIZE]
    bad = owner.get(f"/enterprises/{slug}/reclaim", params={**query, "rcl_sort": "cost"})
    assert bad.status_code == 422 and "rcl_sort must be one of person, category, since" in bad.text
