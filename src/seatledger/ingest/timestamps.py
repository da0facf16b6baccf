"""Timestamps as sources write them, turned into the ledger's naive UTC."""

from __future__ import annotations

import datetime as dt

from seatledger import validation


def parse_timestamp(value: object) -> dt.datetime | None:
    """ISO 8601 (``Z`` or an offset), a date, or Unix seconds (push payloads) → naive UTC,
    within the years :mod:`seatledger.validation` accepts (InvalidInput otherwise)."""
    return validation.instant(value)


def parse_date(value: object) -> dt.date | None:
    """``YYYY-MM-DD`` (or a timestamp, its UTC day)."""
    stamp = parse_timestamp(value)
    return stamp.date() if stamp is not None else None
