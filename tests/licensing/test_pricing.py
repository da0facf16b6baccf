"""The price catalog: seeded list prices, negotiated prices with effective dates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from seatledger.db import create_engine, migrate
from seatledger.db.tables_billing import prices

from seatledger.db.ledger import Ledger
from seatledger.errors import InvalidInput
from seatledger.licensing.pricing import LIST_PRICES, find_sku, load_price_book, price_on, set_price


def test_migration_seeds_github_list_prices_for_every_license_sku(tmp_path: Path) -> None:
    fresh = create_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    migrate(fresh)
    with fresh.begin() as conn:
        seeded = {
            r.sku: Decimal(r.price_per_unit)
            for r in conn.execute(
                sa.select(prices.c.sku, prices.c.price_per_unit).where(prices.c.enterprise_id.is_(None))
            )
        }
        assert seeded == LIST_PRICES
    fresh.dispose()


def test_list_prices_answer_for_every_license_sku(engine: Engine) -> None:
    with engine.begin() as conn:
        eid = Ledger(conn).add_enterprise("acme", created_at=dt.datetime(2024, 1, 1))
        book = load_price_book(conn, eid)
        day = dt.date(2026, 3, 15)
        assert {
            s: book.price(s, day).price_per_unit
            for s in (
                "ghec_licenses",
                "ghas_secret_protection_licenses",
                "ghas_code_security_licenses",
                "copilot_for_business",
                "copilot_enterprise",
            )
        } == {
            "ghec_licenses": Decimal("21"),
            "ghas_secret_protection_licenses": Decimal("19"),
            "ghas_code_security_licenses": Decimal("30"),
            "copilot_for_business": Decimal("19"),
            "copilot_enterprise": Decimal("39"),
        }
        assert not book.price("ghec_licenses", day).negotiated


def test_negotiated_price_applies_from_its_effective_day_and_only_to_its_enterprise(engine: Engine) -> None:
    with engine.begin() as conn:
        ledger = Ledger(conn)
        acme = ledger.add_enterprise("acme", created_at=dt.datetime(2024, 1, 1))
        other = ledger.add_enterprise("other", created_at=dt.datetime(2024, 1, 1))
        set_price(
            conn,
            acme,
            "GitHub Enterprise",
            Decimal("18.00"),
            effective_from=dt.date(2026, 1, 10),
            discount_percent=Decimal("10"),
        )
        before = price_on(conn, acme, "ghec_licenses", dt.date(2026, 1, 9))
        on = price_on(conn, acme, "ghec_licenses", dt.date(2026, 1, 10))
        assert (before.price_per_unit, before.discount_percent) == (Decimal("21"), Decimal("0"))
        assert (on.price_per_unit, on.discount_percent, on.negotiated) == (Decimal("18"), Decimal("10"), True)
        assert price_on(conn, other, "ghec_licenses", dt.date(2026, 1, 10)).price_per_unit == Decimal("21")


@pytest.mark.parametrize("bad", ["-1", "abc", "1.00001"])
def test_a_price_that_is_not_a_small_non_negative_decimal_is_refused(engine: Engine, bad: str) -> None:
    with engine.begin() as conn:
        eid = Ledger(conn).add_enterprise("acme")
        with pytest.raises(InvalidInput):
            set_price(conn, eid, "ghec_licenses", bad, effective_from=dt.date(2026, 1, 1))  # type: ignore[arg-type]


def test_unknown_sku_is_refused_with_the_known_ones_named() -> None:
    with pytest.raises(InvalidInput, match="ghec_licenses"):
        find_sku("actions_linux")


@pytest.mark.parametrize("price", ["1e400", "Infinity", "NaN", "-1", "100000000", "0.00001"])
def test_a_price_that_does_not_fit_is_refused_by_the_engine_itself(engine: Engine, price: str) -> None:
    from seatledger.errors import InvalidInput
    from seatledger.licensing import pricing

    with engine.begin() as conn:
        eid = Ledger(conn).add_enterprise("fits", created_at=dt.datetime(2025, 1, 1))
    with pytest.raises(InvalidInput), engine.begin() as conn:
        pricing.set_price(conn, eid, "enterprise", price, effective_from=dt.date(2025, 1, 1))  # type: ignore[arg-type]
