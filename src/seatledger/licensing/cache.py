"""A memo of the counting engine's results, per enterprise and ledger version, kept warm ahead.

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

**Warm ahead.** A question's ``compute`` takes ``(connection, instant)``, so it can be asked
again without its caller; a :class:`Question` (a module-level function and its arguments) can
be asked again in another process too. A :class:`Warmer` (one per database, beside the
serving processes: ``serve`` tells it their questions, :func:`warm_elsewhere`; tests start one
with the web app) keeps the questions asked in the last
``HOT_TTL`` warm: after a write it recomputes them at the new version, and before a minute
ends it computes the next minute's answer, so a page or an API client arriving at the next
minute finds it ready. An answer for an instant still ahead is exact: any write before that
instant bumps the version and retires it. Questions nobody asks any more go cold and cost
nothing.

**The minute turns without a wait.** A question about 'now' whose new minute is not counted
yet gets the previous minute's answer at the same version while the new one is counted in
the background, or, in a ``serve`` process, by the machine's warmer (for up to a minute: see
:func:`_while_the_minute_turns`, :func:`_left_to_the_warmer`). **Workers share answers**:
``serve --workers N`` calls :func:`share_answers`, and each answer is then counted once per
machine (``licensing.shared_answers``).

``SEATLEDGER_CACHE_SIZE`` sets the number of entries (0 turns the memo off);
``SEATLEDGER_WARM_AHEAD=0`` turns the warmer off; ``configure`` applies the size at start-up.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import sys
import threading
import time
import weakref
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Generic, Hashable, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from seatledger.db import tables as t
from seatledger.db.ledger import utc_at, wrote_in_transaction
from seatledger.licensing.scope import as_of_or_now

if TYPE_CHECKING:
    from seatledger.licensing.shared_answers import SharedAnswers

__all__ = [
    "DEFAULT_SIZE", "HOT_TTL", "Memo", "Question", "StillCounting", "Warmer", "configure", "current_version",
    "instant", "memo", "memoized", "question", "settle", "share_answers", "warm_elsewhere",
]

T = TypeVar("T")
log = logging.getLogger(__name__)

# Entries, not bytes: the biggest entry is an enterprise's ordered list of licensed people
# (about 10 MB at 100,000 people), a page of 100 described people is about 100 kB.
DEFAULT_SIZE = 256
NOW_GRANULARITY = dt.timedelta(minutes=1)
# A question keeps up to this many instants of one version: the current minute, the next one
# (warmed ahead), and the page's floor instant beside the API's ceiling.
STAMPS_PER_SLOT = 3
# A question not asked for this long is no longer kept warm.
HOT_TTL = dt.timedelta(minutes=10)
# The next minute's answers are counted at most this many seconds before it starts.
MAX_LEAD_S = 50.0
# Answers without an instant (history by day) are memoised under this one.
TIMELESS = dt.datetime.min

# A computation of (connection, instant): the warmer can ask it again with its own connection.
Compute = Callable[[Connection, dt.datetime], T]


@dataclass(frozen=True)
class Question(Generic[T]):
    """A :data:`Compute` that another process can ask again: ``fn(connection, *args, instant)``
    with ``fn`` a module-level function and ``args`` plain values, so the question pickles (by
    the function's name). ``serve --workers N`` hands the questions its workers are asked to
    one warmer in the supervising process (:func:`warm_elsewhere`)."""

    fn: Callable[..., T]
    args: tuple[Any, ...] = ()

    def __call__(self, conn: Connection, at: dt.datetime) -> T:
        return self.fn(conn, *self.args, at)


def question(fn: Callable[..., T], *args: Any) -> Question[T]:
    """The compute ``fn(connection, *args, instant)`` as a :class:`Question`."""
    return Question(fn, args)


def current_version(conn: Connection, enterprise_id: int) -> int:
    """The enterprise's ledger version (0 if it has never been written)."""
    lv = t.ledger_versions
    version = conn.execute(sa.select(lv.c.version).where(lv.c.enterprise_id == enterprise_id)).scalar()
    return int(version or 0)


def _version_of(stamp: Hashable) -> object:
    return stamp[0] if isinstance(stamp, tuple) else stamp


class Memo:
    """A thread-safe, bounded LRU of computed results.

    A key has a *slot* (the question) and a *stamp* (version and instant). A slot holds a few
    instants of one version; storing a newer version replaces all of them, so a busy 'now'
    question holds a couple of entries, not one per minute.
    """

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self._entries: OrderedDict[tuple[Hashable, Hashable], object] = OrderedDict()
        self._stamps: dict[Hashable, list[Hashable]] = {}
        self._lock = threading.Lock()
        self.size = size
        self.hits = 0
        self.misses = 0

    def get(self, slot: Hashable, stamp: Hashable) -> tuple[bool, object]:
        key = (slot, stamp)
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                self.hits += 1
                return True, self._entries[key]
            self.misses += 1
            return False, None

    def __contains__(self, key: tuple[Hashable, Hashable]) -> bool:
        with self._lock:
            return key in self._entries

    def put(self, slot: Hashable, stamp: Hashable, value: object) -> None:
        if self.size <= 0:
            return
        version = _version_of(stamp)
        with self._lock:
            stamps = self._stamps.get(slot, [])
            keep = [s for s in stamps if s != stamp and _version_of(s) == version][-(STAMPS_PER_SLOT - 1):]
            for old in stamps:
                if old not in keep:
                    self._entries.pop((slot, old), None)
            self._stamps[slot] = keep + [stamp]
            self._entries[(slot, stamp)] = value
            self._entries.move_to_end((slot, stamp))
            while len(self._entries) > self.size:
                (old_slot, old_stamp), _ = self._entries.popitem(last=False)
                left = [s for s in self._stamps.get(old_slot, []) if s != old_stamp]
                if left:
                    self._stamps[old_slot] = left
                else:
                    self._stamps.pop(old_slot, None)

    def latest(self, slot: Hashable, before: dt.datetime) -> tuple[Hashable, object] | None:
        """The slot's answer (one version) at its latest instant not after ``before``, or at its
        earliest when all are later; None when the slot holds nothing."""
        with self._lock:
            stamps = sorted((s for s in self._stamps.get(slot, []) if (slot, s) in self._entries), key=lambda s: s[1])  # type: ignore[index]
            if not stamps:
                return None
            earlier = [s for s in stamps if s[1] <= before]  # type: ignore[index]
            stamp = earlier[-1] if earlier else stamps[0]
            return stamp, self._entries[(slot, stamp)]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._stamps.clear()
            self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)


