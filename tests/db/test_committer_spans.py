"""Committer spans: a person counts for a product on a repository while their committer window,
the product's enablement and their seat all hold, on a repository that costs a license; at the
organization and enterprise the spans of their repositories are merged."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from seatledger.db import committer_spans as cs
from seatledger.db import tables_intervals as ti
from seatledger.db.ledger import Ledger
from seatledger.db.rules import ACTIVE_COMMITTER_WINDOW

T0 = dt.datetime(2026, 1, 1)
_sha = itertools.count(1)


def _day(n: float) -> dt.datetime:
    return T0 + dt.timedelta(days=n)


def _push(led: Ledger, repo: int, email: str, day: float) -> None:
    at = _day(day)
    led.add_commits(repo, [{"sha": f"{next(_sha):040x}", "author_email": email, "author_date": at, "pushed_at": at}])


def _spans(conn: Connection, eid: int, user_id: int, product: str, key: str) -> list[tuple[dt.datetime, dt.datetime]]:
    return sorted(
        (row[4], row[5]) for row in cs.stored(conn, eid) if (row[0], row[1], row[3]) == (product, key, user_id)
    )


def _acme(conn: Connection, slug: str = "acme", **enterprise: Any) -> tuple[Ledger, int, int, dict[str, int]]:
    """An enterprise with org SLUG-web and its repositories app (private), lib (internal) and
    site (public)."""
    led = Ledger(conn)
    eid = led.add_enterprise(slug, created_at=T0, **enterprise)
    web = led.add_org(eid, f"{slug}-web", created_at=T0)
    repos = {
        name: led.add_repo(eid, f"{slug}-web", name, org_id=web, visibility=v, created_at=T0)
        for name, v in (("app", "private"), ("lib", "internal"), ("site", "public"))
    }
    return led, eid, web, repos


def test_a_span_is_where_the_window_the_enablement_and_the_seat_overlap(engine: Engine) -> None:
    with engine.begin() as conn:
        led, eid, web, repos = _acme(conn)
        ann = led.add_user(eid, "ann", emails=["ann@acme.test"], created_at=T0)
        led.add_membership(web, ann, started_at=_day(20))  # the seat, from day 20
        _push(led, repos["app"], "ann@acme.test", 10)  # the window: days 10 to 100
        led.set_repo_products(repos["app"], code_security=True, at=_day(30))
        led.set_repo_products(repos["app"], code_security=False, at=_day(60))
    window_end = _day(10) + ACTIVE_COMMITTER_WINDOW
    with engine.connect() as conn:
        for key in (cs.enterprise_key(), cs.org_key(web), cs.repository_key(repos["app"])):
            assert _spans(conn, eid, ann, cs.ANY_REPOSITORY, key) == [(_day(20), window_end)], key
            assert _spans(conn, eid, ann, "code_security", key) == [(_day(30), _day(60))], key
            assert _spans(conn, eid, ann, "secret_protection", key) == [], key
        namespaces = {(row[1], row[2]) for row in cs.stored(conn, eid)}
        assert namespaces == {("", None), (f"o:{web}", None), (f"r:{repos['app']}", f"o:{web}")}


def test_spans_on_several_repositories_merge_at_the_organization_and_the_enterprise(engine: Engine) -> None:
    with engine.begin() as conn:
        led, eid, web, repos = _acme(conn)
        ann = led.add_user(eid, "ann", emails=["ann@acme.test"], created_at=T0)
        led.add_membership(web, ann, started_at=T0)
        _push(led, repos["app"], "ann@acme.test", 10)
        _push(led, repos["lib"], "ann@acme.test", 50)
    window = ACTIVE_COMMITTER_WINDOW
    with engine.connect() as conn:
        for repo, pushed in (("app", 10), ("lib", 50)):
            key = cs.repository_key(repos[repo])
            assert _spans(conn, eid, ann, cs.ANY_REPOSITORY, key) == [(_day(pushed), _day(pushed) + window)], repo
        for key in (cs.enterprise_key(), cs.org_key(web)):
            assert _spans(conn, eid, ann, cs.ANY_REPOSITORY, key) == [(_day(10), _day(50) + window)], key
        assert cs.users_on(conn, [repos["lib"]]) == {ann} and cs.users_on(conn, [repos["site"]]) == set()


def test_a_public_repository_costs_no_license_unless_the_enterprise_keeps_its_data_in_residency(engine: Engine) -> None:
    found = {}
    for slug, residency in (("acme", False), ("globex", True)):
        with engine.begin() as conn:
            led, eid, web, repos = _acme(conn, slug, data_residency=residency)
            ann = led.add_user(eid, "ann", emails=[f"ann@{slug}.test"], created_at=T0)
            led.add_membership(web, ann, started_at=T0)
            _push(led, repos["site"], f"ann@{slug}.test", 10)
        with engine.connect() as conn:
            found[slug] = _spans(conn, eid, ann, cs.ANY_REPOSITORY, cs.repository_key(repos["site"]))
    assert found == {"acme": [], "globex": [(_day(10), _day(10) + ACTIVE_COMMITTER_WINDOW)]}


def test_no_seat_no_span_and_derive_rebuilds_what_was_lost_for_the_people_named(engine: Engine) -> None:
    with engine.begin() as conn:
        led, eid, web, repos = _acme(conn)
        ann, bob, cat = (led.add_user(eid, n, emails=[f"{n}@acme.test"], created_at=T0) for n in ("ann", "bob", "cat"))
        for person in (ann, bob):
            led.add_membership(web, person, started_at=T0)
        for login in ("ann", "bob", "cat"):  # cat holds no seat
            _push(led, repos["app"], f"{login}@acme.test", 10)
    with engine.begin() as conn:
        kept = sorted(cs.stored(conn, eid), key=repr)
        assert {row[3] for row in kept} == {ann, bob}
        assert sorted(cs.as_tuples(cs.expected(conn, eid, None)), key=repr) == kept
        conn.execute(sa.delete(ti.committer_spans))
        cs.derive(conn, eid, (ann,))
        assert {row[3] for row in cs.stored(conn, eid)} == {ann}
        cs.derive(conn, eid, None)
        assert sorted(cs.stored(conn, eid), key=repr) == kept
