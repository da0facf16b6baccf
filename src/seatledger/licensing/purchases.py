"""What an enterprise bought of each product, with history: the billing model (metered or
volume), the purchased count and the expiry, each in effect from a date on.

A purchase is a dated fact (``product_purchases``): setting one from a date adds a row and
leaves the earlier ones, so asking about a past month answers with what was bought then. The
purchase in effect today is also kept in ``enterprise_products``, the row the counting reads,
in the same transaction. Written by ``seatledger billing set`` and by the GitHub sync (the
purchased counts GitHub returns); read by ``seatledger billing show``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from seatledger.db import tables as t
from seatledger.db.tables_billing import product_purchases
from seatledger.db.ledger import Ledger
from seatledger.db.ledger_writer import Outcome
from seatledger.errors import InvalidInput

BILLING_MODELS = ("metered", "volume")
# The products a purchase is named by; "copilot" is both Copilot plans, bought alike.
PRODUCT_NAMES: dict[str, tuple[str, ...]] = {
    t.PRODUCT_ENTERPRISE: (t.PRODUCT_ENTERPRISE,),
    t.PRODUCT_CODE_SECURITY: (t.PRODUCT_CODE_SECURITY,),
    t.PRODUCT_SECRET_PROTECTION: (t.PRODUCT_SECRET_PROTECTION,),
    "copilot": (t.PRODUCT_COPILOT_BUSINESS, t.PRODUCT_COPILOT_ENTERPRISE),
    t.PRODUCT_COPILOT_BUSINESS: (t.PRODUCT_COPILOT_BUSINESS,),
    t.PRODUCT_COPILOT_ENTERPRISE: (t.PRODUCT_COPILOT_ENTERPRISE,),
}


@dataclass(frozen=True)
class Purchase:
    """What was bought of one product from ``effective_from`` (None: a purchase the ledger
    held before purchases had history, date unknown)."""

    product: str
    billing: str
    purchased: int
    expires_at: dt.date | None
    effective_from: dt.date | None
    source: str


def _today() -> dt.date:
    return dt.datetime.now(dt.timezone.utc).date()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)


def ledger_products(name: str) -> tuple[str, ...]:
    """The ledger products a product name stands for; InvalidInput for an unknown name."""
    try:
        return PRODUCT_NAMES[name]
    except KeyError:
        raise InvalidInput(f"unknown product {name!r}; one of {', '.join(PRODUCT_NAMES)}") from None


def _from_row(row: Any) -> Purchase:
    return Purchase(
        str(row.product), str(row.billing), int(row.purchased or 0), row.expires_at, row.effective_from, str(row.source)
    )


def _in_effect(conn: Connection, enterprise_id: int, product: str, on: dt.date) -> Purchase | None:
    """The product's purchase in effect on ``on``: its latest row from that day or before;
    for a product with no dated row at all, the ledger's current one (date unknown)."""
    pp = product_purchases
    row = conn.execute(
        sa.select(pp)
        .where(pp.c.enterprise_id == enterprise_id, pp.c.product == product, pp.c.effective_from <= on)
        .order_by(pp.c.effective_from.desc())
        .limit(1)
    ).first()
    if row is not None:
        return _from_row(row)
    dated = conn.execute(
        sa.select(sa.func.count()).select_from(pp).where(pp.c.enterprise_id == enterprise_id, pp.c.product == product)
    ).scalar_one()
    if dated:
        return None  # bought only from a later day on
    ep = t.enterprise_products
    current = conn.execute(
        sa.select(ep.c.billing, ep.c.purchased, ep.c.expires_at).where(
            ep.c.enterprise_id == enterprise_id, ep.c.product == product
        )
    ).first()
    if current is None:
        return None
    return Purchase(product, current.billing, int(current.purchased or 0), current.expires_at, None, "ledger")


def purchases_at(conn: Connection, enterprise_id: int, on: dt.date | None = None) -> list[Purchase]:
    """Every product's purchase in effect on ``on`` (default today), in product order;
    products with none are left out (metered, nothing bought)."""
    day = on or _today()
    found = (_in_effect(conn, enterprise_id, product, day) for product in t.PRODUCTS)
    return [p for p in found if p is not None]


def purchase_history(conn: Connection, enterprise_id: int) -> list[Purchase]:
    """Every dated purchase of the enterprise, by product then date."""
    pp = product_purchases
    rows = conn.execute(
        sa.select(pp).where(pp.c.enterprise_id == enterprise_id).order_by(pp.c.product, pp.c.effective_from)
    )
    return [_from_row(row) for row in rows]


def set_purchase(
    conn: Connection,
    enterprise_id: int,
    product: str,
    *,
    billing: str | None = None,
    purchased: int | None = None,
    expires_at: dt.date | None = None,
    effective_from: dt.date | None = None,
    source: str = "cli",
    today: dt.date | None = None,
) -> dict[str, Outcome]:
    """Record what was bought of ``product`` (a name of :data:`PRODUCT_NAMES`) from
    ``effective_from`` (default today). What is not given is kept from the purchase in effect
    that day (the sync knows counts, not the billing model). A purchase equal to the one in
    effect is not recorded again, so a daily sync adds a row only when something changed.
    Returns each ledger product's outcome."""
    if billing is not None and billing not in BILLING_MODELS:
        raise InvalidInput(f"the billing model is metered or volume, not {billing!r}")
    if purchased is not None and purchased < 0:
        raise InvalidInput(f"the purchased count cannot be negative ({purchased})")
    day = effective_from or today or _today()
    outcomes: dict[str, Outcome] = {}
    for ledger_product in ledger_products(product):
        base = _in_effect(conn, enterprise_id, ledger_product, day)
        wanted = Purchase(
            ledger_product,
            billing or (base.billing if base else "metered"),
            purchased if purchased is not None else (base.purchased if base else 0),
            expires_at if expires_at is not None else (base.expires_at if base else None),
            day,
            source,
        )
        same = base is not None and (base.billing, base.purchased, base.expires_at) == (
            wanted.billing,
            wanted.purchased,
            wanted.expires_at,
        )
        if same and base is not None and base.effective_from is not None:
            outcomes[ledger_product] = "unchanged"
            continue
        outcomes[ledger_product] = _write(conn, enterprise_id, wanted)
        _keep_current(conn, enterprise_id, ledger_product, today or _today())
    if any(o != "unchanged" for o in outcomes.values()):
        Ledger(conn).bump_version(enterprise_id, intervals_changed=False)
    return outcomes


def _write(conn: Connection, enterprise_id: int, p: Purchase) -> Outcome:
    pp = product_purchases
    replaced = conn.execute(
        sa.delete(pp).where(
            pp.c.enterprise_id == enterprise_id, pp.c.product == p.product, pp.c.effective_from == p.effective_from
        )
    ).rowcount
    conn.execute(
        sa.insert(pp).values(
            enterprise_id=enterprise_id,
            product=p.product,
            billing=p.billing,
            purchased=p.purchased,
            expires_at=p.expires_at,
            effective_from=p.effective_from,
            source=p.source,
            recorded_at=_now(),
        )
    )
    return "updated" if replaced else "created"


def _keep_current(conn: Connection, enterprise_id: int, product: str, today: dt.date) -> None:
    """``enterprise_products`` holds the purchase in effect today (a purchase from a later day
    changes it when that day comes: the next write, or ``billing set`` again)."""
    current = _in_effect(conn, enterprise_id, product, today)
    if current is not None and current.effective_from is not None:
        Ledger(conn).set_product(
            enterprise_id, product, billing=current.billing, purchased=current.purchased, expires_at=current.expires_at
        )