memo = Memo()


class _Flight:
    """One computation of an answer in progress; others asking the same wait for it."""

    def __init__(self) -> None:
        self.lock = threading.Lock()


# Answers being computed, by (slot, stamp); an entry disappears with its last waiter.
_flights: "weakref.WeakValueDictionary[Hashable, _Flight]" = weakref.WeakValueDictionary()
_flights_lock = threading.Lock()


def _flight(key: Hashable) -> _Flight:
    with _flights_lock:
        flight = _flights.get(key)
        if flight is None:
            flight = _flights[key] = _Flight()
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


def _slot(url: str, name: str, enterprise_id: int, args: Hashable, at: dt.datetime) -> Hashable:
    # Minute instants (and the timeless one) share a slot; an arbitrary as_of has its own.
    return (url, name, enterprise_id, args, at if at.second or at.microsecond else None)


def _ask(
    conn: Connection, name: str, enterprise_id: int, args: Hashable, at: dt.datetime, compute: Compute[T],
    version: int | None = None,
) -> tuple[int, Hashable] | None:
    """The question's (version, slot), noted as asked for the warmer; None when the memo may
    not serve this connection (it is off, or the connection's transaction wrote)."""
    if memo.size <= 0 or wrote_in_transaction(conn):
        return None
    slot = _slot(str(conn.engine.url), name, enterprise_id, args, at)
    _hot.asked(conn.engine, slot, enterprise_id, at, compute)
    return (current_version(conn, enterprise_id) if version is None else version), slot


