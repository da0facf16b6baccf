"""Opening the ledger database: one Engine per process, built from the settings."""

from __future__ import annotations

import contextlib
import importlib
import time
from typing import Any, Iterator

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ArgumentError, DisconnectionError, NoSuchModuleError, OperationalError

from seatledger.config import Settings
from seatledger.db import intervals
from seatledger.errors import ConfigError, DatabaseUnavailable

SQLITE_BUSY_TIMEOUT_S = 30


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA temp_store=MEMORY")
    cur.execute("PRAGMA cache_size=-65536")
    cur.close()


@contextlib.contextmanager
def sqlite_page_cache(dbapi_conn: Any, kib: int) -> Iterator[None]:
    """Run the block with this SQLite connection's page cache at ``kib`` KiB, then give it back
    the size it had (the connection returns to the pool afterwards)."""
    cur = dbapi_conn.cursor()
    try:
        before = int(cur.execute("PRAGMA cache_size").fetchone()[0])
        cur.execute(f"PRAGMA cache_size=-{int(kib)}")
        try:
            yield
        finally:
            cur.execute(f"PRAGMA cache_size={before}")
    finally:
        cur.close()


# JIT off: with real statistics, the counting statements cost enough for PostgreSQL to compile
# them to machine code, which takes a large share of a count and never pays back (each
# statement runs once per answer).
POSTGRES_OPTIONS = "-c jit=off"


def create_engine(url: str) -> Engine:
    """An Engine for ``url`` with seatledger's connection settings; raises ConfigError on a bad URL."""
    try:
        if url.startswith("sqlite"):
            engine = sa.create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False})
            event.listen(engine, "connect", _sqlite_pragmas)
        else:
            connect_args = {"options": POSTGRES_OPTIONS} if url.startswith("postgresql") else {}
            engine = sa.create_engine(url, pool_size=10, max_overflow=20, connect_args=connect_args)
            _ping_when_idle(engine)
    except (ArgumentError, NoSuchModuleError, ValueError) as exc:
        raise ConfigError(f"database URL {url!r} is not usable: {exc}") from exc
    intervals.keep_on_commit(engine)
    for name in COMMIT_HOOKS:  # after the intervals' hook: they read the counts it keeps
        importlib.import_module(name).install(engine)
    return engine


# Modules whose ``install(engine)`` adds a listener to every engine's commit, named here
# rather than imported: the ledger knows nothing of what runs after its writes.
COMMIT_HOOKS: tuple[str, ...] = ("seatledger.alerts.commit_hook",)


# A pooled connection given back less than this many seconds ago is handed out without a ping.
PING_AFTER_IDLE_S = 1.0


def _ping_when_idle(engine: Engine) -> None:
    """Ping a pooled connection before handing it out (a database restart, or a server that
    closed an idle connection, would otherwise fail the next request that takes it), unless it
    came back to the pool within :data:`PING_AFTER_IDLE_S`: it worked a moment ago. SQLAlchemy's
    ``pool_pre_ping`` pings at every checkout, a round trip per request or more under load; a
    connection that fails all the same is found out by the statement, and SQLAlchemy then drops
    it and every pooled connection older than it."""

    def returned(_dbapi_conn: Any, record: Any) -> None:
        record.info["returned_at"] = time.monotonic()

    def checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        returned_at = record.info.get("returned_at")
        if returned_at is not None and time.monotonic() - returned_at < PING_AFTER_IDLE_S:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except engine.dialect.loaded_dbapi.Error as exc:
            if engine.dialect.is_disconnect(exc, dbapi_conn, None):
                raise DisconnectionError() from exc  # the pool connects anew and checks out again
            raise

    event.listen(engine, "connect", returned)  # a new connection works: it just answered
    event.listen(engine, "checkin", returned)
    event.listen(engine, "checkout", checkout)


def engine_from_settings(settings: Settings) -> Engine:
    """The ledger Engine; the SQLite data directory is created if needed."""
    if not settings.database_url:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    return create_engine(settings.effective_database_url)


def check_reachable(engine: Engine) -> None:
    """Raise DatabaseUnavailable with one clear line if the database does not answer."""
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise DatabaseUnavailable(
            f"cannot reach the database at {engine.url.render_as_string(hide_password=True)}: {reason}"
        ) from exc


def is_postgres(engine_or_conn: Engine | sa.Connection) -> bool:
    return engine_or_conn.dialect.name == "postgresql"


def inserted_id(result: sa.CursorResult[Any]) -> int:
    """The primary key of the row an INSERT made (0 when it reports none)."""
    pk = result.inserted_primary_key
    return int(pk[0]) if pk and pk[0] is not None else 0
