"""Timestamps as sources write them become the ledger's naive UTC; a date is a day."""

from __future__ import annotations

import datetime as dt

import pytest

from seatledger.errors import InvalidInput
from seatledger.ingest.timestamps import parse_date, parse_timestamp


@pytest.mark.parametrize(
    ("value", "instant"),
    [
        ("2026-03-01T09:30:00Z", dt.datetime(2026, 3, 1, 9, 30)),
        ("2026-03-01T10:30:00+01:00", dt.datetime(2026, 3, 1, 9, 30)),
        ("2026-03-01", dt.datetime(2026, 3, 1)),
        (1772357400, dt.datetime(2026, 3, 1, 9, 30)),  # Unix seconds, as push payloads send them
        (None, None),
    ],
)
def test_each_way_a_source_writes_an_instant_reads_as_naive_utc(value: object, instant: dt.datetime | None) -> None:
    assert parse_timestamp(value) == instant


def test_a_date_is_the_utc_day_of_what_is_given() -> None:
    assert parse_date("2026-03-01") == dt.date(2026, 3, 1)
    assert parse_date("2026-03-01T23:30:00-02:00") == dt.date(2026, 3, 2)
    assert parse_date(None) is None


@pytest.mark.parametrize("bad", ["yesterday", "2026-13-01", "0001-01-01T00:00:00Z"])
def test_a_value_that_is_no_instant_or_out_of_range_is_refused(bad: str) -> None:
    with pytest.raises(InvalidInput):
        parse_timestamp(bad)
