"""Connections for work done ahead of time (the memo's warmer): the database's part of that
work yields to the people asking now, as the warmer's own thread does.

PostgreSQL runs a connection's statements in a backend process of its own, at the server's
priority, whatever the client's ``nice``; on one machine a count ahead of time then took the
cores from the requests' queries (large demo: API p99 231–322 ms). An engine handed to
:func:`yield_to_requests` makes each connection it opens:

- name itself ``seatledger background`` (``application_name``, as ``pg_stat_activity`` shows);
- plan without parallel workers (``max_parallel_workers_per_gather = 0``), so a count ahead
  keeps to one core of the database server, wherever that server runs;
- lower its own backend's CPU priority by ``nice`` (Linux ``setpriority``) when the server runs
  on this machine and this process may (root, or the server's own user). Only a backend shown
  to be this connection's is touched: the server answers on a loopback address or a Unix
  socket, it reports this connection's own client port, and the process is a ``postgres`` one.
  Elsewhere this part is skipped without a word: it is an optimisation, never a requirement.

SQLite has no server process; its work is the calling thread's, which the warmer lowers itself.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

APPLICATION_NAME = "seatledger background"


def yield_to_requests(engine: Engine, nice: int) -> None:
    """Every connection ``engine`` opens from now on does its database work at low priority."""
    if engine.dialect.name != "postgresql":
        return

    def lower(dbapi_conn: Any, _record: Any) -> None:
        with dbapi_conn.cursor() as cur:
            cur.execute(f"SET application_name = '{APPLICATION_NAME}'")
            cur.execute("SET max_parallel_workers_per_gather = 0")
            cur.execute("SELECT pg_backend_pid(), host(inet_server_addr()), inet_client_port()")
            pid, server_addr, client_port = cur.fetchone()
        dbapi_conn.commit()
        if nice > 0 and _is_own_local_backend(dbapi_conn, int(pid), server_addr, client_port):
            renice(int(pid), nice)

    event.listen(engine, "connect", lower)


def renice(pid: int, nice: int) -> bool:
    """Lower ``pid``'s CPU priority to at least ``nice``; False where that is not allowed."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        os.setpriority(os.PRIO_PROCESS, pid, max(nice, os.getpriority(os.PRIO_PROCESS, pid)))
    except OSError:  # not ours to change (another user's process), or gone
        return False
    return True


def _is_own_local_backend(dbapi_conn: Any, pid: int, server_addr: str | None, client_port: int | None) -> bool:
    if server_addr is not None:  # TCP: a loopback server that sees this socket's own port
        if not ipaddress.ip_address(server_addr).is_loopback or client_port is None:
            return False
        try:
            with socket.socket(fileno=os.dup(dbapi_conn.pgconn.socket)) as sock:
                if sock.getsockname()[1] != client_port:
                    return False
        except (OSError, AttributeError):
            return False
    try:
        program = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0]
    except OSError:
        return False
    # A backend's title ("postgres: 15/main: root ledger 127.0.0.1(5678) idle"), or the
    # server's own command line where titles are off (".../bin/postgres -D ...").
    return program.startswith(b"postgres:") or program.rsplit(b"/", 1)[-1] == b"postgres"
