"""Planner statistics for the ledger's tables, on both databases.

Right after a bulk load the planners know nothing of the tables: PostgreSQL (before autovacuum
runs) believes each holds a handful of rows and nests loops over thousands, and SQLite, which
has no statistics until ``ANALYZE`` runs, walks 100,000 users of an enterprise to find one
email's owner. Statistics change no data; they are refreshed after every whole-enterprise
derivation (a bulk load, a rebuild) and taken once if a ledger has never had any.
"""

from __future__ import annotations

from typing import Iterable

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

# SQLite reads this many rows of each index for its estimates: the whole `large` demo's
# statistics take a few hundredths of a second.
SQLITE_ANALYSIS_LIMIT = 1000


def analyze(conn: Connection, *tables: sa.Table) -> None:
    """Fresh statistics: of ``tables`` on PostgreSQL, of the whole ledger on SQLite (sampled)."""
    if conn.dialect.name == "postgresql":
        for table in tables:
            conn.exec_driver_sql(f'ANALYZE "{table.name}"')
    else:
        conn.exec_driver_sql(f"PRAGMA analysis_limit={SQLITE_ANALYSIS_LIMIT}")
        conn.exec_driver_sql("ANALYZE")


def ensure(conn: Connection, table_names: Iterable[str]) -> None:
    """Take statistics once if the ledger has never had any (PostgreSQL: of the tables never
    analyzed; SQLite: when the users table has none). A refusal (a read-only transaction, a
    busy database) leaves the caller's transaction as it was: only the plan suffers."""
    names = list(table_names)
    if conn.dialect.name == "postgresql":
        never = (
            conn.execute(
                sa.text(
                    "SELECT c.relname FROM pg_class c WHERE c.oid IN (SELECT to_regclass(n) FROM unnest(CAST(:names AS text[])) AS n)"
                    " AND c.reltuples < 0"
                ),
                {"names": names},
            )
            .scalars()
            .all()
        )
        if not never:
            return
        statement = "ANALYZE " + ", ".join(f'"{name}"' for name in sorted(never))
    else:
        has_stats = (
            conn.execute(sa.text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'")).first()
            and conn.execute(sa.text("SELECT 1 FROM sqlite_stat1 WHERE tbl = 'users' LIMIT 1")).first()
        )
        if has_stats:
            return
        statement = "ANALYZE"
    try:
        with conn.begin_nested():
            if conn.dialect.name != "postgresql":
                conn.exec_driver_sql(f"PRAGMA analysis_limit={SQLITE_ANALYSIS_LIMIT}")
            conn.exec_driver_sql(statement)
    except sa.exc.DBAPIError:
        pass


def settle(engine: Engine, tables: Iterable[sa.Table]) -> None:
    """After a bulk load has committed, on PostgreSQL: ``VACUUM (ANALYZE)`` the tables, so their
    counts are index-only scans at once (autovacuum would get to them within minutes; until
    it does, every count reads the table's rows too). SQLite needs nothing."""
    if engine.dialect.name != "postgresql":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in tables:
            conn.exec_driver_sql(f'VACUUM (ANALYZE) "{table.name}"')
