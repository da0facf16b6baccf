"""The ledger's clock: every instant is a naive UTC datetime, whatever the machine's zone."""

from __future__ import annotations

import datetime as dt
import time
from typing import Iterator

import pytest

from seatledger.db.clock import utc_at, utcnow


@pytest.fixture
def far_from_utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The process's local zone set hours away from UTC for the test."""
    monkeypatch.setenv("TZ", "America/Los_Angeles")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_now_is_the_naive_utc_instant_to_the_second(far_from_utc: None) -> None:
    before = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)
    now = utcnow()
    after = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    assert now.tzinfo is None and now.microsecond == 0
    assert before <= now <= after


def test_a_clock_reading_is_the_naive_utc_instant_to_the_microsecond(far_from_utc: None) -> None:
    assert utc_at(0) == dt.datetime(1970, 1, 1)
    assert utc_at(1_767_225_600.25) == dt.datetime(2026, 1, 1, 0, 0, 0, 250_000)
