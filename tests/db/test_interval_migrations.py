"""Migrations that change the kept intervals derive them again for the ledgers they find."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from seatledger import licensing
from seatledger.db import create_engine, intervals, migrate
from seatledger.db.ledger import Ledger
from seatledger.db import tables as t
from seatledger.db import tables_intervals as ti
from seatledger.demo import build_demo

ANCHOR = dt.datetime(2026, 11, 30, 12)


def test_0010_gives_a_ledger_made_before_it_each_span_s_previous_end(unmigrated_url: str) -> None:
    engine = create_engine(unmigrated_url)
    try:
        migrate(engine, "0009_merge_heads")
        build_demo(engine, size="small", seed=3, anchor=ANCHOR)
        with engine.begin() as conn:
            eid = conn.execute(sa.select(t.enterprises.c.id)).scalar_one()
            # Someone who left in September and came back in October: two spans.
            ledger = Ledger(conn)
            org_id = conn.execute(sa.select(t.organizations.c.id).order_by(t.organizations.c.id)).scalars().first()
            back = ledger.add_user(eid, "comes-back", created_at=dt.datetime(2026, 1, 5))
            ledger.add_membership(org_id, back, started_at=dt.datetime(2026, 2, 1))
            ledger.end_membership(org_id, back, at=dt.datetime(2026, 9, 10))
            ledger.add_membership(org_id, back, started_at=dt.datetime(2026, 10, 20))
            expected = licensing.seat_totals(conn, "acme", as_of=ANCHOR - dt.timedelta(days=40))
            # The ledger as 0009 left it: no column, the count index without it.
            conn.exec_driver_sql("DROP INDEX ix_seat_spans_count")
            conn.exec_driver_sql("ALTER TABLE seat_spans DROP COLUMN previous_ended_at")
            conn.exec_driver_sql(
                "CREATE INDEX ix_seat_spans_count ON seat_spans (enterprise_id, scope, org_id, started_at, ended_at)"
            )
            for name, column in (("ix_seat_spans_user", "user_id"), ("ix_seat_spans_key", "other_key")):
                conn.exec_driver_sql(f"DROP INDEX {name}")
                conn.exec_driver_sql(f"CREATE INDEX {name} ON seat_spans (enterprise_id, {column})")
        migrate(engine)
        with engine.connect() as conn:
            assert intervals.verify(conn, eid) == []
            s = ti.seat_spans
            ends = (
                conn.execute(
                    sa.select(s.c.previous_ended_at)
                    .where(s.c.user_id == back, s.c.scope == ti.SCOPE_ENTERPRISE)
                    .order_by(s.c.started_at)
                )
                .scalars()
                .all()
            )
            assert ends == [None, dt.datetime(2026, 9, 10)]
            assert licensing.seat_totals(conn, "acme", as_of=ANCHOR - dt.timedelta(days=40)) == expected
            indexes = {i["name"]: i["column_names"] for i in sa.inspect(conn).get_indexes("seat_spans")}
            assert indexes["ix_seat_spans_user"] == ["enterprise_id", "user_id", "scope", "org_id", "started_at"]
    finally:
        engine.dispose()


def test_0015_gives_a_ledger_made_before_it_the_windows_of_every_email_pushed(unmigrated_url: str) -> None:
    engine = create_engine(unmigrated_url)
    try:
        migrate(engine, "0014_month_reason_indexes")
        build_demo(engine, size="small", seed=3, anchor=ANCHOR)
        with engine.begin() as conn:
            eid = conn.execute(sa.select(t.enterprises.c.id)).scalar_one()
            expected = list(licensing.iter_unattributed_emails(conn, "acme", as_of=ANCHOR))
            # The ledger as 0014 left it: no email windows, no enablement edge indexes.
            conn.exec_driver_sql("DROP TABLE email_windows")
            conn.exec_driver_sql("DROP INDEX ix_ghas_enablements_starts")
            conn.exec_driver_sql("DROP INDEX ix_ghas_enablements_ends")
        migrate(engine)
        with engine.connect() as conn:
            assert intervals.verify(conn, eid) == []
            assert conn.execute(sa.select(sa.func.count()).select_from(ti.email_windows)).scalar_one() > 0
            assert list(licensing.iter_unattributed_emails(conn, "acme", as_of=ANCHOR)) == expected
            assert expected  # the small demo has emails that resolve to nobody
            indexes = {i["name"] for i in sa.inspect(conn).get_indexes("ghas_enablements")}
            assert {"ix_ghas_enablements_starts", "ix_ghas_enablements_ends"} <= indexes
    finally:
        engine.dispose()
