"""The per-token primary rate limit: a fixed one-hour window counted in the database.

Every authenticated request adds one to its token's window (an atomic upsert, so several
``serve`` processes share one count). Past ``settings.rate_limit_per_hour`` the request gets
GitHub's primary-rate-limit answer: 403 with ``X-RateLimit-Remaining: 0`` and ``Retry-After``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from fastapi import Request
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from seatledger.db.ledger import utcnow
from seatledger.db.tables_api import api_rate_windows as w
from seatledger.errors import PermissionDenied

WINDOW = dt.timedelta(hours=1)
RESOURCE = "core"


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


def _increment(conn: sa.Connection, token_id: int, start: dt.datetime) -> int:
    values = {"token_id": token_id, "window_start": start, "used": 1}
    if conn.dialect.name in ("postgresql", "sqlite"):
        insert = (postgresql if conn.dialect.name == "postgresql" else sqlite).insert(w).values(**values)
        stmt = insert.on_conflict_do_update(
            index_elements=[w.c.token_id, w.c.window_start], set_={"used": w.c.used + 1}
        ).returning(w.c.used)
        return int(conn.execute(stmt).scalar_one())
    updated = conn.execute(
        sa.update(w).where(w.c.token_id == token_id, w.c.window_start == start).values(used=w.c.used + 1)
    ).rowcount
    if not updated:
        conn.execute(sa.insert(w).values(**values))
    return int(conn.execute(sa.select(w.c.used).where(w.c.token_id == token_id, w.c.window_start == start)).scalar_one())


def consume(request: Request, engine: Engine, token_id: int, user_id: int) -> RateState:
    """Count one request for ``token_id``; raise RateLimitExceeded past the limit. The state
    is left on ``request.state.rate_limit`` for the response headers."""
    limit = request.app.state.settings.rate_limit_per_hour
    now = utcnow()
    start = window_start(now)
    with engine.begin() as conn:
        used = _increment(conn, token_id, start)
        if used == 1:  # a new window: old ones are of no further use
            conn.execute(sa.delete(w).where(w.c.token_id == token_id, w.c.window_start < start))
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
        used = conn.execute(
            sa.select(w.c.used).where(w.c.token_id == token_id, w.c.window_start == start)
        ).scalar()
    state = RateState(limit=limit, used=min(int(used or 0), limit), reset=_epoch(start + WINDOW))
    request.state.rate_limit = state
    return state
