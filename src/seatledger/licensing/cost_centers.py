"""Cost centers: managing them, and allocating a license to one (spec sections 1 and 2.4).

A license-day goes to, in order: (1) the cost center the user is assigned to directly;
(2) the cost center of the user's enterprise team (the first-created team wins); (3) the
cost center of the license-granting organization; (4) none ("Enterprise Only").

Assignments are time-bounded rows (``started_at``/``ended_at``) and deleting a center only
stamps ``deleted_at``: so a day is allocated by what held at the end of that day, and past
usage keeps its cost center while usage after the deletion goes to the enterprise.
A resource belongs to at most one active cost center; adding it elsewhere moves it.
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass, field
from typing import Collection, Literal, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from seatledger.db import tables as t
from seatledger.db.ledger import Ledger
from seatledger.errors import InvalidInput, NotFound

ResourceType = Literal["User", "Org", "Repo"]
RESOURCE_TYPES: tuple[ResourceType, ...] = ("User", "Org", "Repo")
ENTERPRISE_ONLY = "Enterprise Only"  # what the UI calls usage without a cost center


@dataclass(frozen=True)
class CostCenterResource:
    type: str  # User | Org | Repo | Team
    name: str  # login, org login, owner/name or team slug


@dataclass(frozen=True)
class CostCenter:
    id: str
    name: str
    state: str  # active | deleted
    azure_subscription: str | None
    created_at: dt.datetime
    deleted_at: dt.datetime | None
    resources: tuple[CostCenterResource, ...] = ()


@dataclass(frozen=True)
class Reassignment:
    resource_type: str
    name: str
    previous_cost_center: str


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)


# -- reading ----------------------------------------------------------------------------------
def _resources(
    conn: Connection, center_ids: Sequence[str], at: dt.datetime, *, ending_at: bool = False
) -> dict[str, list[CostCenterResource]]:
    """The resources assigned at ``at`` to each center, by name (``ending_at``: also those
    whose assignment ended exactly at ``at``, i.e. what a center held when it was deleted)."""
    if not center_ids:
        return {}
    r = t.cost_center_resources
    u, o, repo, team = t.users, t.organizations, t.repositories, t.teams
    name = sa.case(
        (r.c.resource_type == "User", sa.select(u.c.login).where(u.c.id == r.c.resource_id).scalar_subquery()),
        (r.c.resource_type == "Org", sa.select(o.c.login).where(o.c.id == r.c.resource_id).scalar_subquery()),
        (
            r.c.resource_type == "Repo",
            sa.select(repo.c.owner_login + "/" + repo.c.name).where(repo.c.id == r.c.resource_id).scalar_subquery(),
        ),
        else_=sa.select(team.c.slug).where(team.c.id == r.c.resource_id).scalar_subquery(),
    )
    out: dict[str, list[CostCenterResource]] = {}
    query = (
        sa.select(r.c.cost_center_id, r.c.resource_type, name.label("name"))
        .where(
            r.c.cost_center_id.in_(list(center_ids)),
            r.c.started_at <= at,
            sa.or_(r.c.ended_at.is_(None), r.c.ended_at >= at if ending_at else r.c.ended_at > at),
        )
        .order_by(r.c.cost_center_id, r.c.resource_type, r.c.id)
    )
    for row in conn.execute(query):
        out.setdefault(row.cost_center_id, []).append(CostCenterResource(row.resource_type, row.name or ""))
    return out


def list_cost_centers(
    conn: Connection, enterprise_id: int, *, state: str | None = None, as_of: dt.datetime | None = None
) -> list[CostCenter]:
    """The enterprise's cost centers by name; ``state`` active|deleted filters."""
    if state not in (None, "active", "deleted"):
        raise InvalidInput(f"state must be 'active' or 'deleted', not {state!r}")
    at = as_of or _now()
    c = t.cost_centers
    query = sa.select(c).where(c.c.enterprise_id == enterprise_id).order_by(c.c.name, c.c.id)
    if state == "active":
        query = query.where(sa.or_(c.c.deleted_at.is_(None), c.c.deleted_at > at))
    elif state == "deleted":
        query = query.where(c.c.deleted_at <= at)
    rows = list(conn.execute(query))
    # A deleted center shows what it held when it was deleted (the "Deleted" tab).
    live = _resources(conn, [r.id for r in rows if r.deleted_at is None or r.deleted_at > at], at)
    centers = []
    for row in rows:
        deleted = row.deleted_at is not None and row.deleted_at <= at
        res = (
            _resources(conn, [row.id], row.deleted_at, ending_at=True).get(row.id, [])
            if deleted
            else live.get(row.id, [])
        )
        centers.append(
            CostCenter(
                id=row.id,
                name=row.name,
                state="deleted" if deleted else "active",
                azure_subscription=row.azure_subscription,
                created_at=row.created_at,
                deleted_at=row.deleted_at,
                resources=tuple(res),
            )
        )
    return centers


