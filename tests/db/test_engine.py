"""The PostgreSQL pool pings a connection only after it idled: a connection whose server end is
gone is replaced before use, and a busy connection costs no extra round trip per request."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from seatledger.db import create_engine, engine as engine_module

pytestmark = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)


def _backend_pid(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one())


def _terminate(admin: Engine, pid: int) -> None:
    with admin.connect() as conn:
        assert conn.execute(sa.text("SELECT pg_terminate_backend(:p, 10000)"), {"p": pid}).scalar_one()


def test_a_connection_that_idled_is_pinged_and_replaced_when_its_server_end_is_gone(
    engine: Engine, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_module, "PING_AFTER_IDLE_S", 0.0)  # every connection in the pool idled
    pooled = create_engine(db_url)
    try:
        first = _backend_pid(pooled)
        _terminate(engine, first)
        assert _backend_pid(pooled) != first  # no error: the ping found it gone, the pool connected anew
    finally:
        pooled.dispose()


def test_a_connection_back_in_the_pool_a_moment_ago_is_handed_out_without_a_ping(
    engine: Engine, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_module, "PING_AFTER_IDLE_S", 3600.0)  # every connection came back a moment ago
    pooled = create_engine(db_url)
    try:
        first = _backend_pid(pooled)
        _terminate(engine, first)
        # Not pinged: the statement itself finds the connection gone ...
        with pytest.raises(sa.exc.OperationalError):
            _backend_pid(pooled)
        # ... and SQLAlchemy drops it, so the next checkout connects anew.
        assert _backend_pid(pooled) != first
    finally:
        pooled.dispose()
