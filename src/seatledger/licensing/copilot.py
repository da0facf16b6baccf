"""Copilot Business and Enterprise seats (spec section 2.3).

A seat holds from ``created_at`` until ``ended_at`` (revoked, or its pending cancellation
took effect at the start of the next cycle). Per enterprise, one seat per person across its
orgs; a person with both plans counts as Enterprise only.

The choice of a person's one seat is a window function (``ROW_NUMBER() OVER (PARTITION BY
user ...)``): the Enterprise-plan seat first, then the oldest organization, then the lowest
seat id, so the answer is the same on every run and on both databases. GitHub bills a
multi-org person to a random org each month; a ledger must be reproducible instead.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Iterator, Literal, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from seatledger.db import tables as t
from seatledger.db.ledger import Ledger
from seatledger.db.streaming import stream_rows
from seatledger.errors import InvalidInput, NotFound
from seatledger.licensing.scope import Scope, as_of_or_now, holds_at, month_start, next_month_start, resolve

PLANS = ("business", "enterprise")
# A seat with no activity for this long is idle (a seat never used: since it was created).
COPILOT_IDLE_WINDOW = dt.timedelta(days=30)
# Rows fetched per round trip when streaming (server-side cursor on PostgreSQL).
STREAM_BATCH = 1000


@dataclass(frozen=True)
class SeatBreakdown:
    total: int
    added_this_cycle: int
    pending_cancellation: int
    pending_invitation: int
    active_this_cycle: int
    inactive_this_cycle: int


@dataclass(frozen=True)
class CopilotTotals:
    breakdown: SeatBreakdown
    business: int
    enterprise: int
    plan_type: str  # business | enterprise (enterprise if any Enterprise seat in scope)


@dataclass(frozen=True)
class CopilotSeat:
    seat_id: int
    user_id: int
    login: str
    name: str | None
    organization: str
    plan: str
    assigning_team: str | None  # team slug
    created_at: dt.datetime
    pending_cancellation_date: dt.date | None
    last_authenticated_at: dt.datetime | None
    last_activity_at: dt.datetime | None
    last_activity_editor: str | None


_s = t.copilot_seats
_o = t.organizations


def _billed_first() -> tuple[sa.ColumnElement[Any], ...]:
    """The order of one person's seats, the one billed first: the Enterprise-plan seat, then
    the oldest organization's, then the lowest seat id."""
    return (sa.case((_s.c.plan == "enterprise", 0), else_=1), _o.c.created_at, _o.c.id, _s.c.id)


def _held(conn: Connection, scope: Scope, as_of: dt.datetime) -> sa.ColumnElement[bool]:
    """Seats (joined to their organization) held at ``as_of`` in scope (an enterprise or an
    organization)."""
    if scope.kind not in ("enterprise", "organization"):
        raise InvalidInput(f"Copilot seats are counted per enterprise or organization, not per {scope.kind}")
    rs = resolve(conn, scope)
    in_scope = _o.c.enterprise_id == rs.enterprise.id if scope.kind == "enterprise" else _o.c.id == rs.organization_id
    return sa.and_(in_scope, holds_at(_s.c.created_at, _s.c.ended_at, as_of))


def _held_seats(conn: Connection, scope: Scope, as_of: dt.datetime) -> sa.CTE:
    """The one seat per person held at ``as_of`` in scope (an enterprise or an organization)."""
    held = _held(conn, scope, as_of)
    first = sa.func.row_number().over(partition_by=_s.c.user_id, order_by=_billed_first()).label("rank")
    # Few people hold several seats: only theirs are ranked (a sort of every seat held was
    # most of a count).
    several = (
        sa.select(_s.c.user_id)
        .join(_o, _o.c.id == _s.c.organization_id)
        .where(held)
        .group_by(_s.c.user_id)
        .having(sa.func.count() > 1)
        .cte("several_seats")
        .prefix_with("MATERIALIZED")
    )
    columns = (*_s.c, _o.c.login.label("organization"))
    ranked = (
        sa.select(*columns, first)
        .join(_o, _o.c.id == _s.c.organization_id)
        .where(held, _s.c.user_id.in_(sa.select(several.c.user_id)))
        .subquery("ranked_seats")
    )
    return sa.union_all(
        sa.select(*columns)
        .join(_o, _o.c.id == _s.c.organization_id)
        .where(held, _s.c.user_id.not_in(sa.select(several.c.user_id))),
        sa.select(*(ranked.c[c.name] for c in columns)).where(ranked.c.rank == 1),
    ).cte("held_seats")


