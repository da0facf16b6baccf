"""Copilot seats and billing (``api/copilot.py``): the counting engine's breakdown, the seats of
an organization and of the enterprise, and assigning and cancelling seats by user and by team."""

from __future__ import annotations

import datetime as dt

import httpx
import sqlalchemy as sa

from seatledger.db import tables as t
from seatledger.db.clock import utcnow
from seatledger.db.ledger import Ledger
from seatledger.licensing import copilot
from seatledger.licensing.scope import Scope


def test_copilot_org_billing_breakdown_equals_the_engine(api: httpx.Client, api_world) -> None:
    body = api.get("/orgs/octo/copilot/billing", headers=api_world.auth("octo_owner")).json()
    with api_world.engine.connect() as conn:
        b = copilot.copilot_totals(conn, Scope.org("octo"), as_of=utcnow()).breakdown
    assert body["seat_breakdown"] == {
        "total": b.total,
        "added_this_cycle": b.added_this_cycle,
        "pending_cancellation": b.pending_cancellation,
        "pending_invitation": b.pending_invitation,
        "active_this_cycle": b.active_this_cycle,
        "inactive_this_cycle": b.inactive_this_cycle,
    }
    assert body["seat_breakdown"]["total"] == 3
    assert body["plan_type"] == "business"
    assert body["seat_management_setting"] == "assign_selected"


def test_enterprise_copilot_seats_count_each_person_once_across_orgs(api: httpx.Client, api_world) -> None:
    with api_world.engine.begin() as conn:
        Ledger(conn).add_copilot_seat(
            api_world.orgs["widgets"], api_world.users["alice"], created_at=dt.datetime(2024, 1, 1)
        )
    body = api.get("/enterprises/acme/copilot/billing/seats", headers=api_world.auth("billing")).json()
    with api_world.engine.connect() as conn:
        total = copilot.copilot_totals(conn, Scope.enterprise("acme"), as_of=utcnow()).breakdown.total
    assert body["total_seats"] == total == 3
    assert sorted(s["assignee"]["login"] for s in body["seats"]) == ["alice", "bob", "carol"]


def _held(api_world, org: str) -> dict[str, object]:
    """login → pending_cancellation_date of the seats held now in ``org``."""
    with api_world.engine.connect() as conn:
        return {
            s.login: s.pending_cancellation_date
            for s in copilot.iter_copilot_seats(conn, Scope.org(org), as_of=utcnow())
        }


def test_assigning_users_creates_seats_in_the_ledger(api: httpx.Client, api_world) -> None:
    h = api_world.auth("octo_owner")
    r = api.post(
        "/orgs/octo/copilot/billing/selected_users", json={"selected_usernames": ["m1", "m2", "alice"]}, headers=h
    )
    assert r.status_code == 201
    assert r.json() == {"seats_created": 2}  # alice already holds one
    assert set(_held(api_world, "octo")) == {"alice", "bob", "carol", "m1", "m2"}
    seats_now = api.get("/orgs/octo/copilot/billing/seats", headers=h).json()
    assert seats_now["total_seats"] == 5


def test_cancelling_users_sets_pending_cancellation_to_the_next_cycle(api: httpx.Client, api_world) -> None:
    h = api_world.auth("octo_owner")
    r = api.request(
        "DELETE", "/orgs/octo/copilot/billing/selected_users", json={"selected_usernames": ["bob"]}, headers=h
    )
    assert r.status_code == 200 and r.json() == {"seats_cancelled": 1}
    now = utcnow()
    next_cycle = dt.date(now.year + (now.month == 12), now.month % 12 + 1, 1)
    assert _held(api_world, "octo")["bob"] == next_cycle  # still held until then
    bob = next(
        s
        for s in api.get("/orgs/octo/copilot/billing/seats", headers=h).json()["seats"]
        if s["assignee"]["login"] == "bob"
    )
    assert bob["pending_cancellation_date"] == next_cycle.isoformat()
    again = api.request(
        "DELETE", "/orgs/octo/copilot/billing/selected_users", json={"selected_usernames": ["bob"]}, headers=h
    )
    assert again.json() == {"seats_cancelled": 0}


def test_assigning_and_cancelling_teams_goes_through_their_members(api: httpx.Client, api_world) -> None:
    h = api_world.auth("octo_owner")
    with api_world.engine.begin() as conn:
        Ledger(conn).add_team(
            conn.execute(sa.select(t.enterprises.c.id).where(t.enterprises.c.slug == "acme")).scalar_one(),
            "infra",
            org_id=api_world.orgs["octo"],
            members=[api_world.users["m3"], api_world.users["m4"]],
        )
    created = api.post("/orgs/octo/copilot/billing/selected_teams", json={"selected_teams": ["infra"]}, headers=h)
    assert created.status_code == 201 and created.json() == {"seats_created": 2}
    cancelled = api.request(
        "DELETE", "/orgs/octo/copilot/billing/selected_teams", json={"selected_teams": ["infra"]}, headers=h
    )
    assert cancelled.status_code == 200 and cancelled.json() == {"seats_cancelled": 2}
    held = _held(api_world, "octo")
    assert held["m3"] is not None and held["m4"] is not None and held["carol"] is None


def test_seat_changes_with_unknown_names_or_empty_lists_are_422_and_change_nothing(
    api: httpx.Client, api_world
) -> None:
    h = api_world.auth("octo_owner")
    for path, body in (
        ("/orgs/octo/copilot/billing/selected_users", {"selected_usernames": ["m1", "ghost"]}),
        ("/orgs/octo/copilot/billing/selected_users", {"selected_usernames": []}),
        ("/orgs/octo/copilot/billing/selected_users", {}),
        ("/orgs/octo/copilot/billing/selected_teams", {"selected_teams": ["nope"]}),
        ("/orgs/octo/copilot/billing/selected_users", {"selected_usernames": ["nul\u0000byte"]}),
    ):
        r = api.post(path, json=body, headers=h)
        assert r.status_code == 422, (path, body, r.text)
        assert "message" in r.json() and "detail" not in r.json()
    r = api.post(
        "/orgs/octo/copilot/billing/selected_users",
        content=b"{not json",
        headers={**h, "Content-Type": "application/json"},
    )
    assert r.status_code == 400 and r.json()["message"] == "Problems parsing JSON"
    assert set(_held(api_world, "octo")) == {"alice", "bob", "carol"}