def get_cost_center(conn: Connection, enterprise_id: int, cost_center_id: str) -> CostCenter:
    """One cost center of the enterprise; NotFound otherwise."""
    for center in list_cost_centers(conn, enterprise_id):
        if center.id == cost_center_id:
            return center
    raise NotFound(f"no cost center {cost_center_id!r}")


def find_cost_center(conn: Connection, enterprise_id: int, id_or_name: str) -> CostCenter:
    """A cost center by id, or by name (active ones first)."""
    centers = list_cost_centers(conn, enterprise_id)
    for center in centers:
        if center.id == id_or_name:
            return center
    named = sorted((c for c in centers if c.name == id_or_name), key=lambda c: c.state != "active")
    if named:
        return named[0]
    raise NotFound(f"no cost center {id_or_name!r}")


# -- writing ----------------------------------------------------------------------------------
def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise InvalidInput("a cost center name is 1 to 200 characters")
    return name


def _name_taken(conn: Connection, enterprise_id: int, name: str, but: str | None = None) -> bool:
    c = t.cost_centers
    query = sa.select(c.c.id).where(c.c.enterprise_id == enterprise_id, c.c.name == name, c.c.deleted_at.is_(None))
    if but:
        query = query.where(c.c.id != but)
    return conn.execute(query).first() is not None


def create_cost_center(conn: Connection, enterprise_id: int, name: str, *, at: dt.datetime | None = None) -> CostCenter:
    """A new active cost center; its name must be unique among the active ones."""
    name = _check_name(name)
    if _name_taken(conn, enterprise_id, name):
        raise InvalidInput(f"a cost center named {name!r} already exists")
    at = at or _now()
    ccid = Ledger(conn).add_cost_center(enterprise_id, name, created_at=at)
    return CostCenter(ccid, name, "active", None, at, None, ())


def rename_cost_center(conn: Connection, enterprise_id: int, cost_center_id: str, name: str) -> CostCenter:
    center = get_cost_center(conn, enterprise_id, cost_center_id)
    if center.state != "active":
        raise InvalidInput(f"cost center {center.name!r} is deleted")
    name = _check_name(name)
    if _name_taken(conn, enterprise_id, name, but=center.id):
        raise InvalidInput(f"a cost center named {name!r} already exists")
    Ledger(conn).rename_cost_center(center.id, name)
    return get_cost_center(conn, enterprise_id, center.id)


def delete_cost_center(
    conn: Connection, enterprise_id: int, cost_center_id: str, *, at: dt.datetime | None = None
) -> CostCenter:
    """Mark the center deleted: usage from ``at`` on goes to the enterprise, earlier usage keeps it."""
    center = get_cost_center(conn, enterprise_id, cost_center_id)
    if center.state == "deleted":
        raise InvalidInput(f"cost center {center.name!r} is already deleted")
    at = at or _now()
    ledger = Ledger(conn)
    ledger.delete_cost_center(center.id, at=at)
    # The assignments end with it, so the resources are free to join another center.
    ledger.end_cost_center_resources(center.id, at)
    return get_cost_center(conn, enterprise_id, center.id)


def _resource_id(conn: Connection, enterprise_id: int, kind: str, name: str) -> int:
    if kind == "User":
        row = conn.execute(
            sa.select(t.users.c.id).where(t.users.c.enterprise_id == enterprise_id, t.users.c.login == name)
        ).first()
    elif kind == "Org":
        row = conn.execute(
            sa.select(t.organizations.c.id).where(
                t.organizations.c.enterprise_id == enterprise_id, t.organizations.c.login == name
            )
        ).first()
    elif kind == "Repo":
        owner, _, repo = name.partition("/")
        if not owner or not repo:
            raise InvalidInput(f"a repository is named OWNER/NAME, not {name!r}")
        row = conn.execute(
            sa.select(t.repositories.c.id).where(
                t.repositories.c.enterprise_id == enterprise_id,
                t.repositories.c.owner_login == owner,
                t.repositories.c.name == repo,
            )
        ).first()
    elif kind == "Team":
        row = conn.execute(
            sa.select(t.teams.c.id).where(
                t.teams.c.enterprise_id == enterprise_id, t.teams.c.organization_id.is_(None), t.teams.c.slug == name
            )
        ).first()
    else:
        raise InvalidInput(f"resource type must be User, Org, Repo or Team, not {kind!r}")
    if row is None:
        label = {"User": "user", "Org": "organization", "Repo": "repository", "Team": "enterprise team"}[kind]
        raise InvalidInput(f"no {label} {name!r} in this enterprise")
    return int(row[0])


