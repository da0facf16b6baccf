"""A month of the medium demo (about 10,000 people) is consistent with the seats engine. Builds
the demo on its own SQLite file (about 40 s), hence ``slow``. How long it takes is measured by
the bench (the Usage page figure), not asserted here."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from seatledger.db import create_engine, migrate
from seatledger.demo import build_demo
from seatledger.licensing.scope import get_enterprise
from seatledger.licensing.seats import billable_in_month
from seatledger.licensing.usage import iter_line_items

pytestmark = pytest.mark.slow


def test_a_medium_demo_month_matches_the_billable_count(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'medium.db'}")
    migrate(engine)
    build_demo(engine, size="medium", anchor=dt.datetime(2026, 11, 20))
    with engine.connect() as conn:
        ent = get_enterprise(conn, "acme")
        items = list(
            iter_line_items(conn, ent, dt.date(2026, 10, 1), dt.date(2026, 10, 31), as_of=dt.datetime(2026, 11, 20))
        )
        billable = billable_in_month(conn, "acme", 2026, 10)
    engine.dispose()
    last_day = Counter()
    for i in items:
        if i.date.day == 31:
            last_day[i.sku] += i.quantity
    assert last_day["ghec_licenses"] == billable > 5000
    assert all(i.net_amount == i.gross_amount - i.discount_amount for i in items)
    assert sum((i.net_amount for i in items), Decimal(0)) >= 0
