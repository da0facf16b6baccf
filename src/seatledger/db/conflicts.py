"""Writes that race: run a transaction again when a unique index refused it.

Two requests that both read "no such row yet" and both insert one meet at a unique index
(migration 0005): the second's transaction fails with an IntegrityError. Running that whole
transaction again, once the first has committed, reads the row the first wrote and gives the
answer a request made a moment later would get (the existing seat, "already exists").
"""

from __future__ import annotations

from typing import Any, Callable, TypeVar

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

T = TypeVar("T")

# A conflict means another writer committed the row we wanted; one more run reads it. More
# than this many conflicts in a row is not a race but a write that can never succeed.
CONFLICT_ATTEMPTS = 3

__all__ = ["CONFLICT_ATTEMPTS", "upsert_insert", "write_retrying_conflicts"]


def write_retrying_conflicts(engine: Engine, write: Callable[[Connection], T]) -> T:
    """``write`` in a transaction of its own, run again (at most :data:`CONFLICT_ATTEMPTS`
    times in all) when a unique index refuses it; the last IntegrityError propagates."""
    for attempt in range(1, CONFLICT_ATTEMPTS + 1):
        try:
            with engine.begin() as conn:
                return write(conn)
        except IntegrityError:
            if attempt == CONFLICT_ATTEMPTS:
                raise
    raise AssertionError("unreachable")  # the loop returns or raises


def upsert_insert(conn: Connection) -> Any:
    """The dialect's ``insert`` construct, which knows ``ON CONFLICT`` (SQLite and PostgreSQL
    spell it alike): a racing insert then waits for the other and skips or updates, without
    aborting the caller's transaction."""
    return postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
