"""When each server instance of an enterprise last synced its license usage, and how it went.

The latest event is the one that occurred last (the greater id breaks a tie), not the one
recorded last: an upload of an older export arrives after a newer one and changes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterator

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from seatledger.db import tables as t


@dataclass(frozen=True)
class SyncEvent:
    """One license-sync event of a server instance."""

    kind: str  # upload | connect
    occurred_at: dt.datetime
    status: str  # success | failure
    error: str | None


@dataclass(frozen=True)
class ServerSync:
    """A server instance and its latest license-sync event (None: it never synced)."""

    server_id: str
    hostname: str
    version: str | None
    last: SyncEvent | None


def iter_server_syncs(conn: Connection, enterprise_id: int) -> Iterator[ServerSync]:
    """The enterprise's server instances by hostname, each with its latest sync event."""
    s, ev = t.server_instances, t.license_sync_events
    ranked = sa.select(
        ev.c.server_instance_id,
        ev.c.kind,
        ev.c.occurred_at,
        ev.c.status,
        ev.c.error,
        sa.func.row_number()
        .over(partition_by=ev.c.server_instance_id, order_by=(ev.c.occurred_at.desc(), ev.c.id.desc()))
        .label("rank"),
    ).subquery()
    latest = sa.select(ranked).where(ranked.c.rank == 1).subquery()
    rows = conn.execute(
        sa.select(
            s.c.server_id,
            s.c.hostname,
            s.c.version,
            latest.c.kind,
            latest.c.occurred_at,
            latest.c.status,
            latest.c.error,
        )
        .select_from(s.outerjoin(latest, latest.c.server_instance_id == s.c.id))
        .where(s.c.enterprise_id == enterprise_id)
        .order_by(s.c.hostname, s.c.server_id)
    )
    for r in rows:
        last = SyncEvent(r.kind, r.occurred_at, r.status, r.error) if r.occurred_at is not None else None
        yield ServerSync(server_id=r.server_id, hostname=r.hostname, version=r.version, last=last)
