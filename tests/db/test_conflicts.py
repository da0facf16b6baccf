"""Writes that race: a transaction a unique index refused runs again and reads what the other
writer committed; a write that can never succeed stops after a few attempts."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from seatledger.db import tables as t
from seatledger.db.conflicts import CONFLICT_ATTEMPTS, upsert_insert, write_retrying_conflicts
from seatledger.db.ledger import Ledger
from seatledger.db.tables_web import signin_failures

e = t.enterprises


def _slug_id(conn: Connection, slug: str) -> int | None:
    return conn.execute(sa.select(e.c.id).where(e.c.slug == slug)).scalar()


def test_a_write_refused_by_a_unique_index_runs_again_and_reads_the_committed_row(engine: Engine) -> None:
    with engine.begin() as conn:
        existing = Ledger(conn).add_enterprise("acme")
    attempts: list[int] = []

    def create_once(conn: Connection) -> int:
        # The first run believes "not there yet" (as a racing request would) and inserts.
        attempts.append(1)
        found = _slug_id(conn, "acme") if len(attempts) > 1 else None
        if found is not None:
            return found
        return Ledger(conn).add_enterprise("acme")

    assert write_retrying_conflicts(engine, create_once) == existing
    assert len(attempts) == 2
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(e)).scalar() == 1


def test_a_write_that_always_conflicts_gives_up_after_the_last_attempt(engine: Engine) -> None:
    with engine.begin() as conn:
        Ledger(conn).add_enterprise("acme")
    attempts: list[int] = []

    def always(conn: Connection) -> int:
        attempts.append(1)
        return Ledger(conn).add_enterprise("acme")

    with pytest.raises(IntegrityError):
        write_retrying_conflicts(engine, always)
    assert len(attempts) == CONFLICT_ATTEMPTS


def test_the_dialects_insert_skips_a_conflicting_row_without_aborting_the_transaction(engine: Engine) -> None:
    # signin_failures is one of the tables the product writes this way (web/signin_throttle.py).
    f = signin_failures
    at = dt.datetime(2026, 3, 1, 9, 0)
    with engine.begin() as conn:
        insert = upsert_insert(conn)
        conn.execute(insert(f).values(key="login:ann", failures=1, last_failed_at=at))
        conn.execute(
            insert(f)
            .values(key="login:ann", failures=9, last_failed_at=at)
            .on_conflict_do_nothing(index_elements=[f.c.key])
        )
        assert conn.execute(sa.select(f.c.failures).where(f.c.key == "login:ann")).scalar_one() == 1
        conn.execute(
            insert(f)
            .values(key="login:ann", failures=2, last_failed_at=at)
            .on_conflict_do_update(index_elements=[f.c.key], set_={"failures": 2})
        )
        conn.execute(insert(f).values(key="addr:10.0.0.1", failures=1, last_failed_at=at))  # the transaction goes on
    with engine.connect() as conn:
        assert {r.key: r.failures for r in conn.execute(sa.select(f.c.key, f.c.failures))} == {
            "login:ann": 2,
            "addr:10.0.0.1": 1,
        }