def memoized(
    conn: Connection, name: str, enterprise_id: int, args: Hashable, at: dt.datetime, compute: Compute[T],
    *, version: int | None = None,
) -> T:
    """``compute``'s answer, or its remembered answer for the same question at the same ledger version.

    ``at`` must be the instant ``compute`` counts at (see :func:`instant`); ``args`` every
    other argument that changes the answer. A ``compute`` of ``(connection, instant)`` must use
    only those two and what ``args`` names: the warmer calls it again with its own connection
    and the next minute's instant. ``version``: the enterprise's ledger version as the caller
    already read it in this request (the API, with the token); else it is read here. A count
    made on a miss is kept only if the version is still that one after it.
    """
    asked = _ask(conn, name, enterprise_id, args, at, compute, version)
    if asked is None:
        return compute(conn, at)
    version, slot = asked
    previous = _while_the_minute_turns(conn, slot, enterprise_id, version, at, compute)
    if previous is not None:
        return previous[0]
    return _answer(conn, slot, enterprise_id, version, at, compute)


# How far back the answer of an earlier minute may stand in for 'now' while 'now' is counted.
MINUTE_TURN_GRACE = dt.timedelta(minutes=2)
_turning: set[Hashable] = set()  # (slot, stamp) counted in the background as the minute turned
_turning_lock = threading.Lock()


def _while_the_minute_turns(
    conn: Connection, slot: Hashable, enterprise_id: int, version: int, at: dt.datetime, compute: Compute[T]
) -> tuple[T] | None:
    """The question's answer for the previous minute at the *same* version, when 'now' has just
    moved on to a minute not counted yet; the new minute's answer is counted in the background,
    or by the machine's warmer (:func:`_left_to_the_warmer`).

    At the same version no recorded change is missing from the earlier answer: only what the
    clock alone changes (a push leaving the 90-day window) shows a minute later, which 'now'
    to the minute allows anyway. Without this, every request arriving as the minute turns
    waits for the recount (seconds on a large ledger) whenever the warmer has not finished it
    ahead.
    """
    earlier = _previous_minute(conn, slot, version, at)
    if earlier is None:
        return None
    value, behind = earlier
    key = (slot, (version, at))
    left = _left_to_the_warmer(conn, slot, key[1], compute, behind)
    if left is not None:
        return (value,) if left else None  # type: ignore[return-value]
    with _turning_lock:
        if key in _turning:
            return (value,)  # type: ignore[return-value]
        _turning.add(key)
    recount = _in_background(_count_anew, conn.engine, slot, enterprise_id, at, compute)
    recount.add_done_callback(lambda _: _forget_turning(key))
    return (value,)  # type: ignore[return-value]


def _previous_minute(
    conn: Connection, slot: Hashable, version: int, at: dt.datetime
) -> tuple[object, dt.timedelta] | None:
    """The question's latest earlier answer at the *same* version, at most
    ``MINUTE_TURN_GRACE`` back, and how far back; None unless the question is asked from
    outside (not within another's computation, not by the warmer) about 'now' (the current
    minute's end or start) and its answer for ``at`` is not in this process's memo."""
    if _computing.depth or warming() or (slot, (version, at)) in memo:
        return None
    now = utc_at(_hot.clocks.get(str(conn.engine.url), time.time)())
    if at != _bucket(now) and at != _floor(now):  # not 'now' (the API's minute end, a page's minute start)
        return None
    earlier = memo.latest(slot, at)
    if earlier is None:
        return None
    (earlier_version, earlier_at), value = earlier  # type: ignore[misc]
    if earlier_version != version or not at - MINUTE_TURN_GRACE <= earlier_at < at:
        return None
    return value, at - earlier_at


