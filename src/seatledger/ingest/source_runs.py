"""Recording each import's outcome per enterprise and source (``source_runs``): a success
with what it covered, in the import's own transaction; a failure with its reason, in a
transaction of its own after the import's rolled back, so a failed or partial import is
never mistaken for an empty source.
"""

from __future__ import annotations

import datetime as dt
import json
from contextlib import contextmanager
from typing import Any, Iterator, Mapping

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as sa_postgresql
from sqlalchemy.dialects import sqlite as sa_sqlite
from sqlalchemy.engine import Connection, Engine

from seatledger.db import tables as t
from seatledger.db.clock import utcnow
from seatledger.db.tables_sources import source_runs
from seatledger.errors import LedgerError

SOURCES = ("sync", "webhook", "people", "server_upload", "vs_list", "git")
REASON_MAX = 1000  # characters of a failure's reason kept


def _precise_now() -> dt.datetime:
    # To the microsecond (the ledger's clock keeps seconds): a failure a moment after a
    # success in the same second must still read as the later of the two.
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def _ensure_row(conn: Connection, enterprise_id: int, source: str) -> None:
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}")
    insert = sa_postgresql.insert if conn.dialect.name == "postgresql" else sa_sqlite.insert
    conn.execute(
        insert(source_runs)
        .values(enterprise_id=enterprise_id, source=source)
        .on_conflict_do_nothing(index_elements=["enterprise_id", "source"])
    )


def record_success(
    conn: Connection, enterprise_id: int, source: str, covered: Mapping[str, Any], *, at: dt.datetime | None = None
) -> None:
    """In the import's transaction: ``source`` imported successfully, covering ``covered``
    (lists of organizations, servers, repositories; what it skipped). ``at`` is the instant its
    facts begin (the import's clock, or the source's own date): the earliest is since when the
    source has data."""
    when = at or utcnow()
    _ensure_row(conn, enterprise_id, source)
    sr = source_runs
    conn.execute(
        sa.update(sr)
        .where(sr.c.enterprise_id == enterprise_id, sr.c.source == source)
        .values(
            # The earliest start any import gave (an older export may be uploaded later).
            first_success_at=sa.case(
                (sa.or_(sr.c.first_success_at.is_(None), sr.c.first_success_at > when), when),
                else_=sr.c.first_success_at,
            ),
            last_success_at=_precise_now(),
            last_success_covered=json.dumps(dict(covered), sort_keys=True, default=str),
        )
    )


def record_failure(
    engine: Engine, enterprise: int | str, source: str, reason: str, *, at: dt.datetime | None = None
) -> None:
    """In a transaction of its own: the import of ``source`` failed for ``reason``. An
    enterprise the ledger does not have (the import failed on that) records nothing."""
    with engine.begin() as conn:
        if isinstance(enterprise, str):
            e = t.enterprises
            found = conn.execute(sa.select(e.c.id).where(e.c.slug == enterprise)).scalar()
            if found is None:
                return
            enterprise_id = int(found)
        else:
            enterprise_id = enterprise
        _ensure_row(conn, enterprise_id, source)
        sr = source_runs
        conn.execute(
            sa.update(sr)
            .where(sr.c.enterprise_id == enterprise_id, sr.c.source == source)
            .values(last_failure_at=at or _precise_now(), last_failure_reason=reason[:REASON_MAX])
        )


@contextmanager
def failure_recorded(engine: Engine, enterprise: int | str | None, source: str) -> Iterator[None]:
    """Around an import whose transaction is opened inside: a LedgerError it raises is
    recorded as the source's last failure (after the rollback), then raised on."""
    try:
        yield
    except LedgerError as exc:
        if enterprise is not None:
            record_failure(engine, enterprise, source, exc.message)
        raise
