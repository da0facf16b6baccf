"""Streaming a long result: every row, in order, a batch at a time, with the connection free
for other statements meanwhile and the cursor closed however the reading ends."""

from __future__ import annotations

import itertools

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from seatledger.db import tables as t
from seatledger.db.ledger import Ledger
from seatledger.db.streaming import stream_rows


def test_every_row_comes_in_order_while_other_statements_run_and_an_early_stop_closes_the_cursor(
    engine: Engine,
) -> None:
    with engine.begin() as conn:
        eid = Ledger(conn).add_enterprise("acme")
        ledger = Ledger(conn)
        logins = [f"user{i:03d}" for i in range(25)]
        for login in logins:
            ledger.add_user(eid, login)
        u = t.users
        ordered = sa.select(u.c.login).order_by(u.c.login)
        read = []
        for row in stream_rows(conn, ordered, 4):  # several batches
            read.append(row.login)
            # Another statement on the same connection while the stream is open.
            assert conn.execute(sa.select(sa.func.count()).select_from(u)).scalar_one() == 25
        assert read == logins
        rows = stream_rows(conn, ordered, 4)
        assert [r.login for r in itertools.islice(rows, 3)] == logins[:3]
        rows.close()  # stops early: the cursor is closed, and the connection goes on
        ledger.add_user(eid, "after")
        assert conn.execute(sa.select(sa.func.count()).select_from(u)).scalar_one() == 26