def _left_to_the_warmer(
    conn: Connection, slot: Hashable, stamp: tuple[int, dt.datetime], compute: Compute[T], behind: dt.timedelta
) -> bool | None:
    """Whether a serving process leaves the new minute's count to the machine's warmer (in
    the supervising process, told the question) instead of counting it in its own background:
    True while the warmer counts it, False once its answer is there to read, None when the
    warmer is not the one to count it.

    A count of a large ledger is seconds of Python: in a serving process it holds the
    interpreter lock the requests need, and every request it serves meanwhile waits (the
    slowest API answers and page views on large PostgreSQL were these). The warmer counts the
    minute at a lower priority in a process of its own. It is given one minute: an earlier
    answer older than the previous minute's (the warmer fell behind) is recounted here as before.
    """
    shared = _shared
    if (
        shared is None
        or str(conn.engine.url) not in _hot.elsewhere
        or not isinstance(compute, Question)  # only a Question is told to the warmer
        or behind > NOW_GRANULARITY
    ):
        return None
    return not shared.has(slot, stamp)


def _forget_turning(key: Hashable) -> None:
    with _turning_lock:
        _turning.discard(key)


def _count_anew(engine: Engine, slot: Hashable, enterprise_id: int, at: dt.datetime, compute: Compute[T]) -> T:
    """The answer at the version current now, on a connection of its own (a background count)."""
    with engine.connect() as own:
        return _answer(own, slot, enterprise_id, current_version(own, enterprise_id), at, compute)


class _Depth(threading.local):
    depth = 0


# How deep this thread is in memoised computations (a question asked within another's is exact).
_computing = _Depth()


def _answer(conn: Connection, slot: Hashable, enterprise_id: int, version: int, at: dt.datetime, compute: Compute[T]) -> T:
    stamp = (version, at)
    found, value = memo.get(slot, stamp)
    if found:
        return value  # type: ignore[return-value]
    # Single flight: when a new minute or version starts, 16 requests asking the same question
    # wait for one computation instead of running 16 (which, sharing the GIL, all finish late).
    flight = _flight((slot, stamp))  # held here: the registry keeps flights only while someone does
    with flight.lock:
        found, value = memo.get(slot, stamp)
        if found:
            return value  # type: ignore[return-value]
        shared = _shared
        if shared is None:
            return _compute_and_keep(conn, slot, stamp, enterprise_id, compute)
        # The same single flight across the machine's serving processes.
        with shared.computing(slot, stamp):
            found, value = shared.get(slot, stamp)
            if found:
                memo.put(slot, stamp, value)
                return value  # type: ignore[return-value]
            return _compute_and_keep(conn, slot, stamp, enterprise_id, compute, shared)


def _compute_and_keep(
    conn: Connection, slot: Hashable, stamp: tuple[int, dt.datetime], enterprise_id: int, compute: Compute[T],
    shared: "SharedAnswers | None" = None,
) -> T:
    version, at = stamp
    _computing.depth += 1
    try:
        result = compute(conn, at)
    finally:
        _computing.depth -= 1
    if current_version(conn, enterprise_id) == version and not wrote_in_transaction(conn):
        memo.put(slot, stamp, result)
        if shared is not None:
            shared.put(slot, stamp, result)
    return result


# The answers shared with the machine's other serving processes (``share_answers``), if any.
_shared: "SharedAnswers | None" = None


def share_answers(directory: Path | None, *, clear: bool = False) -> None:
    """Share computed answers with the other processes serving from the same data directory
    (``serve --workers N``); None stops sharing. ``clear`` empties the directory first (the
    supervising process, before it starts the workers)."""
    global _shared
    if directory is None:
        _shared = None
        return
    from seatledger.licensing.shared_answers import SharedAnswers

    shared = SharedAnswers(directory, keep=STAMPS_PER_SLOT)
    if clear:
        shared.clear()
    _shared = shared


# How many writes behind an earlier answer may be to be shown while its recount runs.
STALE_VERSIONS = 10_000

