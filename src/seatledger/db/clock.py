"""The ledger's clock: instants are naive UTC datetimes everywhere in the ledger."""

from __future__ import annotations

import datetime as dt


def utcnow() -> dt.datetime:
    """Now, as the naive UTC datetime the ledger stores."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)


def utc_at(seconds: float) -> dt.datetime:
    """An instant given in Unix seconds (a clock's reading) as the naive UTC datetime the
    ledger stores, to the microsecond."""
    return dt.datetime.fromtimestamp(seconds, dt.timezone.utc).replace(tzinfo=None)
