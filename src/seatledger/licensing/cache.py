"""A memo of the counting engine's results, per enterprise and ledger version.

Every write to an enterprise's ledger bumps its ``ledger_versions`` row once per transaction
(``db/ledger.py``), so a result computed at version *v* stays right for as long as the version
is *v*: the memo keys on (database, function, enterprise id, version, arguments, instant).
It is soft state, in-process and bounded (LRU): correctness never depends on it, a miss only
costs the computation.

"Now" is bucketed. A caller that passes ``as_of=None`` gets the answer for the *end* of the
current minute (the last microsecond of the day in the day's last minute, so "this month" and
"today" never jump ahead). Every recorded change is in the answer at once (it bumped the
version); only changes made by the clock alone — a push leaving the 90-day window, a Copilot
cancellation taking effect — may show up to 60 s early. GitHub's own license data is
refreshed periodically too. An explicit ``as_of`` is never bucketed.

Two guards keep a cached answer exact:

- the version is read before and after computing, and the result is kept only when both
  reads agree (a write committed in between may or may not be in the result);
- a connection whose open transaction has itself bumped the version (it wrote, and may still
  roll back) neither reads nor fills the memo.

``SEATLEDGER_CACHE_SIZE`` sets the number of entries (0 turns the memo off); ``configure``
applies it at start-up.
"""

from __future__ import annotations

import datetime as dt
import threading
import weakref
from collections import OrderedDict
from typing import Callable, Hashable, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from seatledger.db import tables as t
from seatledger.db.ledger import wrote_in_transaction
from seatledger.licensing.scope import as_of_or_now

__all__ = ["DEFAULT_SIZE", "Memo", "configure", "current_version", "instant", "memo", "memoized"]

T = TypeVar("T")

# Entries, not bytes: the biggest entry is an enterprise's ordered list of licensed people
# (about 10 MB at 100,000 people), a page of 100 described people is about 100 kB; 'now'
# entries of one question replace each other.
DEFAULT_SIZE = 256
NOW_GRANULARITY = dt.timedelta(minutes=1)


def current_version(conn: Connection, enterprise_id: int) -> int:
    """The enterprise's ledger version (0 if it has never been written)."""
    lv = t.ledger_versions
    version = conn.execute(sa.select(lv.c.version).where(lv.c.enterprise_id == enterprise_id)).scalar()
    return int(version or 0)


class Memo:
    """A thread-safe, bounded LRU of computed results.

    A key has a *slot* (the question) and a *stamp* (version and instant): storing a new stamp
    for a slot replaces the old answer, so a busy 'now' question holds one entry, not one per
    minute.
    """

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self._entries: OrderedDict[Hashable, tuple[Hashable, object]] = OrderedDict()
        self._lock = threading.Lock()
        self.size = size
        self.hits = 0
        self.misses = 0

    def get(self, slot: Hashable, stamp: Hashable) -> tuple[bool, object]:
        with self._lock:
            entry = self._entries.get(slot)
            if entry is not None and entry[0] == stamp:
                self._entries.move_to_end(slot)
                self.hits += 1
                return True, entry[1]
            self.misses += 1
            return False, None

    def put(self, slot: Hashable, stamp: Hashable, value: object) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._entries[slot] = (stamp, value)
            self._entries.move_to_end(slot)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)


memo = Memo()


class _Flight:
    """One computation of a question in progress; others asking the same wait for it."""

    def __init__(self) -> None:
        self.lock = threading.Lock()


# Questions being computed, by slot; an entry disappears with its last waiter.
_flights: "weakref.WeakValueDictionary[Hashable, _Flight]" = weakref.WeakValueDictionary()
_flights_lock = threading.Lock()


def _flight(slot: Hashable) -> _Flight:
    with _flights_lock:
        flight = _flights.get(slot)
        if flight is None:
            flight = _flights[slot] = _Flight()
        return flight


def configure(size: int) -> None:
    """Set the memo's size (``SEATLEDGER_CACHE_SIZE``); 0 turns it off and empties it."""
    memo.size = max(0, size)
    if memo.size == 0:
        memo.clear()


def _bucket(now: dt.datetime) -> dt.datetime:
    start = now.replace(second=0, microsecond=0)
    if start == now:
        return now
    end = start + NOW_GRANULARITY
    if end.date() != now.date():  # the day's last minute: stay in this day (and month)
        return dt.datetime.combine(now.date(), dt.time.max)
    return end


def instant(as_of: dt.datetime | None) -> dt.datetime:
    """The instant to count at: ``as_of`` as naive UTC, or — for None, "now" — the end of the
    current minute while the memo is on (exactly now when it is off)."""
    at = as_of_or_now(as_of)
    return _bucket(at) if as_of is None and memo.size > 0 else at


def memoized(
    conn: Connection, name: str, enterprise_id: int, args: Hashable, at: dt.datetime, compute: Callable[[], T]
) -> T:
    """``compute()``, or its remembered result for the same question at the same ledger version.

    ``at`` must be the instant ``compute`` counts at (see :func:`instant`); ``args`` every
    other argument that changes the answer.
    """
    if memo.size <= 0 or wrote_in_transaction(conn):
        return compute()
    version = current_version(conn, enterprise_id)
    slot = (str(conn.engine.url), name, enterprise_id, args, at if at.second or at.microsecond else None)
    stamp = (version, at)
    found, value = memo.get(slot, stamp)
    if found:
        return value  # type: ignore[return-value]
    # Single flight: when a new minute or version starts, 16 requests asking the same question
    # wait for one computation instead of running 16 (which, sharing the GIL, all finish late).
    flight = _flight(slot)
    with flight.lock:
        found, value = memo.get(slot, stamp)
        if found:
            return value  # type: ignore[return-value]
        result = compute()
        if current_version(conn, enterprise_id) == version and not wrote_in_transaction(conn):
            memo.put(slot, stamp, result)
    return result