# -- answers that may not wait ---------------------------------------------------------------

_background: ThreadPoolExecutor | None = None
_background_lock = threading.Lock()
_pending: "set[Future[Any]]" = set()


def _in_background(fn: Callable[..., T], *args: Any) -> "Future[T]":
    """Run ``fn(*args)`` in the recount threads; :func:`settle` waits for everything sent there."""
    global _background
    with _background_lock:
        if _background is None:
            _background = ThreadPoolExecutor(max_workers=2, thread_name_prefix="seatledger-recount")
        future = _background.submit(fn, *args)
        _pending.add(future)
    future.add_done_callback(_pending.discard)
    return future


def settle(timeout: float | None = None) -> None:
    """Wait until the counts sent to the background so far are done (tests; a clean stop)."""
    with _background_lock:
        pending = list(_pending)
    wait(pending, timeout=timeout)


def memoized_within(
    conn: Connection, name: str, enterprise_id: int, args: Hashable, at: dt.datetime,
    compute: Compute[T], wait_s: float,
) -> tuple[T, dt.datetime | None]:
    """Like :func:`memoized`, but a person waits at most ``wait_s`` seconds for a recount.

    Returns ``(answer, None)`` when the answer at ``at`` and the current version is known or
    computed in time. Otherwise the computation goes on in the background (the next view, or
    the warmer, finds it) and the question's latest earlier answer comes back with the instant it
    counted at: ``(older answer, its instant)``. With no earlier answer it raises
    :class:`StillCounting` (the computation goes on; asking again finds it). A connection whose
    transaction wrote always waits (the write is visible only to it). As the minute turns with
    the machine's warmer counting the new one, the previous minute's answer at the same version
    comes back as :func:`memoized` gives it: ``(answer, None)``.
    """
    asked = _ask(conn, name, enterprise_id, args, at, compute)
    if asked is None:
        return compute(conn, at), None
    version, slot = asked
    found, value = memo.get(slot, (version, at))
    if found:
        return value, None  # type: ignore[return-value]
    earlier = _previous_minute(conn, slot, version, at)
    if earlier is not None and _left_to_the_warmer(conn, slot, (version, at), compute, earlier[1]):
        return earlier[0], None  # type: ignore[return-value]
    future = _in_background(_count_anew, conn.engine, slot, enterprise_id, at, compute)
    try:
        return future.result(timeout=wait_s), None
    except TimeoutError:
        pass
    earlier = memo.latest(slot, at)
    if earlier is None and _shared is not None:
        earlier = _shared.latest(slot, at)  # counted by another process: the warmer's seed, a worker
    # Only this ledger's own earlier answer: a re-created database at the same URL starts at a
    # random version, far from (or below) the one remembered.
    if earlier is None or not 0 <= version - earlier[0][0] <= STALE_VERSIONS:  # type: ignore[index]
        raise StillCounting(at)
    stamp, value = earlier
    return value, stamp[1]  # type: ignore[index,return-value]


class StillCounting(Exception):
    """A first answer takes longer than its asker may wait; it is being computed in the
    background, and asking again later finds it (a page says so and reloads itself)."""

    def __init__(self, at: dt.datetime) -> None:
        super().__init__(f"still counting the answer at {at:%Y-%m-%d %H:%M:%S}")
        self.at = at


# -- warm ahead ------------------------------------------------------------------------------

# How a question asks for 'now': at the end of the minute (the engine's bucket), at its start
# (the pages), at the start of the day (a page whose answer changes only with the date, such
# as the month's metered usage: counted once a day and after each write, not every minute), or
# without an instant (history by day).
CEILING, FLOOR, DAY, TIMELESS_KIND = "ceiling", "floor", "day", "timeless"


def _floor(now: dt.datetime) -> dt.datetime:
    return now.replace(second=0, microsecond=0)


