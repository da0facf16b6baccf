"""A month of the medium demo (about 10,000 people): computed in seconds, and consistent with
the seats engine. Builds the demo on its own SQLite file (about 40 s), hence ``slow``."""

from __future__ import annotations

import datetime as dt
import time
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

# Generous against a loaded CI machine: the month takes about 3.5 s of CPU on a 2-core box.
MONTH_CPU_SECONDS = 30


def test_a_medium_demo_month_answers_in_seconds_and_matches_the_billable_count(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'medium.db'}")
    migrate(engine)
    build_demo(engine, size="medium", anchor=dt.datetime(2026, 11, 20))
    with engine.connect() as conn:
        ent = get_enterprise(conn, "acme")
        started = time.process_time()
        items = list(
            iter_line_items(conn, ent, dt.date(2026, 10, 1), dt.date(2026, 10, 31), as_of=dt.datetime(2026, 11, 20))
        )
        cpu = time.process_time() - started
        billable = billable_in_month(conn, "acme", 2026, 10)
    engine.dispose()
    assert cpu < MONTH_CPU_SECONDS
    last_day = Counter()
    for i in items:
        if i.date.day == 31:
            last_day[i.sku] += i.quantity
    assert last_day["ghec_licenses"] == billable > 5000
    assert all(i.net_amount == i.gross_amount - i.discount_amount for i in items)
    assert sum((i.net_amount for i in items), Decimal(0)) >= 0
