"""What can be reclaimed: the Enterprise seats and Copilot seats held at an instant by people
who do not seem to use them, read from the kept seat reasons (``seat_reason_intervals``) and
the Copilot seats, and the Copilot seats cancelled from that list (through the seat API's own
:func:`~seatledger.licensing.copilot.cancel_seats`), recorded with who and when.

Enterprise seats, one row per person and category:
- ``dormant``: the person is marked dormant (GitHub's dormant users).
- ``stale_invitation``: every reason they hold the seat is a pending invitation, the newest
  older than ``invitation_days``.
- ``idle_collaborator``: every reason is outside collaboration on repositories nobody pushed
  to in ``collaborator_days``.
- ``suspended_server``: they hold a server account while suspended on the cloud.

Copilot seats, one row per seat not pending cancellation: ``never_used`` (no activity at all)
or ``idle`` (last activity), each :func:`~seatledger.licensing.copilot.is_idle` for ``idle_days``,
a seat never used counted from its start; people who joined less than ``joined_days`` ago are left out.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from seatledger.db import tables as t
from seatledger.db.tables_reclaims import copilot_reclaims
from seatledger.errors import InvalidInput
from seatledger.licensing.seat_policy import policy_for
from seatledger.licensing.seat_reasons import (
    REASON_OUTSIDE_COLLABORATOR,
    REASON_PENDING_INVITATION,
    REASON_SERVER_USER,
    Window,
    person_key,
    reasons,
)
from seatledger.licensing.copilot import cancel_seats, is_idle
from seatledger.licensing.scope import EnterpriseInfo, as_of_or_now, get_enterprise, holds_at

RECLAIM_PRODUCTS = ("enterprise", "copilot")
IDLE_CHOICES = (30, 60, 90)  # the Copilot idle windows offered (days)
MAX_DAYS = 3650
ENTERPRISE_CATEGORIES = ("dormant", "stale_invitation", "idle_collaborator", "suspended_server")
COPILOT_CATEGORIES = ("never_used", "idle")


@dataclass(frozen=True)
class ReclaimRules:
    """The thresholds of a reclaim list (days), and the logins or emails never listed."""

    invitation_days: int = 30
    collaborator_days: int = 90
    idle_days: int = 90
    joined_days: int = 30
    exclude: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in ("invitation_days", "collaborator_days", "idle_days", "joined_days"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_DAYS:
                raise InvalidInput(f"{name} must be a whole number of days from 0 to {MAX_DAYS}, not {value!r}")
        object.__setattr__(self, "exclude", tuple(sorted({e.strip().lower() for e in self.exclude if e.strip()})))


@dataclass(frozen=True)
class ReclaimCandidate:
    product: str  # enterprise | copilot
    category: str
    person_key: str  # user:<id>, server:<email>, invite:<email>
    login: str | None
    name: str | None
    organization: str | None  # Copilot: the seat's organization
    since: dt.datetime | None  # the instant the category is measured from (last use, invitation, suspension...)
    detail: str
    seat_id: int | None = None  # Copilot


@dataclass(frozen=True)
class Reclaim:
    enterprise: str
    product: str
    as_of: dt.datetime
    rules: ReclaimRules
    candidates: tuple[ReclaimCandidate, ...]
    counts: dict[str, int] = field(default_factory=dict)  # per category, every category named

    @property
    def seat_ids(self) -> tuple[int, ...]:
        return tuple(c.seat_id for c in self.candidates if c.seat_id is not None)


def reclaim(
    conn: Connection,
    enterprise: str,
    product: str,
    *,
    rules: ReclaimRules | None = None,
    as_of: dt.datetime | None = None,
) -> Reclaim:
    """The seats of ``product`` (``enterprise`` or ``copilot``) that could be reclaimed at ``as_of``."""
    if product not in RECLAIM_PRODUCTS:
        raise InvalidInput(f"product must be one of {', '.join(RECLAIM_PRODUCTS)}, not {product!r}")
    rules = rules or ReclaimRules()
    at = as_of_or_now(as_of)
    info = get_enterprise(conn, enterprise)
    found = (
        _enterprise_seats(conn, info, at, rules) if product == "enterprise" else _copilot_seats(conn, info, at, rules)
    )
    kept = tuple(c for c in found if not _excluded(c, rules.exclude))
    categories = ENTERPRISE_CATEGORIES if product == "enterprise" else COPILOT_CATEGORIES
    tally = Counter(c.category for c in kept)
    return Reclaim(info.slug, product, at, rules, kept, {k: tally[k] for k in categories})


def _excluded(candidate: ReclaimCandidate, exclude: tuple[str, ...]) -> bool:
    names = {candidate.person_key.partition(":")[2].lower(), (candidate.login or "").lower()}
    return bool(names & set(exclude))


def _days_before(at: dt.datetime, days: int) -> dt.datetime:
    return at - dt.timedelta(days=days)


def _enterprise_seats(
    conn: Connection, info: EnterpriseInfo, at: dt.datetime, rules: ReclaimRules
) -> list[ReclaimCandidate]:
    r = reasons(policy_for(conn, info), Window(at))
    u, c = t.users, t.commits
    pushed = (
        sa.select(c.c.id)
        .where(
            c.c.repository_id == r.c.repository_id,
            c.c.pushed_at > _days_before(at, rules.collaborator_days),
            c.c.pushed_at <= at,
        )
        .exists()
    )
    rows = sa.select(
        r.c.user_id,
        r.c.other_key,
        r.c.started_at,
        sa.case((r.c.reason == REASON_PENDING_INVITATION, 0), else_=1).label("not_invitation"),
        sa.case((sa.and_(r.c.reason == REASON_OUTSIDE_COLLABORATOR, ~pushed), 0), else_=1).label(
            "not_idle_collaboration"
        ),
        sa.case((r.c.reason == REASON_SERVER_USER, 1), else_=0).label("server"),
    ).subquery("reclaim_reasons")
    per_person = (
        sa.select(
            rows.c.user_id,
            rows.c.other_key,
            sa.func.min(rows.c.started_at).label("since"),
            sa.func.max(rows.c.started_at).label("newest"),
            sa.func.count().label("reasons"),
            sa.func.sum(rows.c.not_invitation).label("not_invitation"),
            sa.func.sum(rows.c.not_idle_collaboration).label("not_idle_collaboration"),
            sa.func.sum(rows.c.server).label("server"),
        )
        .group_by(rows.c.user_id, rows.c.other_key)
        .subquery("reclaim_people")
    )
    query = (
        sa.select(per_person, u.c.login, u.c.name, u.c.dormant, u.c.suspended_at)
        .select_from(per_person.outerjoin(u, u.c.id == per_person.c.user_id))
        .order_by(u.c.login, per_person.c.other_key)
    )
    invited_before = _days_before(at, rules.invitation_days)
    found = []
    for row in conn.execute(query):
        key = person_key(row.user_id, row.other_key)

        def candidate(category: str, since: dt.datetime | None, detail: str) -> ReclaimCandidate:
            return ReclaimCandidate("enterprise", category, key, row.login, row.name, None, since, detail)

        if row.dormant:
            found.append(candidate("dormant", row.since, "marked dormant"))
        if row.not_invitation == 0 and row.newest <= invited_before:
            found.append(
                candidate(
                    "stale_invitation", row.newest, f"only pending invitations, older than {rules.invitation_days} days"
                )
            )
        if row.not_idle_collaboration == 0:
            found.append(
                candidate(
                    "idle_collaborator",
                    row.since,
                    f"only outside collaboration on repositories nobody pushed to in {rules.collaborator_days} days",
                )
            )
        if row.server and row.suspended_at is not None and row.suspended_at <= at:
            found.append(
                candidate("suspended_server", row.suspended_at, "holds a server account, suspended on the cloud")
            )
    return found


def _copilot_query(info: EnterpriseInfo, at: dt.datetime, rules: ReclaimRules) -> sa.Select[Any]:
    s, o, u = t.copilot_seats, t.organizations, t.users
    return (
        sa.select(
            s.c.id,
            s.c.user_id,
            s.c.created_at,
            s.c.last_activity_at,
            o.c.login.label("organization"),
            u.c.login,
            u.c.name,
        )
        .join(o, o.c.id == s.c.organization_id)
        .join(u, u.c.id == s.c.user_id)
        .where(
            o.c.enterprise_id == info.id,
            holds_at(s.c.created_at, s.c.ended_at, at),
            s.c.pending_cancellation_date.is_(None),
            is_idle(s, at, dt.timedelta(days=rules.idle_days), never_used="from_start"),
            u.c.created_at <= _days_before(at, rules.joined_days),
        )
        .order_by(u.c.login, o.c.login, s.c.id)
    )


def _copilot_seats(
    conn: Connection, info: EnterpriseInfo, at: dt.datetime, rules: ReclaimRules
) -> list[ReclaimCandidate]:
    found = []
    for row in conn.execute(_copilot_query(info, at, rules)):
        used = row.last_activity_at is not None
        category, since = ("idle", row.last_activity_at) if used else ("never_used", row.created_at)
        detail = (
            f"no activity in {rules.idle_days} days"
            if used
            else f"never used, assigned over {rules.idle_days} days ago"
        )
        found.append(
            ReclaimCandidate(
                "copilot",
                category,
                f"user:{row.user_id}",
                row.login,
                row.name,
                row.organization,
                since,
                detail,
                seat_id=row.id,
            )
        )
    return found


def cancel_reclaimed_seats(
    conn: Connection,
    enterprise: str,
    seat_ids: tuple[int, ...],
    *,
    rules: ReclaimRules,
    by_user_id: int,
    at: dt.datetime | None = None,
) -> list[ReclaimCandidate]:
    """Cancel the Copilot seats ``seat_ids`` (a dry run's selection) that the same rules still
    list at ``at``, each through the seat API's :func:`cancel_seats`, and record who and when.
    Returns the seats cancelled; a seat used since the dry run is left alone."""
    now = as_of_or_now(at)
    listed = reclaim(conn, enterprise, "copilot", rules=rules, as_of=now)
    chosen = [c for c in listed.candidates if c.seat_id in set(seat_ids)]
    cancelled = []
    for seat in chosen:
        assert seat.organization is not None and seat.login is not None
        if cancel_seats(conn, seat.organization, usernames=[seat.login], at=now):
            cancelled.append(seat)
    if cancelled:
        info = get_enterprise(conn, enterprise)
        conn.execute(
            copilot_reclaims.insert(),
            [
                {
                    "enterprise_id": info.id,
                    "seat_id": c.seat_id,
                    "cancelled_by_user_id": by_user_id,
                    "cancelled_at": now,
                    "reason": c.category,
                }
                for c in cancelled
            ],
        )
    return cancelled