def _pending_invitation(seats: sa.CTE, as_of: dt.datetime) -> sa.ColumnElement[bool]:
    """The seat holder was invited to the seat's org (pending at ``as_of``) and is not yet a
    member of it: the invitation went to their user id, login, or one of their verified emails.

    The invited (org, person) pairs are found once, from the invitations pending at ``as_of``
    (a few), not by searching the invitations for every seat."""
    inv, m, u, ue = t.invitations, t.org_memberships, t.users, t.user_emails
    pending = [
        inv.c.role.in_(("member", "owner")),
        inv.c.created_at <= as_of,
        sa.or_(inv.c.resolved_at.is_(None), inv.c.resolved_at > as_of),
    ]
    invited = sa.union(
        sa.select(inv.c.organization_id, inv.c.invitee_user_id.label("user_id")).where(
            *pending, inv.c.invitee_user_id.is_not(None)
        ),
        sa.select(inv.c.organization_id, u.c.id)
        .join(_o, _o.c.id == inv.c.organization_id)
        .join(u, sa.and_(u.c.enterprise_id == _o.c.enterprise_id, u.c.login == inv.c.invitee_login))
        .where(*pending),
        sa.select(inv.c.organization_id, ue.c.user_id)
        .join(ue, sa.and_(ue.c.email == inv.c.invitee_email, ue.c.verified == sa.true()))
        .where(*pending),
    )
    member = (
        sa.select(m.c.id)
        .where(
            m.c.organization_id == seats.c.organization_id,
            m.c.user_id == seats.c.user_id,
            m.c.role.in_(("member", "owner")),
            holds_at(m.c.started_at, m.c.ended_at, as_of),
        )
        .exists()
    )
    return sa.and_(sa.tuple_(seats.c.organization_id, seats.c.user_id).in_(invited), ~member)


def copilot_totals(conn: Connection, scope: Scope, *, as_of: dt.datetime | None = None) -> CopilotTotals:
    """Scope is an enterprise or an organization."""
    at = as_of_or_now(as_of)
    seats = _held_seats(conn, scope, at)
    cycle = month_start(at)

    def count_if(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
        return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)

    row = conn.execute(
        sa.select(
            sa.func.count().label("total"),
            count_if(seats.c.created_at >= cycle).label("added"),
            count_if(seats.c.pending_cancellation_date.is_not(None)).label("pending_cancellation"),
            count_if(_pending_invitation(seats, at)).label("pending_invitation"),
            count_if(seats.c.last_activity_at >= cycle).label("active"),
            count_if(seats.c.plan == "enterprise").label("enterprise"),
        ).select_from(seats)
    ).one()
    total, active, enterprise = int(row.total), int(row.active), int(row.enterprise)
    breakdown = SeatBreakdown(
        total=total,
        added_this_cycle=int(row.added),
        pending_cancellation=int(row.pending_cancellation),
        pending_invitation=int(row.pending_invitation),
        active_this_cycle=active,
        inactive_this_cycle=total - active,
    )
    return CopilotTotals(
        breakdown=breakdown,
        business=total - enterprise,
        enterprise=enterprise,
        plan_type="enterprise" if enterprise else "business",
    )


def count_seat_holders(conn: Connection, scope: Scope, *, as_of: dt.datetime | None = None) -> int:
    """People holding a Copilot seat at ``as_of`` in scope: :func:`copilot_totals`' total, with
    no billed seat chosen per person."""
    held = _held(conn, scope, as_of_or_now(as_of))
    return int(
        conn.execute(
            sa.select(sa.func.count(sa.distinct(_s.c.user_id))).join(_o, _o.c.id == _s.c.organization_id).where(held)
        ).scalar_one()
    )


def count_idle_seats(conn: Connection, enterprise: str, *, as_of: dt.datetime | None = None) -> int:
    """Seats of the enterprise (one per person) held at ``as_of`` and :func:`is_idle` for
    :data:`COPILOT_IDLE_WINDOW`, a seat never used counted from its creation (the
    ``copilot-idle`` alert: a new seat has the window to be used)."""
    at = as_of_or_now(as_of)
    seats = _held_seats(conn, Scope.enterprise(enterprise), at)
    idle = is_idle(seats, at, COPILOT_IDLE_WINDOW, never_used="from_start")
    return int(conn.execute(sa.select(sa.func.count()).select_from(seats).where(idle)).scalar_one())


def is_idle(
    seats: sa.FromClause, at: dt.datetime, window: dt.timedelta, *, never_used: Literal["idle", "from_start"]
) -> sa.ColumnElement[bool]:
    """The one definition of an idle Copilot seat (a row of ``seats``, with ``last_activity_at``
    and ``created_at``): no activity in the ``window`` before ``at``. A seat never used is
    ``"idle"`` at once (the Copilot page's *No activity in N days* filters), or idle once the
    window has passed ``"from_start"``, its creation (the ``copilot-idle`` alert, reclaim)."""
    since, last = at - window, seats.c.last_activity_at
    if never_used == "idle":
        return sa.or_(last.is_(None), last < since)
    return sa.func.coalesce(last, seats.c.created_at) < since


