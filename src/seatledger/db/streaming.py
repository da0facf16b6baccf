"""Reading a long result as it arrives: a server-side cursor on PostgreSQL, batches of rows on
SQLite, never the whole result in memory at once."""

from __future__ import annotations

from typing import Any, Iterator

import sqlalchemy as sa
from sqlalchemy.engine import Connection


def stream_rows(conn: Connection, stmt: sa.Executable, batch: int) -> Iterator[sa.Row[*tuple[Any, ...]]]:
    """The rows of ``stmt``, fetched ``batch`` at a time; the cursor is closed when the
    iteration ends, early or not. Other statements may run on ``conn`` meanwhile (psycopg and
    sqlite3 both allow it)."""
    # On the statement, not the connection: Connection.execution_options() changes the
    # caller's connection in place (a later INSERT would run as a server-side cursor).
    result = conn.execute(stmt.execution_options(yield_per=batch))
    try:
        yield from result
    finally:
        result.close()
