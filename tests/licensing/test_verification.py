"""Verifying the kept intervals by enterprise slug: the result is recorded as the last check,
repair makes the next check clean, and an unknown enterprise is not found."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from seatledger.db import tables_intervals as ti
from seatledger.errors import NotFound
from seatledger.licensing.verification import last_interval_check, verify_intervals
from tests.factories import EnterpriseBuilder

CHECKED = dt.datetime(2026, 4, 1, 6, 0)


def test_a_clean_ledger_verifies_clean_and_the_check_is_recorded(engine: Engine) -> None:
    with engine.begin() as conn:
        EnterpriseBuilder(conn).member("octo", "ann")
    with engine.begin() as conn:
        assert last_interval_check(conn, "acme") is None
        assert verify_intervals(conn, "acme", at=CHECKED) == []
        check = last_interval_check(conn, "acme")
        assert check is not None and check.clean and (check.checked_at, check.repaired) == (CHECKED, False)


def test_drift_is_counted_and_repair_makes_the_next_check_clean(engine: Engine) -> None:
    with engine.begin() as conn:
        ann = EnterpriseBuilder(conn).member("octo", "ann")
    with engine.begin() as conn:
        conn.execute(sa.delete(ti.seat_spans).where(ti.seat_spans.c.user_id == ann))  # drift made on purpose
        found = verify_intervals(conn, "acme", repair=True, at=CHECKED)
        assert found and all(d.person == f"user:{ann}" for d in found)
        check = last_interval_check(conn, "acme")
        assert check is not None and (check.differences, check.repaired, check.clean) == (len(found), True, False)
        assert verify_intervals(conn, "acme", at=CHECKED + dt.timedelta(days=1)) == []
        again = last_interval_check(conn, "acme")
        assert again is not None and again.clean


def test_an_unknown_enterprise_is_not_found(engine: Engine) -> None:
    with engine.begin() as conn:
        with pytest.raises(NotFound, match="no enterprise 'nope'"):
            verify_intervals(conn, "nope")
        with pytest.raises(NotFound, match="no enterprise 'nope'"):
            last_interval_check(conn, "nope")