def day_start(now: dt.datetime) -> dt.datetime:
    """The instant a question that depends only on the date asks at (midnight, UTC)."""
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def _kind(at: dt.datetime, now: dt.datetime) -> str | None:
    if at == TIMELESS:
        return TIMELESS_KIND
    if at == _bucket(now) or at == _bucket(now - dt.timedelta(seconds=1)):
        return CEILING
    # (In a day's first minute its start is that minute's floor too: FLOOR, for that minute.)
    if at == _floor(now) or at == _floor(now - dt.timedelta(seconds=1)):
        return FLOOR
    if at == day_start(now) or at == day_start(now - dt.timedelta(seconds=1)):
        return DAY
    return None  # an explicit instant: not a question about 'now'


def _instant_of(kind: str, now: dt.datetime) -> dt.datetime:
    if kind == TIMELESS_KIND:
        return TIMELESS
    return _bucket(now) if kind == CEILING else _floor(now) if kind == FLOOR else day_start(now)


@dataclass
class _Question:
    enterprise_id: int
    compute: Compute[object]
    asked: dict[str, float] = field(default_factory=dict)  # kind -> wall clock last asked
    cost_s: float = 0.0
    seeded: str | None = None  # a kind: count once for 'now' (:meth:`Warmer.seed`)


class _HotQuestions:
    """The warmable questions asked lately, per slot (only while a warmer runs for the database,
    here or in the supervising process: :func:`warm_elsewhere`)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._questions: dict[Hashable, _Question] = {}
        self.clocks: dict[str, Callable[[], float]] = {}  # engine URL -> its warmer's clock
        self.elsewhere: set[str] = set()  # engine URLs whose warmer runs in another process
        self._told: dict[tuple[Hashable, str], float] = {}  # (slot, kind) -> when last told it

    def asked(
        self, engine: Engine, slot: Hashable, enterprise_id: int, at: dt.datetime,
        compute: Compute[object],
    ) -> None:
        url = str(engine.url)
        clock = self.clocks.get(url)
        if clock is None or warming():
            return  # no warmer for this database, or the warmer's own asking
        wall = clock()
        kind = _kind(at, utc_at(wall))
        if kind is None:
            return
        if url in self.elsewhere:
            self._tell(slot, kind, enterprise_id, compute, wall)
            return
        self.merge(slot, enterprise_id, compute, kind, wall)

    def merge(self, slot: Hashable, enterprise_id: int, compute: Compute[object], kind: str, wall: float) -> None:
        with self._lock:
            q = self._questions.get(slot)
            if q is None:
                q = self._questions[slot] = _Question(enterprise_id, compute)
            q.compute = compute
            q.asked[kind] = max(wall, q.asked.get(kind, wall))

    def _tell(self, slot: Hashable, kind: str, enterprise_id: int, compute: Compute[object], wall: float) -> None:
        """Note the question for the warmer of the supervising process, at most every
        ``TELL_EVERY_S`` per question and way of asking (it stays hot for ``HOT_TTL``)."""
        shared = _shared
        key = (slot, kind)
        with self._lock:
            if shared is None or wall - self._told.get(key, -TELL_EVERY_S) < TELL_EVERY_S:
                return
            if len(self._told) >= MAX_TOLD:
                self._told = {k: w for k, w in self._told.items() if wall - w < HOT_TTL.total_seconds()}
            self._told[key] = wall
        if not isinstance(compute, Question):
            return  # a closure does not pickle: this process counts it itself when asked
        shared.note_asked(slot, kind, (slot, enterprise_id, compute), wall)

    def put(self, slot: Hashable, q: _Question) -> None:
        with self._lock:
            self._questions.setdefault(slot, q)

    def of(self, url: str) -> list[tuple[Hashable, _Question]]:
        with self._lock:
            return [(slot, q) for slot, q in self._questions.items() if slot[0] == url]  # type: ignore[index]

    def forget(self, slot: Hashable) -> None:
        with self._lock:
            self._questions.pop(slot, None)

    def clear(self) -> None:
        with self._lock:
            self._questions.clear()
            self._told.clear()


_hot = _HotQuestions()
# A serving process tells a question to the supervising process's warmer at most this often,
# and remembers when it told at most this many questions (the cold ones are forgotten first).
TELL_EVERY_S = 30.0
MAX_TOLD = 4096
# How much lower than the serving processes' the CPU priority of that warmer's thread is
# (Linux ``nice``): a count ahead of time yields to the people asking now.
WARMER_NICE = 5


def warm_elsewhere(engine: Engine, *, clock: Callable[[], float] = time.time) -> None:
    """This process serves, and the warmer for ``engine``'s database runs in the supervising
    process (``serve --workers N``): the questions asked here about 'now' are told to it through
    the shared answers (:func:`share_answers` first), and this process counts ahead nothing."""
    url = str(engine.url)
    _hot.clocks[url] = clock
    _hot.elsewhere.add(url)
_warming = threading.local()


def warming() -> bool:
    """Whether this thread is a warmer's: its work is ahead of time, so it should leave the
    machine's other cores to the people asking now (count one part after another)."""
    return bool(getattr(_warming, "active", False))


