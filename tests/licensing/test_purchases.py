"""What was bought, with history: purchases are dated facts, and today's is the one counted."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from seatledger.db import tables as t
from seatledger.db.ledger import Ledger
from seatledger.errors import InvalidInput
from seatledger.licensing import seat_totals
from seatledger.licensing.purchases import purchase_history, purchases_at, set_purchase

TODAY = dt.date(2026, 6, 30)


def _enterprise(engine: Engine) -> int:
    with engine.begin() as conn:
        return Ledger(conn).add_enterprise("acme", created_at=dt.datetime(2025, 1, 1))


def _current(engine: Engine, eid: int) -> dict[str, tuple[str, int, dt.date | None]]:
    ep = t.enterprise_products
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(ep.c.product, ep.c.billing, ep.c.purchased, ep.c.expires_at).where(ep.c.enterprise_id == eid)
        )
        return {r.product: (r.billing, r.purchased, r.expires_at) for r in rows}


def test_a_past_day_shows_what_was_bought_then_and_the_counts_use_todays_purchase(engine: Engine) -> None:
    eid = _enterprise(engine)
    with engine.begin() as conn:
        set_purchase(
            conn,
            eid,
            "enterprise",
            billing="volume",
            purchased=100,
            expires_at=dt.date(2027, 1, 31),
            effective_from=dt.date(2026, 1, 1),
            today=TODAY,
        )
        set_purchase(conn, eid, "enterprise", purchased=150, effective_from=dt.date(2026, 4, 1), today=TODAY)

    with engine.connect() as conn:
        (february,) = purchases_at(conn, eid, dt.date(2026, 2, 15))
        (may,) = purchases_at(conn, eid, dt.date(2026, 5, 1))
        before = purchases_at(conn, eid, dt.date(2025, 12, 31))
        totals = seat_totals(conn, "acme", as_of=dt.datetime(2026, 6, 30))
    assert (february.billing, february.purchased, february.effective_from) == ("volume", 100, dt.date(2026, 1, 1))
    assert (may.billing, may.purchased, may.expires_at) == ("volume", 150, dt.date(2027, 1, 31)), (
        "what --from left out is kept from the purchase in effect that day"
    )
    assert before == [], "nothing was bought before the first purchase"
    assert _current(engine, eid) == {"enterprise": ("volume", 150, dt.date(2027, 1, 31))}
    assert totals.purchased == 150


def test_the_same_purchase_again_records_nothing_and_copilot_is_both_plans(engine: Engine) -> None:
    eid = _enterprise(engine)
    with engine.begin() as conn:
        first = set_purchase(
            conn, eid, "copilot", billing="volume", purchased=20, effective_from=dt.date(2026, 3, 1), today=TODAY
        )
        again = set_purchase(conn, eid, "copilot", purchased=20, effective_from=dt.date(2026, 6, 1), today=TODAY)
        history = purchase_history(conn, eid)
    assert first == {"copilot_business": "created", "copilot_enterprise": "created"}
    assert again == {"copilot_business": "unchanged", "copilot_enterprise": "unchanged"}
    assert [(p.product, p.effective_from) for p in history] == [
        ("copilot_business", dt.date(2026, 3, 1)),
        ("copilot_enterprise", dt.date(2026, 3, 1)),
    ]


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"product": "ghas", "billing": "volume"}, "unknown product 'ghas'"),
        ({"product": "enterprise", "billing": "prepaid"}, "metered or volume"),
        ({"product": "enterprise", "purchased": -1}, "cannot be negative"),
    ],
)
def test_a_wrong_purchase_is_refused_with_a_clear_message(engine: Engine, kw: dict, message: str) -> None:
    eid = _enterprise(engine)
    kw = dict(kw)
    product = kw.pop("product")
    with pytest.raises(InvalidInput, match=message):
        with engine.begin() as conn:
            set_purchase(conn, eid, product, **kw)


def test_the_migration_keeps_the_purchase_the_ledger_held_as_its_first_dated_row(unmigrated_url: str) -> None:
    from seatledger.db import create_engine, migrate

    engine = create_engine(unmigrated_url)
    try:
        migrate(engine, "0004_usage_report_jobs")
        with engine.begin() as conn:
            eid = Ledger(conn).add_enterprise("acme", created_at=dt.datetime(2025, 3, 4, 10))
            conn.execute(
                sa.insert(t.enterprise_products).values(
                    enterprise_id=eid,
                    product="enterprise",
                    billing="volume",
                    purchased=300,
                    expires_at=dt.date(2027, 2, 10),
                )
            )
        migrate(engine)
        with engine.connect() as conn:
            (held,) = purchases_at(conn, eid, dt.date(2026, 1, 1))
    finally:
        engine.dispose()
    assert (held.billing, held.purchased, held.expires_at) == ("volume", 300, dt.date(2027, 2, 10))
    assert (held.effective_from, held.source) == (dt.date(2025, 3, 4), "ledger")
