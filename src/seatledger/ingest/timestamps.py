"""Timestamps as sources write them, turned into the ledger's naive UTC."""

from __future__ import annotations

import datetime as dt

from seatledger.db.ledger import utc_at
from seatledger.errors import InvalidInput


def parse_timestamp(value: object) -> dt.datetime | None:
    """ISO 8601 (``Z`` or an offset), a date, or Unix seconds (push payloads) → naive UTC."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise InvalidInput(f"not a timestamp: {value!r}")
    if isinstance(value, (int, float)):
        return utc_at(value)
    if not isinstance(value, str):
        raise InvalidInput(f"not a timestamp: {value!r}")
    try:
        parsed = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidInput(f"not an ISO 8601 timestamp: {value!r}") from exc
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return parsed


def parse_date(value: object) -> dt.date | None:
    """``YYYY-MM-DD`` (or a timestamp, its UTC day)."""
    stamp = parse_timestamp(value)
    return stamp.date() if stamp is not None else None
