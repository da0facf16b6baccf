"""A small in-process cache of computed page data.

Counting Advanced Security committers over a large ledger takes seconds, and the Licensing
page asks for several such numbers. The ledger bumps a version per enterprise on every write
(``ledger_versions``), so computed page data stays right for as long as the version is the same
and the clock is in the same minute. The key holds both; the page counts at the start of
that minute and says so. Writes that do not bump the version (a pushed commit, a new
membership) show within a minute. Each ``serve`` process has its own
cache; nothing is shared, so there is nothing to invalidate across processes.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from typing import Callable, Hashable, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from seatledger.db import tables as t

T = TypeVar("T")
MAX_ENTRIES = 128
GRANULARITY_S = 60


def ledger_version(conn: Connection, enterprise: str) -> int:
    lv, e = t.ledger_versions, t.enterprises
    version = conn.execute(
        sa.select(lv.c.version).join(e, e.c.id == lv.c.enterprise_id).where(e.c.slug == enterprise)
    ).scalar()
    return int(version or 0)


class PageCache:
    """A bounded LRU of computed page data."""

    def __init__(self, max_entries: int = MAX_ENTRIES, granularity_s: int = GRANULARITY_S) -> None:
        self._entries: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()
        self.max_entries = max_entries
        self.granularity_s = granularity_s

    def instant(self, as_of: dt.datetime) -> dt.datetime:
        """``as_of`` floored to the granularity: what the page then counts at (and says so).
        With a granularity of 0 the page counts at ``as_of`` exactly and nothing is reused."""
        if self.granularity_s <= 0:
            return as_of
        epoch = dt.datetime(1970, 1, 1)
        seconds = int((as_of - epoch).total_seconds())
        return epoch + dt.timedelta(seconds=seconds - seconds % self.granularity_s)

    def get_or_compute(self, key: Hashable, compute: Callable[[], T]) -> T:
        if self.granularity_s <= 0:
            return compute()
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]  # type: ignore[return-value]
        value = compute()  # outside the lock: two requests may compute once each, never wrongly
        with self._lock:
            self._entries[key] = value
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return value
