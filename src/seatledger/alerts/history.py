"""What the alerts of an enterprise fired, and how each delivery went (newest first)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from seatledger.db.tables_alerts import alert_deliveries, alert_delivery_attempts, alert_events
from seatledger.licensing import get_enterprise

HISTORY_LIMIT = 200


@dataclass(frozen=True)
class Attempt:
    attempt: int
    attempted_at: dt.datetime
    ok: bool
    status_code: int | None
    error: str | None


@dataclass(frozen=True)
class Delivery:
    id: int
    channel: str
    target: str
    status: str
    attempts: tuple[Attempt, ...]
    next_attempt_at: dt.datetime | None  # while pending


@dataclass(frozen=True)
class AlertEvent:
    id: int
    rule_id: int
    state: str  # firing | cleared
    occurred_at: dt.datetime
    summary: str
    deliveries: tuple[Delivery, ...]


def alert_history(conn: Connection, enterprise: str, *, limit: int = HISTORY_LIMIT) -> list[AlertEvent]:
    """The enterprise's last ``limit`` events with their deliveries and every attempt."""
    info = get_enterprise(conn, enterprise)
    e, d, a = alert_events, alert_deliveries, alert_delivery_attempts
    events = conn.execute(
        sa.select(e).where(e.c.enterprise_id == info.id).order_by(e.c.occurred_at.desc(), e.c.id.desc()).limit(limit)
    ).all()
    ids = [row.id for row in events]
    deliveries: dict[int, list[Delivery]] = {i: [] for i in ids}
    attempts: dict[int, list[Attempt]] = {}
    if ids:
        rows = conn.execute(sa.select(d).where(d.c.event_id.in_(ids)).order_by(d.c.id)).all()
        delivery_ids = [row.id for row in rows]
        for at in (
            conn.execute(sa.select(a).where(a.c.delivery_id.in_(delivery_ids)).order_by(a.c.delivery_id, a.c.attempt))
            if delivery_ids
            else ()
        ):
            attempts.setdefault(at.delivery_id, []).append(
                Attempt(at.attempt, at.attempted_at, bool(at.ok), at.status_code, at.error)
            )
        for row in rows:
            deliveries[row.event_id].append(
                Delivery(
                    row.id,
                    row.channel,
                    row.target,
                    row.status,
                    tuple(attempts.get(row.id, ())),
                    row.next_attempt_at if row.status == "pending" else None,
                )
            )
    return [
        AlertEvent(row.id, row.rule_id, row.state, row.occurred_at, row.summary, tuple(deliveries[row.id]))
        for row in events
    ]
