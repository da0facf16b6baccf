"""Shared fixtures: a real ledger on a SQLite file and on PostgreSQL, and a real server.

Every test that takes ``engine`` runs once per database. SQLite: a migrated template file
is copied per test. PostgreSQL: one database per xdist worker, migrated once, truncated
after each test. Without PostgreSQL the postgresql runs skip with a reason, unless CI=true,
where they fail.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path
from typing import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from seatledger.config import Settings
from seatledger.db import create_engine, migrate

from livesupport import LiveServer, SmtpSink, free_port  # noqa: F401  (re-exported for tests)

PG_ADMIN_URL = os.environ.get("SEATLEDGER_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("SEATLEDGER_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def service_missing(what: str, why: str) -> None:
    """Skip (laptop) or fail (CI=true) when a service the test needs is not there."""
    message = f"{what} is not reachable ({why})"
    if IN_CI:
        pytest.fail(f"{message}; CI=true makes it mandatory")
    pytest.skip(message)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "ledger.db"
    eng = create_engine(f"sqlite:///{path}")
    migrate(eng)
    with eng.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    eng.dispose()
    return path


@pytest.fixture(scope="session")
def pg_database_url(worker_id: str) -> Iterator[str | None]:
    """A migrated PostgreSQL database for this worker, dropped at the end."""
    try:
        admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure to connect means 'not reachable'
        yield None
        return
    name = f"seatledger_test_{worker_id}_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    eng = create_engine(url)
    migrate(eng)
    eng.dispose()
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def worker_id(request: pytest.FixtureRequest) -> str:
    return getattr(request.config, "workerinput", {}).get("workerid", "main")


def _truncate_all(engine: Engine) -> None:
    with engine.begin() as conn:
        tables = [n for n in sa.inspect(conn).get_table_names() if n != "alembic_version"]
        conn.execute(sa.text("TRUNCATE " + ", ".join(f'"{n}"' for n in tables) + " RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty, migrated ledger: one run per database."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "ledger.db"
        shutil.copy(template, path)
        yield f"sqlite:///{path}"
        return
    url = request.getfixturevalue("pg_database_url")
    if url is None:
        service_missing("PostgreSQL at 127.0.0.1:5432", PG_ADMIN_URL)
    yield url
    eng = create_engine(url)
    _truncate_all(eng)
    eng.dispose()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = create_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    return Settings(data_dir=data, database_url=db_url, secret_key="test-secret-key")


@pytest.fixture
def live_server(settings: Settings, engine: Engine) -> Iterator[LiveServer]:
    from seatledger.app import create_app

    with LiveServer(create_app(settings, engine)) as server:
        yield server


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    """A real SMTP server (aiosmtpd) on loopback, for the tests that send mail."""
    sink = SmtpSink()
    sink.controller.start()
    try:
        yield sink
    finally:
        sink.controller.stop()


@pytest.fixture
def unmigrated_url(db_url: str, tmp_path) -> Iterator[str]:
    """An empty database of the kind of ``db_url`` (on the same server), for a migration run
    step by step."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    admin = sa.create_engine(db_url, isolation_level="AUTOCOMMIT")
    name = f"seatledger_unmigrated_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield db_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
