"""Whether the kept license intervals still equal what the rules derive from the facts
(``seatledger verify``, its daily job, the Licensing page and ``/healthz``)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.engine import Connection

from seatledger.db import intervals
from seatledger.db.intervals import Check, Difference
from seatledger.licensing.scope import get_enterprise

__all__ = ["Check", "Difference", "last_interval_check", "verify_intervals"]


def verify_intervals(
    conn: Connection, enterprise: str, *, repair: bool = False, at: dt.datetime | None = None
) -> list[Difference]:
    """Derive every interval of the enterprise again set-wise, compare with the kept ones, record
    the result; ``repair`` rewrites them where they differ. Returns the differences found."""
    info = get_enterprise(conn, enterprise)
    return intervals.check(conn, info.id, repair=repair, at=at)


def last_interval_check(conn: Connection, enterprise: str) -> Check | None:
    """The enterprise's last verification, or None if it was never verified."""
    return intervals.last_check(conn, get_enterprise(conn, enterprise).id)
