"""The small demo the demo tests read, built once per test module on each database."""

from __future__ import annotations

import uuid
from typing import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from seatledger.db import create_engine, migrate
from seatledger.demo import build_demo
from tests.conftest import PG_ADMIN_URL, service_missing
from tests.demo.demo_ledger import ANCHOR


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """One small demo per database, built once for the read-only tests of a module."""
    if request.param == "sqlite":
        engine = create_engine(f"sqlite:///{tmp_path_factory.mktemp('demo') / 'ledger.db'}")
        migrate(engine)
        build_demo(engine, size="small", seed=1, anchor=ANCHOR)
        yield engine
        engine.dispose()
        return
    try:
        admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as exc:
        service_missing("PostgreSQL", str(exc).splitlines()[0])
    name = f"seatledger_test_demo_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine = create_engine(PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}")
    try:
        migrate(engine)
        build_demo(engine, size="small", seed=1, anchor=ANCHOR)
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
