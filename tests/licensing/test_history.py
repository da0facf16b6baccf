"""License history of every product, at the enterprise and through one organization: the
number on each day is the product's own total at the end of that day, and the peak is the
largest of them, on the first day it was reached."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.engine import Connection, Engine

from seatledger import licensing
from seatledger.demo import build_demo
from seatledger.errors import InvalidInput, NotFound
from seatledger.licensing import Scope

ANCHOR = dt.datetime(2026, 11, 1)
START, END = dt.date(2024, 3, 1), dt.date(2026, 11, 3)


@pytest.fixture
def demo(engine: Engine) -> Engine:
    build_demo(engine, size="small", seed=1, anchor=ANCHOR)
    return engine


def _end_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time()) - dt.timedelta(microseconds=1)


def _total(conn: Connection, product: str, org: str | None, day: dt.date) -> int:
    at = _end_of(day)
    if product.startswith("copilot"):
        totals = licensing.copilot_totals(conn, Scope.org(org) if org else Scope.enterprise("acme"), as_of=at)
        return {
            "copilot": totals.breakdown.total,
            "copilot_business": totals.business,
            "copilot_enterprise": totals.enterprise,
        }[product]
    return licensing.product_total(conn, "acme", product, org=org, as_of=at)


@pytest.mark.parametrize("org", [None, "acme-web"])
def test_each_day_of_every_products_history_is_its_total_at_the_end_of_that_day(demo: Engine, org: str | None) -> None:
    with demo.connect() as conn:
        for product in licensing.HISTORY_PRODUCTS:
            history = licensing.license_history(conn, "acme", product, START, END, org=org)
            assert [d for d, _ in history.days] == [START + dt.timedelta(days=i) for i in range((END - START).days + 1)]
            counts = dict(history.days)
            assert history.peak == max(counts.values())
            assert history.peak_day == min(d for d, n in counts.items() if n == history.peak)
            sampled = {*history.days[::53], history.days[-1], (history.peak_day, history.peak)}
            for day, n in sampled:
                assert n == _total(conn, product, org, day), (product, org, day)


def test_the_enterprise_seat_history_equals_seat_history(demo: Engine) -> None:
    with demo.connect() as conn:
        history = licensing.license_history(conn, "acme", "enterprise", dt.date(2026, 6, 1), END)
        assert list(history.days) == licensing.seat_history(conn, "acme", dt.date(2026, 6, 1), END)


def test_a_backwards_or_too_long_range_an_unknown_product_or_org_is_refused(demo: Engine) -> None:
    with demo.connect() as conn:
        with pytest.raises(InvalidInput, match="ends .* before it starts"):
            licensing.license_history(conn, "acme", "enterprise", END, START)
        with pytest.raises(InvalidInput, match="at most"):
            licensing.license_history(conn, "acme", "enterprise", dt.date(2000, 1, 1), END)
        with pytest.raises(InvalidInput, match="product must be one of"):
            licensing.license_history(conn, "acme", "seats", START, END)
        with pytest.raises(NotFound, match="no organization"):
            licensing.license_history(conn, "acme", "enterprise", START, END, org="nope")
