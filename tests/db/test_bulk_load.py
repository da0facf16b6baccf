"""The ledger's bulk paths (COPY on PostgreSQL, the driver's executemany on SQLite) write exactly
the rows the plain INSERT path writes, and still enforce foreign keys."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from seatledger.db import tables as t
from seatledger.db.ledger import Ledger

T0 = dt.datetime(2026, 1, 5, 9, 0)
COMMIT_COLUMNS = ("repository_id", "sha", "author_email", "author_name", "author_date", "pushed_at")


def _rows(conn: Connection, table: sa.Table, where: Any) -> list[tuple[Any, ...]]:
    cols = [c for c in table.c if c.name not in ("id", "enterprise_id", "user_id", "repository_id")]
    return [tuple(r) for r in conn.execute(sa.select(*cols).where(where).order_by(table.c.id))]


def _enterprises(engine: Engine) -> tuple[int, int]:
    with engine.begin() as conn:
        led = Ledger(conn)
        return led.add_enterprise("plain", created_at=T0), led.add_enterprise("bulk", created_at=T0)


def _users(eid: int) -> list[dict[str, Any]]:
    # Leaves out columns with Python-side defaults (dormant, is_bot): the bulk path fills them in.
    return [
        {
            "enterprise_id": eid,
            "login": f"user{i}",
            "name": None if i % 3 else f"User {i}",
            "saml_name_id": f"u{i}@idp.test" if i % 2 else None,
            "scim_user_name": None,
            "two_factor": i % 4 != 0,
            "two_factor_required_by": dt.date(2026, 2, 1) if i % 4 == 0 else None,
            "suspended_at": T0 + dt.timedelta(days=i, microseconds=i) if i % 5 == 0 else None,
            "created_at": T0 - dt.timedelta(days=i, seconds=i),
        }
        for i in range(40)
    ]


def test_bulk_insert_writes_the_rows_plain_inserts_write(engine: Engine) -> None:
    plain_eid, bulk_eid = _enterprises(engine)
    with engine.begin() as conn:
        for row in _users(plain_eid):
            conn.execute(sa.insert(t.users).values(**row))
        assert Ledger(conn).bulk_insert(t.users, _users(bulk_eid)) == 40
        assert Ledger(conn).bulk_insert(t.users, []) == 0
    with engine.connect() as conn:
        plain = _rows(conn, t.users, t.users.c.enterprise_id == plain_eid)
        bulk = _rows(conn, t.users, t.users.c.enterprise_id == bulk_eid)
        defaults = set(
            conn.execute(sa.select(t.users.c.dormant, t.users.c.is_bot).where(t.users.c.enterprise_id == bulk_eid))
        )
    assert len(bulk) == 40
    assert bulk == plain
    assert defaults == {(False, False)}  # t.users' Python-side defaults


@pytest.mark.parametrize("off_the_gil", [False, True], ids=["executemany", "one-statement"])
def test_bulk_insert_rows_writes_the_rows_plain_inserts_write(engine: Engine, off_the_gil: bool) -> None:
    plain_eid, bulk_eid = _enterprises(engine)
    names = ['Dev "Quote" O\'Brien', "Zoë \\ 漢字 \u2028", "[1, 2]"]  # what JSON must carry through unchanged
    with engine.begin() as conn:
        led = Ledger(conn)
        repos = [led.add_repo(eid, "acme", "api", created_at=T0) for eid in (plain_eid, bulk_eid)]
        commits = [
            (
                f"{i:040x}",
                f"dev{i % 7}@acme.test",
                None if i % 2 else f"{names[i % 3]} {i}",
                T0 + dt.timedelta(hours=i, microseconds=i * 7),
                T0 + dt.timedelta(hours=i + 1),
            )
            for i in range(50)
        ]
        for sha, email, name, authored, pushed in commits:
            conn.execute(
                sa.insert(t.commits).values(
                    repository_id=repos[0],
                    sha=sha,
                    author_email=email,
                    author_name=name,
                    author_date=authored,
                    pushed_at=pushed,
                )
            )
        rows = ((repos[1], *c) for c in commits)
        assert led.bulk_insert_rows(t.commits, COMMIT_COLUMNS, rows, off_the_gil=off_the_gil) == 50
    with engine.connect() as conn:
        plain = _rows(conn, t.commits, t.commits.c.repository_id == repos[0])
        bulk = _rows(conn, t.commits, t.commits.c.repository_id == repos[1])
        # The rows compare in SQL as if INSERT wrote them (SQLite stores datetimes as text).
        later = conn.execute(
            sa.select(sa.func.count())
            .select_from(t.commits)
            .where(t.commits.c.repository_id == repos[1], t.commits.c.pushed_at >= T0 + dt.timedelta(hours=26))
        ).scalar_one()
    assert len(bulk) == 50
    assert bulk == plain
    assert later == 25


@pytest.mark.parametrize("path", ["bulk_insert", "bulk_insert_rows", "bulk_insert_rows off the GIL"])
def test_a_bulk_row_with_a_missing_foreign_key_fails_and_writes_nothing(engine: Engine, path: str) -> None:
    _, eid = _enterprises(engine)
    with engine.begin() as conn:
        repo = Ledger(conn).add_repo(eid, "acme", "api", created_at=T0)
    rows = [(repo if i != 7 else repo + 1000, f"{i:040x}", "dev@acme.test", None, T0, T0) for i in range(20)]
    with pytest.raises(IntegrityError):
        with engine.begin() as conn:
            led = Ledger(conn)
            if path == "bulk_insert":
                led.bulk_insert(t.commits, (dict(zip(COMMIT_COLUMNS, r)) for r in rows))
            else:
                led.bulk_insert_rows(t.commits, COMMIT_COLUMNS, rows, off_the_gil=path.endswith("GIL"))
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t.commits)).scalar_one() == 0


def test_foreign_keys_are_checked_per_row_again_after_a_bulk_load(engine: Engine) -> None:
    """The bulk path may check keys once per load; the statements after it check them as usual."""
    _, eid = _enterprises(engine)
    with pytest.raises(IntegrityError):
        with engine.begin() as conn:
            repo = Ledger(conn).add_repo(eid, "acme", "api", created_at=T0)
            Ledger(conn).bulk_insert_rows(t.commits, COMMIT_COLUMNS, [(repo, "a" * 40, "dev@acme.test", None, T0, T0)])
            conn.execute(
                sa.insert(t.commits).values(
                    repository_id=repo + 1000, sha="b" * 40, author_email="x", author_date=T0, pushed_at=T0
                )
            )
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t.commits)).scalar_one() == 0
        if conn.dialect.name == "postgresql":
            assert conn.execute(sa.text("SHOW session_replication_role")).scalar_one() == "origin"


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)  # COPY and its statistics are PostgreSQL's
def test_a_large_copy_leaves_the_planner_statistics_of_the_loaded_table(engine: Engine) -> None:
    """A bulk load that grows a table by half is analyzed in its transaction, so the counts that
    follow it are planned for the table's real size (not a handful of rows)."""
    _, eid = _enterprises(engine)
    with engine.begin() as conn:
        repo = Ledger(conn).add_repo(eid, "acme", "api", created_at=T0)
        rows = [(repo, f"{i:040x}", f"dev{i % 50}@acme.test", None, T0, T0) for i in range(3000)]
        assert Ledger(conn).bulk_insert_rows(t.commits, COMMIT_COLUMNS, rows) == 3000
        estimated = conn.execute(sa.text("SELECT reltuples FROM pg_class WHERE relname = 'commits'")).scalar_one()
        assert estimated >= 3000
        small = [(repo, f"{i:040x}", "dev@acme.test", None, T0, T0) for i in range(3000, 3010)]
        Ledger(conn).bulk_insert_rows(t.commits, COMMIT_COLUMNS, small)
        # Ten more rows are not worth a new sample: the estimate stays the one taken after the load.
        assert (
            conn.execute(sa.text("SELECT reltuples FROM pg_class WHERE relname = 'commits'")).scalar_one() == estimated
        )


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # SQLite's page cache
def test_a_bulk_load_gives_the_connection_back_with_its_own_page_cache_size(engine: Engine) -> None:
    _, eid = _enterprises(engine)
    with engine.begin() as conn:
        size = conn.exec_driver_sql("PRAGMA cache_size").scalar_one()
        repo = Ledger(conn).add_repo(eid, "acme", "api", created_at=T0)
        rows = [(repo, f"{i:040x}", "dev@acme.test", None, T0, T0) for i in range(10)]
        for off_the_gil in (False, True):
            Ledger(conn).bulk_insert_rows(t.commits, COMMIT_COLUMNS, rows[off_the_gil::2], off_the_gil=off_the_gil)
            assert conn.exec_driver_sql("PRAGMA cache_size").scalar_one() == size
        assert conn.execute(sa.select(sa.func.count()).select_from(t.commits)).scalar_one() == 10
