"""Which sources assert each open fact, so a full import from one source ends only its own.

A fact (an org membership, a repository collaborator, an enterprise role, a Copilot seat, an
active Visual Studio subscription, a pending invitation, a server account) has one
``fact_sources`` row per source that asserts it. A full import that no longer lists the
fact withdraws its own row; the fact ends when no row is left. A fact with no row at all
(written before provenance, or by the demo builder or the command line) is asserted by an unknown source: the
first full import that does not list it ends it, as every import did before. Only
:class:`seatledger.db.ledger.Ledger` calls these, inside its write transaction.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from seatledger.db.tables_sources import fact_sources as fs

# The sources that assert facts (the names of source_runs where they have one).
SOURCES = ("sync", "webhook", "people", "server_upload", "vs_list", "git")


def assert_fact(conn: Connection, table: sa.Table, fact_id: int, source: str) -> None:
    """Record that ``source`` asserts the fact (nothing if it already does)."""
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}")
    key = (fs.c.fact_table == table.name, fs.c.fact_id == fact_id, fs.c.source == source)
    if conn.execute(sa.select(fs.c.fact_id).where(*key)).first() is None:
        conn.execute(sa.insert(fs).values(fact_table=table.name, fact_id=fact_id, source=source))


def withdraw(conn: Connection, table: sa.Table, fact_id: int, source: str) -> bool:
    """``source`` no longer asserts the fact; True when no source asserts it any more."""
    of_fact = (fs.c.fact_table == table.name, fs.c.fact_id == fact_id)
    conn.execute(sa.delete(fs).where(*of_fact, fs.c.source == source))
    return conn.execute(sa.select(fs.c.fact_id).where(*of_fact).limit(1)).first() is None


def asserted_by(table: sa.Table, source: str) -> sa.Select[Any]:
    """The ids of ``table``'s facts that ``source`` asserts."""
    return sa.select(fs.c.fact_id).where(fs.c.fact_table == table.name, fs.c.source == source)


def sources_of(conn: Connection, table: sa.Table, fact_id: int) -> set[str]:
    """The sources that assert the fact (empty: unknown)."""
    return set(
        conn.execute(sa.select(fs.c.source).where(fs.c.fact_table == table.name, fs.c.fact_id == fact_id)).scalars()
    )
