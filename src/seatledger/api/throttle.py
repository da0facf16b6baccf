"""The per-token primary rate limit: a fixed one-hour window counted in the database.

Every authenticated request adds one to its token's window. The window lives in the database
(``api_rate_windows``, atomic upserts), so several ``serve`` processes share one count. Writing
it on every request cost a write transaction per request (and, on SQLite, a write lock that
every serving process queues for), so each process keeps a :class:`RateCounter`:

- the first request of a token's window in a process, and every request while the count is
  within :func:`write_through_margin` of the limit, is counted in the database at once (with
  whatever this process had not written yet), so the answer near and past the limit is exact;
- other requests are counted in memory and written in one upsert at the next request once
  :data:`FLUSH_INTERVAL_S` has passed (and when the app stops).

In one process every request's ``X-RateLimit-Used`` is exact (the database's count plus the
requests not yet written). With several processes, one sees the others' requests once they
wrote them: at most ``FLUSH_INTERVAL_S`` late, and never within the margin of the limit.
Past ``settings.rate_limit_per_hour`` the request gets GitHub's primary-rate-limit answer:
403 with ``X-RateLimit-Remaining: 0`` and ``Retry-After``.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass
from typing import Callable

import sqlalchemy as sa
from fastapi import Request
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from seatledger.db.clock import utcnow
from seatledger.db.tables_api import api_rate_windows as w
from seatledger.errors import PermissionDenied

WINDOW = dt.timedelta(hours=1)
RESOURCE = "core"
# Requests counted in memory are written at the first request after this many seconds.
FLUSH_INTERVAL_S = 1.0


def write_through_margin(limit: int) -> int:
    """Within this many requests of the limit, every request is counted in the database."""
    return max(100, limit // 20)


@dataclass(frozen=True)
class RateState:
    limit: int
    used: int
    reset: int  # epoch seconds when the window ends

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.used)

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Used": str(self.used),
            "X-RateLimit-Reset": str(self.reset),
            "X-RateLimit-Resource": RESOURCE,
        }


class RateLimitExceeded(PermissionDenied):
    """The token used up its hourly requests (403, as GitHub's primary rate limit)."""

    def __init__(self, message: str, headers: dict[str, str]) -> None:
        super().__init__(message)
        self.headers = headers


def window_start(now: dt.datetime) -> dt.datetime:
    return now.replace(minute=0, second=0, microsecond=0)


def _epoch(naive_utc: dt.datetime) -> int:
    return int(naive_utc.replace(tzinfo=dt.timezone.utc).timestamp())


def _increment(conn: sa.Connection, token_id: int, start: dt.datetime, n: int = 1) -> int:
    """Add ``n`` to the window's count; the count after."""
    values = {"token_id": token_id, "window_start": start, "used": n}
    if conn.dialect.name in ("postgresql", "sqlite"):
        insert = (postgresql if conn.dialect.name == "postgresql" else sqlite).insert(w).values(**values)
        stmt = insert.on_conflict_do_update(
            index_elements=[w.c.token_id, w.c.window_start], set_={"used": w.c.used + n}
        ).returning(w.c.used)
        return int(conn.execute(stmt).scalar_one())
    updated = conn.execute(
        sa.update(w).where(w.c.token_id == token_id, w.c.window_start == start).values(used=w.c.used + n)
    ).rowcount
    if not updated:
        conn.execute(sa.insert(w).values(**values))
    return int(
        conn.execute(sa.select(w.c.used).where(w.c.token_id == token_id, w.c.window_start == start)).scalar_one()
    )


def _write(engine: Engine, token_id: int, start: dt.datetime, n: int) -> int:
    with engine.begin() as conn:
        used = _increment(conn, token_id, start, n)
        if used == n:  # a new window: old ones are of no further use
            conn.execute(sa.delete(w).where(w.c.token_id == token_id, w.c.window_start < start))
    return used


@dataclass
class _Window:
    start: dt.datetime
    written: int  # the window's count in the database, as last written or read by this process
    pending: int = 0  # requests counted here and not yet written
    writing: int = 0  # requests being written right now
    since: float = 0.0  # when the oldest pending request was counted (the counter's clock)


class RateCounter:
    """This process's view of the token windows (one per app; thread-safe)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._windows: dict[int, _Window] = {}
        self._next_sweep = 0.0

    def add(self, engine: Engine, token_id: int, start: dt.datetime, limit: int) -> int:
        """Count one request of ``token_id`` in the window starting at ``start``; the count
        including it."""
        now = self.clock()
        with self._lock:
            sweep = now >= self._next_sweep
            if sweep:
                self._next_sweep = now + FLUSH_INTERVAL_S
            win = self._windows.get(token_id)
            if win is not None and win.start == start:
                used = win.written + win.writing + win.pending + 1
                fresh = win.pending == 0 or now - win.since < FLUSH_INTERVAL_S
                if fresh and limit - used >= write_through_margin(limit):
                    if win.pending == 0:
                        win.since = now
                    win.pending += 1
                    local = True
                else:
                    local = False
                    n = win.pending + 1
                    win.pending = 0
                    win.writing += n
            else:
                local = False
                n = 1
                win = self._windows[token_id] = _Window(start=start, written=0, writing=1)
        if not local:
            used = self._write(engine, token_id, win, n)
        if sweep:
            self._flush_stale(engine, now)
        return used

    def unwritten(self, token_id: int, start: dt.datetime) -> int:
        """Requests of this window counted here and not yet in the database."""
        with self._lock:
            win = self._windows.get(token_id)
            return win.pending + win.writing if win is not None and win.start == start else 0

    def _flush_stale(self, engine: Engine, now: float) -> None:
        # Tokens that went quiet: write what they left in memory.
        with self._lock:
            stale = [
                (token_id, win)
                for token_id, win in self._windows.items()
                if win.pending and now - win.since >= FLUSH_INTERVAL_S
            ]
        for token_id, win in stale:
            self._write_pending(engine, token_id, win)

    def _write_pending(self, engine: Engine, token_id: int, win: _Window) -> None:
        with self._lock:
            n, win.pending = win.pending, 0
            win.writing += n
        if n:
            self._write(engine, token_id, win, n)

    def _write(self, engine: Engine, token_id: int, win: _Window, n: int) -> int:
        """Write ``n`` requests already moved to ``win.writing``; the window's count after."""
        try:
            used = _write(engine, token_id, win.start, n)
        finally:
            with self._lock:
                win.writing -= n
        with self._lock:
            win.written = max(win.written, used - win.writing)
        return used

    def flush(self, engine: Engine) -> None:
        """Write every request counted in memory (the app stops)."""
        with self._lock:
            windows = list(self._windows.items())
        for token_id, win in windows:
            self._write_pending(engine, token_id, win)


def counter_of(request: Request) -> RateCounter:
    """The app's rate counter (``api.mount`` makes it)."""
    counter: RateCounter = request.app.state.rate_counter
    return counter


def consume(request: Request, engine: Engine, token_id: int, user_id: int) -> RateState:
    """Count one request for ``token_id``; raise RateLimitExceeded past the limit. The state
    is left on ``request.state.rate_limit`` for the response headers."""
    limit = request.app.state.settings.rate_limit_per_hour
    now = utcnow()
    start = window_start(now)
    used = counter_of(request).add(engine, token_id, start, limit)
    reset = _epoch(start + WINDOW)
    state = RateState(limit=limit, used=min(used, limit), reset=reset)
    request.state.rate_limit = state
    if used > limit:
        retry_after = max(1, reset - _epoch(now))
        raise RateLimitExceeded(
            f"API rate limit exceeded for user ID {user_id}.",
            {**state.headers(), "Retry-After": str(retry_after)},
        )
    return state


def peek(request: Request, engine: Engine, token_id: int) -> RateState:
    """The current window of ``token_id`` without counting a request."""
    limit = request.app.state.settings.rate_limit_per_hour
    start = window_start(utcnow())
    with engine.connect() as conn:
        used = conn.execute(sa.select(w.c.used).where(w.c.token_id == token_id, w.c.window_start == start)).scalar()
    used = int(used or 0) + counter_of(request).unwritten(token_id, start)
    state = RateState(limit=limit, used=min(used, limit), reset=_epoch(start + WINDOW))
    request.state.rate_limit = state
    return state