class Warmer:
    """Keeps one database's recently asked questions answered at the current version, for the
    current minute and, close to its end, the next. ``run_once`` does one round (tests call it
    under their own clock); ``start`` runs a round every ``interval`` seconds in a daemon thread.
    One warmer per database and process."""

    def __init__(
        self, engine: Engine, *, clock: Callable[[], float] = time.time, interval: float = 1.0,
        gather: bool = False, nice: int = 0,
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.interval = interval
        self.url = str(engine.url)
        # gather: also warm what the serving processes told (the supervising process's warmer).
        self.gather = gather
        self.nice = nice
        self._known: dict[str, tuple[Hashable, int, Compute[object]] | None] = {}  # told questions read
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        _hot.clocks[self.url] = clock
        _hot.elsewhere.discard(self.url)

    def keep(
        self, name: str, enterprise_id: int, args: Hashable, compute: Compute[object],
        *, kind: str = FLOOR,
    ) -> None:
        """Keep a question warm as if it had just been asked 'now' (``kind``), without a request
        asking it. (``serve`` seeds its start-up pages with :meth:`seed`, counted once.)"""
        slot = _slot(self.url, name, enterprise_id, args, TIMELESS)  # the slot every minute instant shares
        q = _Question(enterprise_id, compute)
        q.asked[kind] = self.clock()
        _hot.put(slot, q)

    def seed(self, name: str, enterprise_id: int, args: Hashable, compute: Compute[object], *, kind: str = FLOOR) -> None:
        """Count a question once, for 'now' asked as ``kind``, without keeping it warm: a server
        seeds the pages people open first, so that a first view finds numbers (these, or, after
        the minute, these with the instant they are from while the page counts anew). Once
        someone asks it, it is warm like any question. (Kept warm from start-up, a large
        enterprise's Licensing pages were counted again every minute for nobody: a quarter of
        a 2-core machine on large PostgreSQL.)"""
        slot = _slot(self.url, name, enterprise_id, args, TIMELESS)
        _hot.put(slot, _Question(enterprise_id, compute, seeded=kind))

    def start(self) -> "Warmer":
        started = threading.Event()
        self._thread = threading.Thread(target=self._loop, args=(started,), name="seatledger-warmer", daemon=True)
        self._thread.start()
        started.wait()  # its priority is set before anything else runs
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=120)
            self._thread = None
        if _hot.clocks.get(self.url) is self.clock:
            _hot.clocks.pop(self.url, None)
        for slot, _q in _hot.of(self.url):
            _hot.forget(slot)

    def _loop(self, started: threading.Event) -> None:
        if self.nice and sys.platform.startswith("linux"):
            # Linux keeps a nice value per thread: only this one yields.
            with contextlib.suppress(OSError):
                os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), self.nice)
        started.set()
        while not self._stop.wait(self.interval):
            try:
                self.run_once()
            except Exception:  # noqa: BLE001 - soft state: a failed round is retried next time
                log.exception("warming the memo failed")

    def run_once(self) -> int:
        """One round: compute what is missing; returns the number of answers computed."""
        if memo.size <= 0:
            return 0
        wall = self.clock()
        now = utc_at(wall)
        _warming.active = True
        try:
            if self.gather:
                self._gather(wall)
            return self._round(now, wall)
        finally:
            _warming.active = False

    def _round(self, now: dt.datetime, wall: float) -> int:
        computed = 0
        # The cheapest first: when the round cannot all be counted before the minute turns, the
        # most answers are ready (a page's parts asked by others cost little once it counted).
        questions = sorted(_hot.of(self.url), key=lambda sq: sq[1].cost_s)
        # What each minute costs: the questions asked by the minute (a day's question is counted
        # once a day and after writes).
        round_cost = sum(q.cost_s for _, q in questions if q.asked.keys() & {CEILING, FLOOR})
        with self.engine.connect() as conn:
            for slot, q in questions:
                if self._stop.is_set():
                    break
                targets = self._targets(q, now, wall, round_cost)
                if not targets:
                    _hot.forget(slot)
                    continue
                try:
                    version = current_version(conn, q.enterprise_id)
                    for at in targets:
                        if (slot, (version, at)) in memo:
                            continue
                        started = time.perf_counter()
                        _answer(conn, slot, q.enterprise_id, version, at, q.compute)
                        q.cost_s = time.perf_counter() - started
                        computed += 1
                except Exception:  # noqa: BLE001 - e.g. the enterprise is gone: stop asking
                    log.debug("warming %r failed; forgetting it", slot, exc_info=True)
                    _hot.forget(slot)
                conn.rollback()  # a fresh snapshot for the next question
        return computed

    def _gather(self, wall: float) -> None:
        """Take in the questions the serving processes told lately (``share_answers``)."""
        shared = _shared
        if shared is None:
            return
        seen: set[str] = set()
        for name, kind, when, path in shared.asked_since(wall - HOT_TTL.total_seconds()):
            seen.add(name)
            if name not in self._known:
                told = shared.read_question(path)
                ok = isinstance(told, tuple) and len(told) == 3 and told[0][0] == self.url  # type: ignore[index]
                self._known[name] = told if ok else None  # type: ignore[assignment]
            known = self._known[name]
            if known is not None:
                slot, enterprise_id, compute = known
                _hot.merge(slot, enterprise_id, compute, kind, when)
        for gone in self._known.keys() - seen:  # notes deleted as cold: read again if told again
            del self._known[gone]

    def _targets(self, q: _Question, now: dt.datetime, wall: float, round_cost: float) -> list[dt.datetime]:
        """The instants to have ready: the current one of each way the question was asked lately,
        and the next minute's when the minute is close to its end: early enough for this
        question, and for the whole round (``round_cost``, every hot question's last cost) to
        be counted before the minute turns."""
        lead = dt.timedelta(seconds=min(MAX_LEAD_S, max(10.0, 3 * q.cost_s, 1.5 * round_cost)))
        targets: set[dt.datetime] = set()
        if q.seeded is not None:
            targets.add(_instant_of(q.seeded, now))
            q.seeded = None
        for kind, when in list(q.asked.items()):
            if wall - when > HOT_TTL.total_seconds():
                q.asked.pop(kind, None)
                continue
            current = _instant_of(kind, now)
            targets.add(current)
            if kind != TIMELESS_KIND and _floor(now) + NOW_GRANULARITY - now <= lead:
                targets.add(_instant_of(kind, _floor(now) + NOW_GRANULARITY + dt.timedelta(seconds=1)))
        return sorted(targets)


def forget_hot_questions() -> None:
    """Drop every question the warmers keep (tests start from nothing)."""
    _hot.clear()
    for url in _hot.elsewhere:
        _hot.clocks.pop(url, None)
    _hot.elsewhere.clear()
