"""What importers have read: each source's keys read, with the point to resume from."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as sa_postgresql
from sqlalchemy.dialects import sqlite as sa_sqlite

from seatledger.db import tables as t
from seatledger.db.clock import utcnow
from seatledger.db.ledger_writer import LedgerWriter
from seatledger.validation import check_row


class IngestRunWrites(LedgerWriter):
    """Ingest runs and their checkpoints."""

    def ingest_checkpoint(self, source: str, key: str) -> str | None:
        """The resume point an importer saved for ``(source, key)``, or None."""
        ir = t.ingest_runs
        return self.conn.execute(sa.select(ir.c.checkpoint).where(ir.c.source == source, ir.c.key == key)).scalar()

    def claim_ingest_run(self, source: str, key: str, *, at: dt.datetime | None = None) -> bool:
        """Record ``key`` of ``source`` as read unless it already is; False if it was. A
        concurrent claim of the same key waits for the first to commit or roll back, so of
        two transactions claiming one key exactly one goes on."""
        ir = t.ingest_runs
        values = {"source": source, "key": key, "finished_at": at or utcnow()}
        check_row(ir, values)
        insert = sa_postgresql.insert if self.conn.dialect.name == "postgresql" else sa_sqlite.insert
        claimed = self.conn.execute(insert(ir).values(**values).on_conflict_do_nothing().returning(ir.c.id)).first()
        return claimed is not None

    def has_ingest_run(self, source: str, key: str) -> bool:
        ir = t.ingest_runs
        return self.conn.execute(sa.select(ir.c.id).where(ir.c.source == source, ir.c.key == key)).first() is not None

    def save_ingest_run(
        self, source: str, key: str, checkpoint: str | None = None, *, at: dt.datetime | None = None
    ) -> None:
        """Record that ``key`` of ``source`` was read, with the resume point to start from next."""
        ir = t.ingest_runs
        updated = self.conn.execute(
            sa.update(ir)
            .where(ir.c.source == source, ir.c.key == key)
            .values(checkpoint=checkpoint, finished_at=at or utcnow())
        ).rowcount
        if not updated:
            self._insert(ir, source=source, key=key, checkpoint=checkpoint, finished_at=at or utcnow())

    def delete_ingest_runs(self, source: str, key_prefix: str) -> int:
        ir = t.ingest_runs
        return self.conn.execute(
            sa.delete(ir).where(ir.c.source == source, ir.c.key.startswith(key_prefix, autoescape=True))
        ).rowcount
