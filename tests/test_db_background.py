"""Connections for work ahead of time (``db.background``): on PostgreSQL their database work
keeps to one core and, where the server runs on this machine, yields its CPU to requests."""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from seatledger.db import create_engine
from seatledger.db.background import APPLICATION_NAME, _is_own_local_backend, yield_to_requests

NICE = 7


def _backend(engine: Engine) -> tuple[int, str, str]:
    with engine.connect() as conn:
        pid = conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
        workers = conn.execute(sa.text("SHOW max_parallel_workers_per_gather")).scalar_one()
        name = conn.execute(sa.text("SHOW application_name")).scalar_one()
    return int(pid), workers, name


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)  # SQLite has no server process
def test_a_background_connection_plans_alone_and_its_backend_yields_the_cpu(engine: Engine, db_url: str) -> None:
    background = create_engine(db_url)
    yield_to_requests(background, NICE)
    try:
        pid, workers, name = _backend(background)
        assert (workers, name) == ("0", APPLICATION_NAME)
        if os.geteuid() != 0:
            pytest.skip("lowering another user's process (the PostgreSQL server's) needs root")
        assert os.getpriority(os.PRIO_PROCESS, pid) == NICE
        # The requests' connections are left as they were.
        plain_pid, plain_workers, plain_name = _backend(engine)
        assert plain_pid != pid
        assert os.getpriority(os.PRIO_PROCESS, plain_pid) == 0
        assert plain_workers != "0" and plain_name != APPLICATION_NAME
    finally:
        background.dispose()


def test_sqlite_connections_are_left_as_they_are(tmp_path: os.PathLike[str]) -> None:
    engine = create_engine(f"sqlite:///{tmp_path}/ledger.db")
    yield_to_requests(engine, NICE)
    with engine.connect() as conn:  # PostgreSQL's settings would fail on SQLite
        assert conn.execute(sa.text("SELECT 1")).scalar_one() == 1
    engine.dispose()


class _NoSocket:
    """A driver connection whose socket nobody may read."""

    @property
    def pgconn(self) -> object:
        raise AssertionError("a server elsewhere is ruled out before its socket is read")


def test_a_backend_on_another_machine_is_never_touched() -> None:
    # The process id a remote server reports means nothing here (it may name a local process).
    assert not _is_own_local_backend(_NoSocket(), os.getpid(), "10.1.2.3", 50000)
    assert not _is_own_local_backend(_NoSocket(), os.getpid(), "2001:db8::1", 50000)


def test_a_local_process_that_is_no_postgres_backend_is_never_touched() -> None:
    # A Unix socket (no server address) and a pid that is this Python process.
    assert not _is_own_local_backend(_NoSocket(), os.getpid(), None, None)
