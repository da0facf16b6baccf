"""Who started or stopped counting as an Advanced Security committer between two instants,
and why: the starts and ends of the kept committer spans (``committer_spans``, what
``committer_totals`` counts) in ``(start, end]``, each named by the condition that changed
at that very instant.

A person's span is the union over repositories of (committer window ∩ product enabled ∩
seat held), so it starts exactly when one of the three started (a first push, the product
enabled on a repository they push to, a seat) and ends when one ended (the 90-day window
closed, the product disabled, the seat ended). The reason is the one whose start or end is
the span's edge; a visibility change, which the ledger keeps no history of, is the remainder.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Literal, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from seatledger.db import tables as t
from seatledger.db import tables_intervals as ti
from seatledger.licensing.advanced_security import ACTIVE_COMMITTER_WINDOW, committer_span_key
from seatledger.licensing.scope import EnterpriseInfo, ResolvedScope, Scope

__all__ = ["CommitterEvent", "committer_events_by_product"]

# People looked up per statement (bound parameters stay few on SQLite).
CHUNK = 2000

_LABELS = {"code_security": "Code Security", "secret_protection": "Secret Protection"}


@dataclass(frozen=True)
class CommitterEvent:
    change: Literal["added", "removed"]
    at: dt.datetime
    user_id: int
    reason: str
    rule: str


@dataclass(frozen=True)
class _Window:
    repository_id: int
    repository: str
    started_at: dt.datetime
    ended_at: dt.datetime


def _in_range(column: sa.ColumnElement[Any], t1: dt.datetime, t2: dt.datetime) -> sa.ColumnElement[bool]:
    return sa.and_(column > t1, column <= t2)


def committer_events_by_product(
    conn: Connection,
    info: EnterpriseInfo,
    org: tuple[str, int] | None,
    products: Sequence[str],
    t1: dt.datetime,
    t2: dt.datetime,
) -> dict[str, list[CommitterEvent]]:
    """Per product, every start and end of a kept committer span in ``(t1, t2]``, at the
    enterprise or through one organization (``(login, id)``): the people's windows and seat
    edges are read once for every product."""
    scope = (
        ResolvedScope(Scope.org(org[0]), info, organization_id=org[1], owner_login=org[0])
        if org
        else ResolvedScope(Scope.enterprise(info.slug), info)
    )
    cs = ti.committer_spans
    spans = {
        product: conn.execute(
            sa.select(cs.c.user_id, cs.c.started_at, cs.c.ended_at).where(
                cs.c.enterprise_id == info.id,
                cs.c.product == product,
                cs.c.scope_key == committer_span_key(scope),
                cs.c.ended_at > cs.c.started_at,
                sa.or_(_in_range(cs.c.started_at, t1, t2), _in_range(cs.c.ended_at, t1, t2)),
            )
        ).all()
        for product in products
    }
    users = sorted({row.user_id for rows in spans.values() for row in rows})
    if not users:
        return {product: [] for product in products}
    windows = _windows(conn, info, org[1] if org else None, users, t1, t2)
    seat_started, seat_ended = _seat_edges(conn, info, users, t1, t2)
    edges = _enablement_edges(conn, info, [p for p, rows in spans.items() if rows], t1, t2)
    out: dict[str, list[CommitterEvent]] = {}
    for product, rows in spans.items():
        enabled, disabled = edges[product]
        label = _LABELS[product]
        events = out[product] = []
        for row in rows:
            mine = windows.get(row.user_id, [])
            if t1 < row.started_at <= t2:
                why = _why_added(mine, enabled, seat_started, row.user_id, row.started_at, label)
                events.append(CommitterEvent("added", row.started_at, row.user_id, *why))
            if t1 < row.ended_at <= t2:
                why = _why_removed(mine, disabled, seat_ended, row.user_id, row.ended_at, label)
                events.append(CommitterEvent("removed", row.ended_at, row.user_id, *why))
    return out


def _why_added(
    windows: list[_Window],
    enabled: dict[int, set[dt.datetime]],
    seat_started: set[tuple[int, dt.datetime]],
    user_id: int,
    at: dt.datetime,
    label: str,
) -> tuple[str, str]:
    for w in windows:
        if w.started_at == at:
            return "first_push", f"pushed to {w.repository}, a {label} repository"
    for w in windows:
        if w.started_at <= at < w.ended_at and at in enabled.get(w.repository_id, ()):
            return "product_enabled", f"{label} enabled on {w.repository}, where they push"
    if (user_id, at) in seat_started:
        return "seat_started", f"a {label} committer who started holding an enterprise seat"
    return "repository_licensed", f"a repository they push to started costing a {label} license (visibility)"


def _why_removed(
    windows: list[_Window],
    disabled: dict[int, set[dt.datetime]],
    seat_ended: set[tuple[int, dt.datetime]],
    user_id: int,
    at: dt.datetime,
    label: str,
) -> tuple[str, str]:
    if (user_id, at) in seat_ended:
        return "seat_ended", "stopped holding an enterprise seat"
    for w in windows:
        if w.ended_at == at:
            last = w.ended_at - ACTIVE_COMMITTER_WINDOW
            return "left_window", f"left the 90-day window of {w.repository} (last push {last:%Y-%m-%d})"
    for w in windows:
        if w.started_at < at <= w.ended_at and at in disabled.get(w.repository_id, ()):
            return "product_disabled", f"{label} disabled on {w.repository}"
    return "repository_unlicensed", f"a repository they pushed to stopped costing a {label} license (visibility)"


def _windows(
    conn: Connection, info: EnterpriseInfo, org_id: int | None, users: list[int], t1: dt.datetime, t2: dt.datetime
) -> dict[int, list[_Window]]:
    """The people's committer windows overlapping the range, on the scope's repositories."""
    w, r = ti.committer_windows, t.repositories
    out: dict[int, list[_Window]] = defaultdict(list)
    for start in range(0, len(users), CHUNK):
        query = (
            sa.select(w.c.user_id, w.c.repository_id, r.c.owner_login, r.c.name, w.c.started_at, w.c.ended_at)
            .join(r, r.c.id == w.c.repository_id)
            .where(
                w.c.enterprise_id == info.id,
                w.c.user_id.in_(users[start : start + CHUNK]),
                w.c.started_at <= t2,
                w.c.ended_at > t1,
            )
            .order_by(w.c.user_id, r.c.owner_login, r.c.name, w.c.started_at)
        )
        if org_id is not None:
            query = query.where(r.c.organization_id == org_id)
        for row in conn.execute(query):
            out[row.user_id].append(
                _Window(row.repository_id, f"{row.owner_login}/{row.name}", row.started_at, row.ended_at)
            )
    return out


def _enablement_edges(
    conn: Connection, info: EnterpriseInfo, products: Sequence[str], t1: dt.datetime, t2: dt.datetime
) -> dict[str, tuple[dict[int, set[dt.datetime]], dict[int, set[dt.datetime]]]]:
    """Per product, per repository, when the product was enabled and disabled in the range."""
    ge, r = ti.ghas_enablements, t.repositories
    out: dict[str, tuple[dict[int, set[dt.datetime]], dict[int, set[dt.datetime]]]] = {
        p: (defaultdict(set), defaultdict(set)) for p in _LABELS
    }
    if not products:
        return out
    for row in conn.execute(
        sa.select(ge.c.product, ge.c.repository_id, ge.c.started_at, ge.c.ended_at)
        .join(r, r.c.id == ge.c.repository_id)
        .where(
            r.c.enterprise_id == info.id,
            ge.c.product.in_(products),
            sa.or_(_in_range(ge.c.started_at, t1, t2), _in_range(ge.c.ended_at, t1, t2)),
        )
    ):
        enabled, disabled = out[row.product]
        enabled[row.repository_id].add(row.started_at)
        if row.ended_at is not None:
            disabled[row.repository_id].add(row.ended_at)
    return out


def _seat_edges(
    conn: Connection, info: EnterpriseInfo, users: list[int], t1: dt.datetime, t2: dt.datetime
) -> tuple[set[tuple[int, dt.datetime]], set[tuple[int, dt.datetime]]]:
    """(person, instant) of the people's enterprise seat spans starting and ending in the range."""
    s = ti.seat_spans
    started: set[tuple[int, dt.datetime]] = set()
    ended: set[tuple[int, dt.datetime]] = set()
    for start in range(0, len(users), CHUNK):
        for row in conn.execute(
            sa.select(s.c.user_id, s.c.started_at, s.c.ended_at).where(
                s.c.enterprise_id == info.id,
                s.c.scope == ti.SCOPE_ENTERPRISE,
                s.c.user_id.in_(users[start : start + CHUNK]),
                sa.or_(_in_range(s.c.started_at, t1, t2), _in_range(s.c.ended_at, t1, t2)),
            )
        ):
            started.add((row.user_id, row.started_at))
            if row.ended_at is not None:
                ended.add((row.user_id, row.ended_at))
    return started, ended
