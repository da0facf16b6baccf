"""Copilot seats (spec 2.3): who holds one at an instant, per org and per enterprise."""

from __future__ import annotations

import datetime as dt
from typing import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from seatledger.db import tables as t
from seatledger.db.ledger import Ledger
from seatledger.errors import InvalidInput, NotFound
from seatledger.licensing import copilot
from seatledger.licensing.reclaim import ReclaimRules, reclaim
from seatledger.licensing.scope import Scope

AS_OF = dt.datetime(2026, 6, 15, 12, 0, 0)
CYCLE = dt.datetime(2026, 6, 1)
LONG_AGO = dt.datetime(2025, 1, 1)
ENT = Scope.enterprise("acme")


class World:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.ledger = Ledger(conn)
        self.eid = self.ledger.add_enterprise("acme", created_at=LONG_AGO)
        # "old" is the oldest org; "new" was created later
        self.old = self.ledger.add_org(self.eid, "old", created_at=dt.datetime(2020, 1, 1))
        self.new = self.ledger.add_org(self.eid, "new", created_at=dt.datetime(2024, 1, 1))
        self.users: dict[str, int] = {}

    def person(self, login: str, *, orgs: tuple[int, ...] | None = None) -> int:
        uid = self.ledger.add_user(
            self.eid, login, name=login.title(), emails=[f"{login}@example.com"], created_at=LONG_AGO
        )
        for org in (self.old,) if orgs is None else orgs:
            self.ledger.add_membership(org, uid, started_at=LONG_AGO)
        self.users[login] = uid
        return uid

    def seat(self, login: str, org: int | None = None, **kw: object) -> int:
        if login not in self.users:
            self.person(login)
        kw.setdefault("created_at", LONG_AGO)
        return self.ledger.add_copilot_seat(org or self.old, self.users[login], **kw)  # type: ignore[arg-type]


@pytest.fixture
def conn(engine: Engine) -> Iterator[Connection]:
    with engine.begin() as c:
        yield c


@pytest.fixture
def world(conn: Connection) -> World:
    return World(conn)


def seat_logins(conn: Connection, scope: Scope = ENT, **kw: object) -> list[str]:
    return [s.login for s in copilot.iter_copilot_seats(conn, scope, as_of=AS_OF, **kw)]  # type: ignore[arg-type]


def test_seat_holds_from_created_at_until_ended_at(world: World, conn: Connection) -> None:
    world.seat("ann")
    world.seat("future", created_at=AS_OF + dt.timedelta(seconds=1))
    world.seat("revoked", ended_at=AS_OF - dt.timedelta(days=1))
    world.seat("ends-later", ended_at=AS_OF + dt.timedelta(days=1))
    assert seat_logins(conn) == ["ann", "ends-later"]
    assert copilot.copilot_totals(conn, ENT, as_of=AS_OF).breakdown.total == 2


def test_pending_cancellation_still_holds_until_the_cycle_ends(world: World, conn: Connection) -> None:
    world.seat("ann", pending_cancellation_date=dt.date(2026, 7, 1), ended_at=dt.datetime(2026, 7, 1))
    world.seat("bob")
    b = copilot.copilot_totals(conn, ENT, as_of=AS_OF).breakdown
    assert (b.total, b.pending_cancellation) == (2, 1)
    after = copilot.copilot_totals(conn, ENT, as_of=dt.datetime(2026, 7, 1)).breakdown
    assert (after.total, after.pending_cancellation) == (1, 0)


def test_person_with_seats_in_two_orgs_counts_once_in_the_enterprise(world: World, conn: Connection) -> None:
    world.person("ann", orgs=(world.old, world.new))
    world.seat("ann", world.new)
    world.seat("ann", world.old)
    assert copilot.copilot_totals(conn, ENT, as_of=AS_OF).breakdown.total == 1
    (seat,) = copilot.iter_copilot_seats(conn, ENT, as_of=AS_OF)
    assert seat.organization == "old"  # same plan: the oldest org's seat
    assert copilot.copilot_totals(conn, Scope.org("new"), as_of=AS_OF).breakdown.total == 1
    assert copilot.copilot_totals(conn, Scope.org("old"), as_of=AS_OF).breakdown.total == 1


def test_person_with_both_plans_counts_as_enterprise_only(world: World, conn: Connection) -> None:
    world.person("ann", orgs=(world.old, world.new))
    world.seat("ann", world.old, plan="business")
    world.seat("ann", world.new, plan="enterprise")
    world.seat("bob", plan="business")
    totals = copilot.copilot_totals(conn, ENT, as_of=AS_OF)
    assert (totals.business, totals.enterprise, totals.plan_type) == (1, 1, "enterprise")
    seats = {s.login: s for s in copilot.iter_copilot_seats(conn, ENT, as_of=AS_OF)}
    assert (seats["ann"].plan, seats["ann"].organization) == ("enterprise", "new")
    org_totals = copilot.copilot_totals(conn, Scope.org("old"), as_of=AS_OF)
    assert (org_totals.business, org_totals.enterprise, org_totals.plan_type) == (2, 0, "business")


