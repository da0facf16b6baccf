"""The price catalog: what one unit of a license SKU costs an enterprise on a given day.

GitHub's list prices are rows with no enterprise (seeded by migration ``0002_billing``);
an enterprise may have negotiated rows (a price and/or a discount percent). For a day, the
price is the enterprise's row with the latest ``effective_from`` on or before that day, else
the list row with the latest ``effective_from`` on or before it. Money is ``Decimal``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from seatledger.db import tables as t
from seatledger.db.tables_billing import prices
from seatledger import validation
from seatledger.errors import InvalidInput, NotFound


@dataclass(frozen=True)
class Sku:
    """A license SKU as the usage API names it."""

    id: str  # e.g. "ghec_licenses"
    display_name: str  # e.g. "GitHub Enterprise" (the API accepts either)
    product: str  # product id: ghec | ghas | copilot
    unit_type: str
    ledger_product: str  # the ledger's product key in enterprise_products (volume vs metered)


SKUS: tuple[Sku, ...] = (
    Sku("ghec_licenses", "GitHub Enterprise", "ghec", "user-months", t.PRODUCT_ENTERPRISE),
    Sku("ghas_secret_protection_licenses", "Secret Protection", "ghas", "user-months", t.PRODUCT_SECRET_PROTECTION),
    Sku("ghas_code_security_licenses", "Code Security", "ghas", "user-months", t.PRODUCT_CODE_SECURITY),
    Sku("copilot_for_business", "Copilot Business", "copilot", "user-months", t.PRODUCT_COPILOT_BUSINESS),
    Sku("copilot_enterprise", "Copilot Enterprise", "copilot", "user-months", t.PRODUCT_COPILOT_ENTERPRISE),
)
SKU_BY_ID = {s.id: s for s in SKUS}

# GitHub's public list prices per user (or active committer) per month, USD. Migration
# 0002_billing seeds the same rows; these stand in when the seeded rows are gone (e.g. a
# database emptied by hand), so a price lookup never fails for a known SKU.
LIST_PRICES: dict[str, Decimal] = {
    "ghec_licenses": Decimal("21.00"),
    "ghas_secret_protection_licenses": Decimal("19.00"),
    "ghas_code_security_licenses": Decimal("30.00"),
    "copilot_for_business": Decimal("19.00"),
    "copilot_enterprise": Decimal("39.00"),
}
LIST_PRICES_FROM = dt.date(2020, 1, 1)
PRODUCT_NAMES = {"ghec": "GitHub Enterprise", "ghas": "GitHub Advanced Security", "copilot": "Copilot"}


def find_sku(name: str) -> Sku:
    """The SKU named by its id or display name (case-insensitive); InvalidInput if unknown."""
    wanted = name.strip().lower()
    for sku in SKUS:
        if wanted in (sku.id, sku.display_name.lower()):
            return sku
    raise InvalidInput(f"unknown sku {name!r}; one of {', '.join(s.id for s in SKUS)}")


def find_product(name: str) -> str:
    """A product id from its id or display name; InvalidInput if unknown."""
    wanted = name.strip().lower()
    for pid, display in PRODUCT_NAMES.items():
        if wanted in (pid, display.lower()):
            return pid
    raise InvalidInput(f"unknown product {name!r}; one of {', '.join(PRODUCT_NAMES)}")


@dataclass(frozen=True)
class Price:
    """The price of one unit (a user-month) on a day, and the discount that applies."""

    sku: str
    price_per_unit: Decimal
    discount_percent: Decimal  # 0..100
    effective_from: dt.date
    negotiated: bool  # an enterprise row, not the list price


class PriceBook:
    """Every price row of one enterprise's SKUs, loaded once; answers (sku, day) lookups."""

    def __init__(self, rows: dict[str, list[Price]]) -> None:
        # per sku: negotiated rows and list rows, each sorted by effective_from
        self._rows = rows

    def price(self, sku: str, day: dt.date) -> Price:
        """The price in force on ``day`` (enterprise row over list row); NotFound if none."""
        candidates = self._rows.get(sku, [])
        best: Price | None = None
        for negotiated in (True, False):
            for p in candidates:
                if p.negotiated is negotiated and p.effective_from <= day:
                    if best is None or p.effective_from > best.effective_from:
                        best = p
            if best is not None:
                return best
        raise NotFound(f"no price for {sku} on {day.isoformat()}")

    def list_price(self, sku: str, day: dt.date) -> Price:
        """GitHub's public list price in force on ``day`` (ignoring negotiated rows)."""
        rows = [p for p in self._rows.get(sku, []) if not p.negotiated and p.effective_from <= day]
        if not rows:
            raise NotFound(f"no list price for {sku} on {day.isoformat()}")
        return max(rows, key=lambda p: p.effective_from)