def add_resources(
    conn: Connection,
    enterprise_id: int,
    cost_center_id: str,
    resources: Sequence[tuple[str, str]],
    *,
    at: dt.datetime | None = None,
) -> list[Reassignment]:
    """Assign (type, name) resources from ``at``; a resource in another center moves here.
    Every name is checked before anything is written."""
    center = get_cost_center(conn, enterprise_id, cost_center_id)
    if center.state != "active":
        raise InvalidInput(f"cost center {center.name!r} is deleted")
    at = at or _now()
    resolved = [(kind, name, _resource_id(conn, enterprise_id, kind, name)) for kind, name in resources]
    r, c = t.cost_center_resources, t.cost_centers
    ledger = Ledger(conn)
    moved: list[Reassignment] = []
    for kind, name, rid in resolved:
        current = conn.execute(
            sa.select(r.c.id, r.c.cost_center_id, c.c.name)
            .join(c, c.c.id == r.c.cost_center_id)
            .where(
                r.c.resource_type == kind,
                r.c.resource_id == rid,
                r.c.ended_at.is_(None),
                c.c.enterprise_id == enterprise_id,
            )
        ).first()
        if current is not None and current.cost_center_id == center.id:
            continue
        if current is not None:
            ledger.end_cost_center_resources(current.cost_center_id, at, (kind, rid))
            moved.append(Reassignment(kind.lower(), name, current.name))
        ledger.add_cost_center_resource(center.id, kind, rid, started_at=at)
    return moved


def remove_resources(
    conn: Connection,
    enterprise_id: int,
    cost_center_id: str,
    resources: Sequence[tuple[str, str]],
    *,
    at: dt.datetime | None = None,
) -> int:
    """End the assignment of each (type, name) to the center from ``at``; returns how many ended."""
    center = get_cost_center(conn, enterprise_id, cost_center_id)
    at = at or _now()
    resolved = [(kind, _resource_id(conn, enterprise_id, kind, name)) for kind, name in resources]
    ledger = Ledger(conn)
    return sum(ledger.end_cost_center_resources(center.id, at, (kind, rid)) for kind, rid in resolved)


# -- allocation -------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Span:
    center_id: str
    started: dt.datetime
    ended: dt.datetime | None

    def holds(self, at: dt.datetime) -> bool:
        return self.started <= at and (self.ended is None or self.ended > at)


@dataclass
class Allocator:
    """Every assignment of one enterprise, loaded once (a few rows per cost center), so that
    allocating a (user, org, day) costs no query. Build with :func:`load_allocator`."""

    names: dict[str, str] = field(default_factory=dict)
    deleted_at: dict[str, dt.datetime | None] = field(default_factory=dict)
    users: dict[int, list[_Span]] = field(default_factory=dict)
    orgs: dict[int, list[_Span]] = field(default_factory=dict)
    teams: dict[int, list[_Span]] = field(default_factory=dict)
    # user id -> their enterprise teams that have an assignment, first-created first
    user_teams: dict[int, list[int]] = field(default_factory=dict)
    _bounds: list[dt.datetime] | None = None
    _memo: dict[tuple[int | None, int | None, int], str | None] = field(default_factory=dict)
    _constant: dict[tuple[int | None, int | None, int, int], bool] = field(default_factory=dict)

    def _pick(self, spans: list[_Span] | None, at: dt.datetime) -> str | None:
        for span in spans or ():
            deleted = self.deleted_at.get(span.center_id)
            if span.holds(at) and (deleted is None or deleted > at):
                return span.center_id
        return None

    def allocate(self, user_id: int | None, org_id: int | None, at: dt.datetime) -> str | None:
        """The cost center id for a license of ``user_id`` granted by ``org_id`` at ``at``."""
        # Answers only change when ``at`` crosses an assignment's start or end or a deletion,
        # so they are memoised per (user, org, interval between such instants).
        if self._bounds is None:
            instants = {
                s.started for spans in (*self.users.values(), *self.orgs.values(), *self.teams.values()) for s in spans
            }
            instants |= {
                s.ended
                for spans in (*self.users.values(), *self.orgs.values(), *self.teams.values())
                for s in spans
                if s.ended is not None
            }
            instants |= {d for d in self.deleted_at.values() if d is not None}
            self._bounds = sorted(instants)
        user_id = self._assigned(user_id)
        key = (user_id, org_id, bisect.bisect_right(self._bounds, at))
        if key not in self._memo:
            self._memo[key] = self._allocate(user_id, org_id, at)
        return self._memo[key]

    def _assigned(self, user_id: int | None) -> int | None:
        """``user_id`` if the person has an assignment of their own (directly or through a team),
        else None: such a person is allocated by the org alone, one answer for everyone it grants."""
        return user_id if user_id in self.users or user_id in self.user_teams else None

    def constant(self, user_id: int | None, org_id: int | None, start: dt.datetime, end: dt.datetime) -> bool:
        """True when the allocation is the same at every instant of [start, end]."""
        first = self.allocate(user_id, org_id, start)
        assert self._bounds is not None
        lo, hi = bisect.bisect_right(self._bounds, start), bisect.bisect_right(self._bounds, end)
        key = (self._assigned(user_id), org_id, lo, hi)
        if key not in self._constant:
            self._constant[key] = all(self.allocate(user_id, org_id, b) == first for b in self._bounds[lo:hi])
        return self._constant[key]

    def _allocate(self, user_id: int | None, org_id: int | None, at: dt.datetime) -> str | None:
        if user_id is not None:
            found = self._pick(self.users.get(user_id), at)
            if found:
                return found
            for team_id in self.user_teams.get(user_id, ()):
                found = self._pick(self.teams.get(team_id), at)
                if found:
                    return found
        if org_id is not None:
            return self._pick(self.orgs.get(org_id), at)
        return None

    @property
    def empty(self) -> bool:
        return not (self.users or self.orgs or self.teams)