def _inactive(seats: sa.CTE, at: dt.datetime, days: int) -> sa.ColumnElement[bool]:
    """The page's filters: a seat never used is inactive whatever its age."""
    if days < 0:
        raise InvalidInput(f"inactive_days must be 0 or more, not {days}")
    return is_idle(seats, at, dt.timedelta(days=days), never_used="idle")


def count_inactive_seats(
    conn: Connection, scope: Scope, days: Sequence[int], *, as_of: dt.datetime | None = None
) -> dict[int, int]:
    """For each of ``days``, how many seats held at ``as_of`` had no activity in that many days
    (the rows ``iter_copilot_seats(inactive_days=...)`` lists), in one query."""
    at = as_of_or_now(as_of)
    seats = _held_seats(conn, scope, at)
    counts = [sa.func.coalesce(sa.func.sum(sa.case((_inactive(seats, at, d), 1), else_=0)), 0) for d in days]
    if not counts:
        return {}
    row = conn.execute(sa.select(*counts).select_from(seats)).one()
    return {d: int(n) for d, n in zip(days, row)}


def iter_copilot_seats(
    conn: Connection,
    scope: Scope,
    *,
    as_of: dt.datetime | None = None,
    inactive_days: int | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> Iterator[CopilotSeat]:
    """Seats held at ``as_of`` ordered by login (enterprise: one per person, the Enterprise-plan
    seat first); ``inactive_days`` keeps seats with no activity in that many days."""
    at = as_of_or_now(as_of)
    seats = _held_seats(conn, scope, at)
    u, tm = t.users, t.teams
    stmt = (
        sa.select(seats, u.c.login, u.c.name, tm.c.slug.label("team_slug"))
        .join(u, u.c.id == seats.c.user_id)
        .outerjoin(tm, tm.c.id == seats.c.assigning_team_id)
        .order_by(u.c.login, seats.c.id)
        .offset(offset)
    )
    if inactive_days is not None:
        stmt = stmt.where(_inactive(seats, at, inactive_days))
    if limit is not None:
        stmt = stmt.limit(limit)
    for row in stream_rows(conn, stmt, STREAM_BATCH):
        yield _seat(row)


def seats_held_by(
    conn: Connection, enterprise: str, user_id: int, *, as_of: dt.datetime | None = None
) -> tuple[CopilotSeat, ...]:
    """Every Copilot seat ``user_id`` holds at ``as_of`` in the enterprise's organizations, the
    one the enterprise counts (and bills) first."""
    at = as_of_or_now(as_of)
    rs = resolve(conn, Scope.enterprise(enterprise))
    u, tm = t.users, t.teams
    stmt = (
        sa.select(_s, _o.c.login.label("organization"), u.c.login, u.c.name, tm.c.slug.label("team_slug"))
        .join(_o, _o.c.id == _s.c.organization_id)
        .join(u, u.c.id == _s.c.user_id)
        .outerjoin(tm, tm.c.id == _s.c.assigning_team_id)
        .where(
            _o.c.enterprise_id == rs.enterprise.id,
            _s.c.user_id == user_id,
            holds_at(_s.c.created_at, _s.c.ended_at, at),
        )
        .order_by(*_billed_first())
    )
    return tuple(_seat(row) for row in conn.execute(stmt))


def _seat(row: sa.Row[*tuple[Any, ...]]) -> CopilotSeat:
    return CopilotSeat(
        seat_id=row.id,
        user_id=row.user_id,
        login=row.login,
        name=row.name,
        organization=row.organization,
        plan=row.plan,
        assigning_team=row.team_slug,
        created_at=row.created_at,
        pending_cancellation_date=row.pending_cancellation_date,
        last_authenticated_at=row.last_authenticated_at,
        last_activity_at=row.last_activity_at,
        last_activity_editor=row.last_activity_editor,
    )


# -- assigning and cancelling (the REST API's selected_users / selected_teams) -------------


def _lookup(
    conn: Connection, org_id: int, enterprise_id: int, usernames: Sequence[str], teams: Sequence[str]
) -> tuple[dict[str, int], dict[str, int]]:
    """Ids of the named users (of the enterprise) and teams (of the org), in the order named;
    InvalidInput naming every unknown one."""
    u, tm = t.users, t.teams
    names = list(dict.fromkeys(usernames))
    slugs = list(dict.fromkeys(teams))
    users: dict[str, int] = {}
    if names:
        found = conn.execute(
            sa.select(u.c.login, u.c.id).where(u.c.enterprise_id == enterprise_id, u.c.login.in_(names))
        )
        by_login = {row.login: int(row.id) for row in found}
        users = {n: by_login[n] for n in names if n in by_login}
    found_teams: dict[str, int] = {}
    if slugs:
        found = conn.execute(sa.select(tm.c.slug, tm.c.id).where(tm.c.organization_id == org_id, tm.c.slug.in_(slugs)))
        by_slug = {row.slug: int(row.id) for row in found}
        found_teams = {s: by_slug[s] for s in slugs if s in by_slug}
    unknown = [f"user {n!r}" for n in names if n not in users]
    unknown += [f"team {s!r}" for s in slugs if s not in found_teams]
    if unknown:
        raise InvalidInput("unknown " + ", ".join(unknown))
    return users, found_teams


def _org(conn: Connection, org: str) -> tuple[int, int]:
    row = conn.execute(sa.select(_o.c.id, _o.c.enterprise_id).where(_o.c.login == org)).first()
    if row is None:
        raise NotFound(f"no organization {org!r}")
    return int(row.id), int(row.enterprise_id)


def assign_seats(
    conn: Connection,
    org: str,
    *,
    usernames: Sequence[str] = (),
    teams: Sequence[str] = (),
    plan: str = "business",
    at: dt.datetime | None = None,
) -> int:
    """Give the named users and the members of the named teams a seat in ``org``; returns
    seats_created. People who already hold a seat there are skipped, except that a seat
    pending cancellation is kept (its cancellation withdrawn) and counted as created."""
    if plan not in PLANS:
        raise InvalidInput(f"Copilot plan must be 'business' or 'enterprise', not {plan!r}")
    if not usernames and not teams:
        raise InvalidInput("name at least one user or team")
    now = as_of_or_now(at)
    org_id, enterprise_id = _org(conn, org)
    ledger = Ledger(conn)
    created = 0
    seen: set[int] = set()
    users, found_teams = _lookup(conn, org_id, enterprise_id, usernames, teams)
    recipients: list[tuple[int, int | None]] = [(uid, None) for uid in users.values()]
    tm = t.team_members
    for found_team in found_teams.values():
        members = conn.execute(sa.select(tm.c.user_id).where(tm.c.team_id == found_team).order_by(tm.c.user_id))
        recipients += [(int(uid), found_team) for uid in members.scalars()]
    for user_id, team_id in recipients:
        if user_id in seen:
            continue
        seen.add(user_id)
        held = conn.execute(
            sa.select(_s.c.id, _s.c.pending_cancellation_date)
            # One open seat per person and org: one that starts after ``now`` is held too.
            .where(
                _s.c.organization_id == org_id,
                _s.c.user_id == user_id,
                sa.or_(holds_at(_s.c.created_at, _s.c.ended_at, now), _s.c.ended_at.is_(None)),
            )
            .order_by(_s.c.id)
        ).first()
        if held is None:
            ledger.add_copilot_seat(org_id, user_id, plan=plan, assigning_team_id=team_id, created_at=now)
            created += 1
        elif held.pending_cancellation_date is not None:
            ledger.withdraw_copilot_cancellation(held.id)
            created += 1
    if created:
        ledger.bump_version(enterprise_id, intervals_changed=False)
    return created


def cancel_seats(
    conn: Connection,
    org: str,
    *,
    usernames: Sequence[str] = (),
    teams: Sequence[str] = (),
    at: dt.datetime | None = None,
) -> int:
    """Unassign seats in ``org``: the named users' seats, and the seats assigned through the
    named teams. Access lasts until the next cycle starts (1st of next month, 00:00 UTC), which
    becomes the seat's pending_cancellation_date and ended_at. Returns seats_cancelled
    (seats already pending cancellation are not counted again)."""
    if not usernames and not teams:
        raise InvalidInput("name at least one user or team")
    now = as_of_or_now(at)
    org_id, enterprise_id = _org(conn, org)
    ends = next_month_start(now)
    users, found_teams = _lookup(conn, org_id, enterprise_id, usernames, teams)
    by = []
    if users:
        by.append(_s.c.user_id.in_(list(users.values())))
    if found_teams:
        by.append(_s.c.assigning_team_id.in_(list(found_teams.values())))
    seat_ids = (
        conn.execute(
            sa.select(_s.c.id).where(
                _s.c.organization_id == org_id,
                sa.or_(*by),
                _s.c.pending_cancellation_date.is_(None),
                holds_at(_s.c.created_at, _s.c.ended_at, now),
            )
        )
        .scalars()
        .all()
    )
    ledger = Ledger(conn)
    for seat_id in seat_ids:
        ledger.cancel_copilot_seat(seat_id, ends)
    if seat_ids:
        ledger.bump_version(enterprise_id, intervals_changed=False)
    return len(seat_ids)
