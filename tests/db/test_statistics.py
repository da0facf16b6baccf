"""SQLite has no planner statistics until ANALYZE runs: the ledger takes them after every
whole-enterprise derivation and once for a ledger that never had any."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from seatledger import licensing
from seatledger.db import intervals
from seatledger.demo import build_demo

ANCHOR = dt.datetime(2026, 11, 30, 12)
OWNER_OF_EMAIL = (
    "SELECT user_emails.user_id FROM user_emails JOIN users ON users.id = user_emails.user_id"
    " WHERE user_emails.email IN ('someone@acme.test') AND users.enterprise_id = 1"
)


def _plan(engine: Engine) -> str:
    with engine.connect() as conn:
        return " / ".join(row[-1] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + OWNER_OF_EMAIL))


def _users_have_statistics(engine: Engine) -> bool:
    with engine.connect() as conn:
        return conn.exec_driver_sql("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'users'").scalar_one() > 0


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_bulk_load_leaves_statistics_and_an_email_finds_its_owner_by_the_email_index(engine: Engine) -> None:
    build_demo(engine, size="small", seed=2, anchor=ANCHOR)
    assert _users_have_statistics(engine)
    assert _plan(engine).startswith("SEARCH user_emails USING INDEX ix_user_emails_email")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_ledger_without_statistics_gets_them_at_its_first_count(engine: Engine) -> None:
    build_demo(engine, size="small", seed=2, anchor=ANCHOR)
    with engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM sqlite_stat1")
    assert not _users_have_statistics(engine)
    with engine.connect() as conn:
        licensing.seat_totals(conn, "acme", as_of=ANCHOR)
    assert _users_have_statistics(engine)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_whole_enterprise_rebuild_refreshes_the_statistics(engine: Engine) -> None:
    build_demo(engine, size="small", seed=2, anchor=ANCHOR)
    with engine.begin() as conn:
        eid = conn.execute(sa.text("SELECT id FROM enterprises")).scalar_one()
        conn.exec_driver_sql("DELETE FROM sqlite_stat1")
        intervals.rebuild(conn, eid)
    assert _users_have_statistics(engine)


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_the_demo_leaves_postgresql_able_to_count_from_the_indexes_alone(engine: Engine) -> None:
    """After a bulk load PostgreSQL marks no page all-visible until a VACUUM: every count would
    read the table too. The demo settles what the counts read."""
    build_demo(engine, size="small", seed=2, anchor=ANCHOR)
    with engine.connect() as conn:
        pages = {
            name: visible
            for name, visible in conn.exec_driver_sql(
                "SELECT relname, relallvisible FROM pg_class"
                " WHERE relname IN ('committer_spans', 'seat_spans', 'commits') AND relkind = 'r'"
            )
        }
    assert set(pages) == {"committer_spans", "seat_spans", "commits"}
    assert all(visible > 0 for visible in pages.values()), pages