def self_assigned_users(enterprise_id: int) -> sa.CompoundSelect[tuple[int]]:
    """The user ids :meth:`Allocator.allocate` allocates one by one, as a subquery: people with an
    assignment of their own, directly or through an enterprise team that has one. Everyone else
    an organization grants is allocated alike, so a usage month can count them in groups."""
    c, r, tm, tt = t.cost_centers, t.cost_center_resources, t.team_members, t.teams
    centers = sa.select(c.c.id).where(c.c.enterprise_id == enterprise_id)
    direct = sa.select(r.c.resource_id).where(r.c.cost_center_id.in_(centers), r.c.resource_type == "User")
    teams = sa.select(r.c.resource_id).where(r.c.cost_center_id.in_(centers), r.c.resource_type == "Team")
    through_team = (
        sa.select(tm.c.user_id)
        .join(tt, tt.c.id == tm.c.team_id)
        .where(tt.c.id.in_(teams), tt.c.organization_id.is_(None))
    )
    return sa.union(direct, through_team)


def load_allocator(conn: Connection, enterprise_id: int, user_ids: Collection[int] | None = None) -> Allocator:
    """Load the enterprise's cost centers and assignments for :meth:`Allocator.allocate`;
    with ``user_ids`` only what allocating those people needs (a page of people, not the
    enterprise's every assignment)."""
    alloc = Allocator()
    c, r = t.cost_centers, t.cost_center_resources
    for center in conn.execute(sa.select(c.c.id, c.c.name, c.c.deleted_at).where(c.c.enterprise_id == enterprise_id)):
        alloc.names[center.id] = center.name
        alloc.deleted_at[center.id] = center.deleted_at
    if not alloc.names:
        return alloc
    query = (
        sa.select(r.c.cost_center_id, r.c.resource_type, r.c.resource_id, r.c.started_at, r.c.ended_at)
        .where(r.c.cost_center_id.in_(list(alloc.names)), r.c.resource_type.in_(("User", "Org", "Team")))
        .order_by(r.c.started_at, r.c.id)
    )
    if user_ids is not None:
        query = query.where(sa.or_(r.c.resource_type != "User", r.c.resource_id.in_(list(user_ids))))
    target = {"User": alloc.users, "Org": alloc.orgs, "Team": alloc.teams}
    for row in conn.execute(query):
        target[row.resource_type].setdefault(row.resource_id, []).append(
            _Span(row.cost_center_id, row.started_at, row.ended_at)
        )
    if alloc.teams:
        tm, tt = t.team_members, t.teams
        team_query = (
            sa.select(tm.c.user_id, tt.c.id)
            .join(tt, tt.c.id == tm.c.team_id)
            .where(tt.c.id.in_(list(alloc.teams)), tt.c.organization_id.is_(None))
            .order_by(tm.c.user_id, tt.c.created_at, tt.c.id)
        )
        if user_ids is not None:
            team_query = team_query.where(tm.c.user_id.in_(list(user_ids)))
        for member in conn.execute(team_query):
            alloc.user_teams.setdefault(member.user_id, []).append(member.id)
    return alloc