def test_breakdown_added_active_inactive_this_cycle(world: World, conn: Connection) -> None:
    world.seat("new-active", created_at=CYCLE, last_activity_at=AS_OF - dt.timedelta(hours=1))
    world.seat("old-idle", last_activity_at=CYCLE - dt.timedelta(seconds=1))
    world.seat("never-used")
    world.seat("old-active", last_activity_at=CYCLE)
    b = copilot.copilot_totals(conn, ENT, as_of=AS_OF).breakdown
    assert (b.total, b.added_this_cycle, b.active_this_cycle, b.inactive_this_cycle) == (4, 1, 2, 2)


def test_pending_invitation_counts_seat_holders_invited_but_not_yet_members(world: World, conn: Connection) -> None:
    invited = world.person("invited", orgs=())
    world.ledger.add_invitation(world.old, user_id=invited, created_at=AS_OF - dt.timedelta(days=2))
    world.seat("invited")
    by_email = world.person("by-email", orgs=())
    world.ledger.add_invitation(world.old, email="by-email@example.com", created_at=AS_OF - dt.timedelta(days=2))
    world.seat("by-email")
    joined = world.person("joined")  # member already: the old invitation does not matter
    world.ledger.add_invitation(world.old, user_id=joined, created_at=AS_OF - dt.timedelta(days=2))
    world.seat("joined")
    accepted = world.person("accepted", orgs=())
    world.ledger.add_invitation(
        world.old,
        user_id=accepted,
        status="accepted",
        created_at=AS_OF - dt.timedelta(days=5),
        resolved_at=AS_OF - dt.timedelta(days=4),
    )
    world.seat("accepted")
    assert by_email and accepted
    b = copilot.copilot_totals(conn, Scope.org("old"), as_of=AS_OF).breakdown
    assert (b.total, b.pending_invitation) == (4, 2)


def test_seats_are_ordered_by_login_and_page(world: World, conn: Connection) -> None:
    for login in ("dan", "ann", "cat", "bob"):
        world.seat(login)
    assert seat_logins(conn) == ["ann", "bob", "cat", "dan"]
    assert seat_logins(conn, offset=1, limit=2) == ["bob", "cat"]


def test_inactive_days_keeps_seats_idle_that_long_or_never_used(world: World, conn: Connection) -> None:
    world.seat("recent", last_activity_at=AS_OF - dt.timedelta(days=5))
    world.seat("idle", last_activity_at=AS_OF - dt.timedelta(days=31))
    world.seat("never")
    assert seat_logins(conn, inactive_days=30) == ["idle", "never"]


def test_inactive_seat_counts_equal_the_seats_each_filter_lists(world: World, conn: Connection) -> None:
    world.seat("recent", last_activity_at=AS_OF - dt.timedelta(days=5))
    world.seat("idle", last_activity_at=AS_OF - dt.timedelta(days=31))
    world.seat("asleep", last_activity_at=AS_OF - dt.timedelta(days=70))
    world.seat("never")
    world.seat("gone", ended_at=AS_OF - dt.timedelta(days=1))  # not held: counted by no filter
    counts = copilot.count_inactive_seats(conn, ENT, (30, 60, 90), as_of=AS_OF)
    assert counts == {d: len(seat_logins(conn, inactive_days=d)) for d in (30, 60, 90)}
    assert counts == {30: 3, 60: 2, 90: 1}


def test_one_idle_rule_with_each_callers_own_meaning_of_never_used(world: World, conn: Connection) -> None:
    """``copilot.is_idle`` is the one rule. The page's filters count a seat never used as
    inactive at once; the ``copilot-idle`` alert and reclaim only once the window has passed
    since the seat was created."""
    world.seat("recent", last_activity_at=AS_OF - dt.timedelta(days=5))
    world.seat("idle", last_activity_at=AS_OF - dt.timedelta(days=31))
    world.seat("never-old", created_at=AS_OF - dt.timedelta(days=45))
    world.seat("never-new", created_at=AS_OF - dt.timedelta(days=5))
    assert seat_logins(conn, inactive_days=30) == ["idle", "never-new", "never-old"]
    assert copilot.count_inactive_seats(conn, ENT, (30,), as_of=AS_OF) == {30: 3}
    assert copilot.COPILOT_IDLE_WINDOW == dt.timedelta(days=30)
    assert copilot.count_idle_seats(conn, "acme", as_of=AS_OF) == 2  # idle, never-old
    found = reclaim(conn, "acme", "copilot", rules=ReclaimRules(idle_days=30, joined_days=0), as_of=AS_OF)
    assert {(c.category, c.login) for c in found.candidates} == {("idle", "idle"), ("never_used", "never-old")}