def load_price_book(conn: Connection, enterprise_id: int) -> PriceBook:
    """All list prices and the enterprise's own prices (a few dozen rows at most)."""
    p = prices
    rows: dict[str, list[Price]] = {}
    query = (
        sa.select(p.c.sku, p.c.price_per_unit, p.c.discount_percent, p.c.effective_from, p.c.enterprise_id)
        .where(sa.or_(p.c.enterprise_id.is_(None), p.c.enterprise_id == enterprise_id))
        .order_by(p.c.sku, p.c.effective_from, p.c.id)
    )
    for r in conn.execute(query):
        rows.setdefault(r.sku, []).append(
            Price(
                sku=r.sku,
                price_per_unit=Decimal(r.price_per_unit),
                discount_percent=Decimal(r.discount_percent or 0),
                effective_from=r.effective_from,
                negotiated=r.enterprise_id is not None,
            )
        )
    for sku, amount in LIST_PRICES.items():
        if not any(not p.negotiated for p in rows.get(sku, [])):
            rows.setdefault(sku, []).insert(0, Price(sku, amount, Decimal("0"), LIST_PRICES_FROM, False))
    return PriceBook(rows)


def price_on(conn: Connection, enterprise_id: int, sku: str, day: dt.date) -> Price:
    """The price of ``sku`` for the enterprise on ``day``."""
    return load_price_book(conn, enterprise_id).price(find_sku(sku).id, day)


def parse_money(value: str | Decimal, what: str = "price") -> Decimal:
    """A finite, non-negative amount that fits its column, with at most 4 decimals (the one
    rule of ``seatledger.validation``); InvalidInput otherwise."""
    return validation.money(value, what)


def set_price(
    conn: Connection,
    enterprise_id: int,
    sku: str,
    price_per_unit: Decimal,
    *,
    effective_from: dt.date,
    discount_percent: Decimal = Decimal("0"),
) -> Price:
    """Record a negotiated price for the enterprise from ``effective_from`` (replacing a row
    for the same day). Earlier days keep their price."""
    found = find_sku(sku)
    price_per_unit = parse_money(price_per_unit)
    discount_percent = parse_money(discount_percent, "discount percent")
    if discount_percent > 100:
        raise InvalidInput(f"discount percent must be between 0 and 100, not {discount_percent}")
    p = prices
    conn.execute(
        sa.delete(p).where(
            p.c.enterprise_id == enterprise_id, p.c.sku == found.id, p.c.effective_from == effective_from
        )
    )
    conn.execute(
        sa.insert(p).values(
            sku=found.id,
            product=found.product,
            unit_type=found.unit_type,
            price_per_unit=price_per_unit,
            enterprise_id=enterprise_id,
            discount_percent=discount_percent,
            effective_from=effective_from,
        )
    )
    return Price(found.id, price_per_unit, discount_percent, effective_from, True)


def list_prices(conn: Connection, enterprise_id: int) -> list[Price]:
    """Every price row that applies to the enterprise (list and negotiated), by sku and date."""
    book = load_price_book(conn, enterprise_id)
    return [p for sku in SKU_BY_ID for p in book._rows.get(sku, [])]
