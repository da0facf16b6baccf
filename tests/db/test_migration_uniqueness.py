"""Migration 0005_uniqueness_open_rows on a ledger that already breaks its rules: the earliest
row of each rule is kept as it was, the later ones are settled, and the indexes are created
(both databases, each on a scratch ledger of its own)."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from seatledger.db import create_engine, migrate
from seatledger.db import tables as t
from seatledger.db.tables_exports import export_jobs

T0 = dt.datetime(2026, 1, 1)


@pytest.fixture
def scratch(db_url: str, tmp_path: Path) -> Iterator[Engine]:
    """An empty ledger migrated only up to 0004_usage_report_jobs: a SQLite file, or a
    PostgreSQL database made beside the worker's own (``db_url``) and dropped afterwards."""
    if db_url.startswith("sqlite"):
        engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
        migrate(engine, "0004_usage_report_jobs")
        yield engine
        engine.dispose()
        return
    admin = sa.create_engine(db_url, isolation_level="AUTOCOMMIT")
    name = f"seatledger_mig_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine = create_engine(db_url.rsplit("/", 1)[0] + f"/{name}")
    try:
        migrate(engine, "0004_usage_report_jobs")
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_migration_0005_keeps_the_earliest_of_each_duplicate_and_settles_the_others(scratch: Engine) -> None:
    later = T0 + dt.timedelta(days=1)
    with scratch.begin() as conn:
        conn.execute(sa.insert(t.enterprises).values(id=1, slug="acme", name="Acme", created_at=T0))
        conn.execute(sa.insert(t.organizations).values(id=1, enterprise_id=1, login="octo", created_at=T0))
        conn.execute(
            sa.insert(t.users).values(id=1, enterprise_id=1, login="ann", created_at=T0, dormant=False, is_bot=False)
        )
        for seat_id, created in ((1, T0), (2, later)):
            conn.execute(
                sa.insert(t.copilot_seats).values(
                    id=seat_id, organization_id=1, user_id=1, plan="business", created_at=created
                )
            )
        for center_id, created in (("c1", T0), ("c2", later)):
            conn.execute(
                sa.insert(t.cost_centers).values(id=center_id, enterprise_id=1, name="Platform", created_at=created)
            )
        for job_id, created in ((1, T0), (2, later)):
            conn.execute(
                sa.insert(export_jobs).values(
                    id=job_id,
                    requester_user_id=1,
                    kind="license-usage",
                    scope="enterprise:acme",
                    status="queued",
                    created_at=created,
                    attempts=0,
                )
            )
    migrate(scratch)
    with scratch.connect() as conn:
        seats = conn.execute(sa.select(t.copilot_seats.c.id, t.copilot_seats.c.ended_at).order_by("id")).all()
        centers = conn.execute(sa.select(t.cost_centers.c.id, t.cost_centers.c.name).order_by("id")).all()
        jobs = conn.execute(
            sa.select(export_jobs.c.id, export_jobs.c.status, export_jobs.c.reason).order_by("id")
        ).all()
    assert [tuple(r) for r in seats] == [(1, None), (2, later)]  # ends as it began: covered by seat 1
    assert [tuple(r) for r in centers] == [("c1", "Platform"), ("c2", "Platform (c2)")]
    assert [tuple(r) for r in jobs] == [(1, "queued", None), (2, "failed", "a duplicate of a request still pending")]
    with pytest.raises(sa.exc.IntegrityError), scratch.begin() as conn:
        conn.execute(sa.insert(t.copilot_seats).values(organization_id=1, user_id=1, plan="business", created_at=later))