def test_seat_fields_carry_team_and_activity(world: World, conn: Connection) -> None:
    world.person("ann")
    team = world.ledger.add_team(world.eid, "devs", org_id=world.old, members=[world.users["ann"]])
    world.seat(
        "ann",
        assigning_team_id=team,
        last_activity_editor="vscode/1.77.3/copilot/1.86.82",
        last_activity_at=AS_OF - dt.timedelta(days=1),
    )
    (seat,) = copilot.iter_copilot_seats(conn, Scope.org("old"), as_of=AS_OF)
    assert (seat.login, seat.name, seat.organization, seat.assigning_team, seat.plan) == (
        "ann",
        "Ann",
        "old",
        "devs",
        "business",
    )
    assert seat.last_activity_editor == "vscode/1.77.3/copilot/1.86.82"


def test_copilot_is_counted_per_enterprise_or_org_only(world: World, conn: Connection) -> None:
    world.ledger.add_repo(world.eid, "old", "r", org_id=world.old)
    with pytest.raises(InvalidInput):
        copilot.copilot_totals(conn, Scope.repo("old/r"), as_of=AS_OF)


def test_assign_seats_creates_seats_and_skips_people_who_hold_one(world: World, conn: Connection) -> None:
    world.seat("ann")
    world.person("bob")
    world.person("cat")
    created = copilot.assign_seats(conn, "old", usernames=["ann", "bob", "bob"], at=AS_OF)
    assert created == 1
    team = world.ledger.add_team(world.eid, "devs", org_id=world.old, members=[world.users["bob"], world.users["cat"]])
    assert copilot.assign_seats(conn, "old", teams=["devs"], plan="enterprise", at=AS_OF) == 1
    seats = {s.login: s for s in copilot.iter_copilot_seats(conn, Scope.org("old"), as_of=AS_OF)}
    assert sorted(seats) == ["ann", "bob", "cat"]
    assert (seats["cat"].plan, seats["cat"].assigning_team, seats["cat"].created_at) == ("enterprise", "devs", AS_OF)
    assert seats["bob"].assigning_team is None
    assert team


def test_assign_seats_names_unknown_users_and_teams(world: World, conn: Connection) -> None:
    world.person("ann")
    with pytest.raises(InvalidInput, match=r"unknown user 'ghost', team 'nope'"):
        copilot.assign_seats(conn, "old", usernames=["ann", "ghost"], teams=["nope"], at=AS_OF)
    assert conn.execute(sa.select(sa.func.count()).select_from(t.copilot_seats)).scalar_one() == 0
    with pytest.raises(NotFound):
        copilot.assign_seats(conn, "no-such-org", usernames=["ann"], at=AS_OF)


def test_cancel_seats_keeps_access_until_the_next_cycle(world: World, conn: Connection) -> None:
    world.seat("ann")
    world.seat("bob")
    assert copilot.cancel_seats(conn, "old", usernames=["ann"], at=AS_OF) == 1
    assert copilot.cancel_seats(conn, "old", usernames=["ann"], at=AS_OF) == 0  # already pending
    seats = {s.login: s for s in copilot.iter_copilot_seats(conn, ENT, as_of=AS_OF)}
    assert seats["ann"].pending_cancellation_date == dt.date(2026, 7, 1)
    assert seat_logins(conn) == ["ann", "bob"]
    assert [s.login for s in copilot.iter_copilot_seats(conn, ENT, as_of=dt.datetime(2026, 7, 1))] == ["bob"]


def test_cancel_seats_by_team_cancels_the_seats_assigned_through_it(world: World, conn: Connection) -> None:
    world.person("ann")
    world.person("bob")
    team = world.ledger.add_team(world.eid, "devs", org_id=world.old, members=[world.users["ann"]])
    world.seat("ann", assigning_team_id=team)
    world.seat("bob")
    assert copilot.cancel_seats(conn, "old", teams=["devs"], at=AS_OF) == 1
    b = copilot.copilot_totals(conn, ENT, as_of=AS_OF).breakdown
    assert (b.total, b.pending_cancellation) == (2, 1)
    with pytest.raises(InvalidInput, match="unknown user 'ghost'"):
        copilot.cancel_seats(conn, "old", usernames=["ghost"], at=AS_OF)


def test_reassigning_a_seat_pending_cancellation_withdraws_the_cancellation(world: World, conn: Connection) -> None:
    world.seat("ann")
    copilot.cancel_seats(conn, "old", usernames=["ann"], at=AS_OF)
    assert copilot.assign_seats(conn, "old", usernames=["ann"], at=AS_OF) == 1
    (seat,) = copilot.iter_copilot_seats(conn, ENT, as_of=dt.datetime(2026, 8, 1))
    assert seat.pending_cancellation_date is None
    assert conn.execute(sa.select(sa.func.count()).select_from(t.copilot_seats)).scalar_one() == 1
