"""Reading the kept seat reasons (``seat_reason_intervals``, derived by the rules in
``db/rules.py`` at write time): one row per reason, several per person, each
``(user_id, other_key, reason, started_at, ended_at, org_id, repository_id, source_id)``.

So the number of people is ``COUNT(DISTINCT user_id) + COUNT(DISTINCT other_key)``;
:func:`person_key` spells the key ``user:<id>``. Plain counts read the merged spans instead
(``seat_spans``, see ``licensing/seats.py``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from seatledger.db import tables_intervals as ti
from seatledger.db.rules import (
    PAID_VISIBILITIES,
    REASON_ORG_MEMBER,
    REASON_ORG_OWNER,
    REASON_OUTSIDE_COLLABORATOR,
    REASON_PENDING_INVITATION,
    REASON_SERVER_USER,
    REASON_VISUAL_STUDIO,
    People,
    person_key,
)
from seatledger.licensing.scope import EnterpriseInfo

__all__ = [
    "PAID_VISIBILITIES",
    "REASON_ORG_MEMBER",
    "REASON_ORG_OWNER",
    "REASON_OUTSIDE_COLLABORATOR",
    "REASON_PENDING_INVITATION",
    "REASON_SERVER_USER",
    "REASON_VISUAL_STUDIO",
    "Only",
    "Policy",
    "Window",
    "person_key",
    "reasons",
]


@dataclass(frozen=True)
class Window:
    """When a reason must hold: at the instant ``start`` (``end`` None), or at some instant
    of ``[start, end)``."""

    start: dt.datetime
    end: dt.datetime | None = None

    def overlaps(self, started: sa.ColumnElement[Any], ended: sa.ColumnElement[Any]) -> sa.ColumnElement[bool]:
        if self.end is None:
            return sa.and_(started <= self.start, sa.or_(ended.is_(None), ended > self.start))
        return sa.and_(started < self.end, sa.or_(ended.is_(None), ended > self.start))

    def first_overlap(self, spans: sa.Table | sa.Alias) -> sa.ColumnElement[bool]:
        """The span is the first of its person's (disjoint, kept) spans that overlaps the window:
        one per person holding at some instant of it, so counting them counts people."""
        c = spans.c
        first = sa.or_(c.previous_ended_at.is_(None), c.previous_ended_at <= self.start)
        return sa.and_(self.overlaps(c.started_at, c.ended_at), first)


# Restrict the reasons to some people (a batch's descriptions, an explanation): the rules'
# own selection of whose rows to derive, the same cloud user ids and key suffixes.
Only = People


@dataclass(frozen=True)
class Policy:
    """The enterprise facts the rules depended on (the rules themselves ran at write time)."""

    enterprise: EnterpriseInfo
    org_invitations_consume: bool


def reasons(policy: Policy, window: Window, *, org_id: int | None = None, only: Only | None = None) -> sa.Subquery:
    """Every kept reason that holds during ``window`` (one row per reason, several per person).

    With ``org_id`` only the reasons granted through that organization (its memberships,
    its repositories' collaborators, its invitations); server and VS reasons have no org.
    """
    r = ti.seat_reason_intervals
    started: sa.ColumnElement[Any] = r.c.started_at
    if only is not None:  # a few people: their own index leads, not the instant's (coalesce hides it)
        started = sa.func.coalesce(r.c.started_at, r.c.started_at)
    query = sa.select(
        r.c.user_id,
        r.c.other_key,
        r.c.reason,
        r.c.started_at,
        r.c.ended_at,
        r.c.org_id,
        r.c.repository_id,
        r.c.source_id,
    ).where(r.c.enterprise_id == policy.enterprise.id, window.overlaps(started, r.c.ended_at))
    if org_id is not None:
        query = query.where(r.c.org_id == org_id)
    if only is not None:
        # Each part by its own index: an OR of the two would read every row of the enterprise.
        keys = only.other_keys()
        parts = []
        if only.user_ids:
            parts.append(query.where(r.c.user_id.in_(only.user_ids)))
        if keys:
            parts.append(query.where(r.c.other_key.in_(keys)))
        if not parts:
            return query.where(sa.false()).subquery("reasons")
        return (parts[0] if len(parts) == 1 else sa.union_all(*parts)).subquery("reasons")
    return query.subquery("reasons")
