"""The metered usage as a FinOps FOCUS 1.0 cost and usage dataset (CSV).

One row per line item of the summarized usage report (:mod:`seatledger.licensing.usage`):
a day, a SKU, an organization and a cost center. The money is the usage report's, cent for
cent: ``BilledCost`` and ``EffectiveCost`` are its ``net_amount`` (after the negotiated
discount; products billed by volume and Visual Studio-bundled seats are paid for up front,
so they bill 0 here as there), ``ContractedCost`` its ``gross_amount`` (the price in force,
list or negotiated), ``ListCost`` the same quantity at GitHub's list price.

Quantities: ``ConsumedQuantity`` is the number of people licensed that day (``Users``);
``PricingQuantity`` is that day in ``User-Months``, the unit the prices are per
(people / days in the month), so ``ContractedUnitPrice x PricingQuantity`` is the contracted
cost up to the per-person cent rounding the usage report applies.

Every FOCUS 1.0 column is present, in the specification's (alphabetical) order; the ones a
license seller has no value for (regions, resources, commitment discounts) are empty, i.e.
null. Date-times are UTC, ``YYYY-MM-DDTHH:MM:SSZ``; periods are [start, end).
``Tags`` is a JSON object with the line's ``cost_center``, ``organization`` and
``repository`` (null when the line has none: license SKUs have no repository).
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
from decimal import ROUND_HALF_UP, Decimal
from typing import Iterator

from sqlalchemy.engine import Connection

from seatledger.licensing import (
    PRODUCT_NAMES,
    SKU_BY_ID,
    EnterpriseInfo,
    LineItem,
    PriceBook,
    Scope,
    UsageFilter,
    iter_line_items,
    load_price_book,
    resolve,
    round_cents,
)
from seatledger.reports.writer import Progress, format_money, iter_csv

FOCUS_VERSION = "1.0"
# Every FOCUS 1.0 column and its data type, in the specification's order.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("AvailabilityZone", "String"),
    ("BilledCost", "Decimal"),
    ("BillingAccountId", "String"),
    ("BillingAccountName", "String"),
    ("BillingCurrency", "String"),
    ("BillingPeriodEnd", "DateTime"),
    ("BillingPeriodStart", "DateTime"),
    ("ChargeCategory", "String"),
    ("ChargeClass", "String"),
    ("ChargeDescription", "String"),
    ("ChargeFrequency", "String"),
    ("ChargePeriodEnd", "DateTime"),
    ("ChargePeriodStart", "DateTime"),
    ("CommitmentDiscountCategory", "String"),
    ("CommitmentDiscountId", "String"),
    ("CommitmentDiscountName", "String"),
    ("CommitmentDiscountStatus", "String"),
    ("CommitmentDiscountType", "String"),
    ("ConsumedQuantity", "Decimal"),
    ("ConsumedUnit", "String"),
    ("ContractedCost", "Decimal"),
    ("ContractedUnitPrice", "Decimal"),
    ("EffectiveCost", "Decimal"),
    ("InvoiceIssuerName", "String"),
    ("ListCost", "Decimal"),
    ("ListUnitPrice", "Decimal"),
    ("PricingCategory", "String"),
    ("PricingQuantity", "Decimal"),
    ("PricingUnit", "String"),
    ("ProviderName", "String"),
    ("PublisherName", "String"),
    ("RegionId", "String"),
    ("RegionName", "String"),
    ("ResourceId", "String"),
    ("ResourceName", "String"),
    ("ResourceType", "String"),
    ("ServiceCategory", "String"),
    ("ServiceName", "String"),
    ("SkuId", "String"),
    ("SkuPriceId", "String"),
    ("SubAccountId", "String"),
    ("SubAccountName", "String"),
    ("Tags", "JSON"),
)
HEADER = tuple(name for name, _type in COLUMNS)

PROVIDER = "GitHub"
CURRENCY = "USD"
CONSUMED_UNIT = "Users"
PRICING_UNIT = "User-Months"
# FOCUS service categories of GitHub's license products.
SERVICE_CATEGORIES = {"ghec": "Developer Tools", "ghas": "Security", "copilot": "AI and Machine Learning"}
# PricingQuantity's places: a person-day is 1/28 to 1/31 of a user-month.
QUANTITY_PLACES = Decimal("0.000001")


def _instant(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def _month_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    first = day.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return first, following


def _list_cost(item: LineItem, list_price: Decimal, quantity: Decimal) -> Decimal:
    """The line at list price: the contracted gross scaled to the list price (the same cents
    when the price in force is the list price)."""
    if item.price_per_unit == list_price:
        return item.gross_amount
    if item.price_per_unit == 0:
        return round_cents(list_price * quantity)
    return round_cents(item.gross_amount * list_price / item.price_per_unit)


def _row(item: LineItem, ent: EnterpriseInfo, prices: PriceBook) -> list[str | int | None]:
    sku = SKU_BY_ID[item.sku]
    days = calendar.monthrange(item.date.year, item.date.month)[1]
    quantity = (Decimal(item.quantity) / days).quantize(QUANTITY_PLACES, rounding=ROUND_HALF_UP)
    list_price = prices.list_price(item.sku, item.date).price_per_unit
    period_start, period_end = _month_bounds(item.date)
    where = f" in organization {item.organization}" if item.organization else ""
    tags = {"cost_center": item.cost_center_name, "organization": item.organization, "repository": item.repository}
    return [
        None,  # AvailabilityZone
        format_money(item.net_amount),
        ent.slug,
        ent.name,
        CURRENCY,
        _instant(period_end),
        _instant(period_start),
        "Usage",
        None,  # ChargeClass: never a correction
        f"{sku.display_name} licenses: {item.quantity} {'person' if item.quantity == 1 else 'people'}{where} "
        f"on {item.date.isoformat()}",
        "Usage-Based",
        _instant(item.date + dt.timedelta(days=1)),
        _instant(item.date),
        None,
        None,
        None,
        None,
        None,  # CommitmentDiscount*
        item.quantity,
        CONSUMED_UNIT,
        format_money(item.gross_amount),
        format_money(item.price_per_unit),
        format_money(item.net_amount),
        PROVIDER,
        format_money(_list_cost(item, list_price, quantity)),
        format_money(list_price),
        "Standard",
        format(quantity.normalize(), "f"),
        PRICING_UNIT,
        PROVIDER,
        PROVIDER,
        None,
        None,  # Region*
        None,
        None,
        None,  # Resource*
        SERVICE_CATEGORIES[sku.product],
        PRODUCT_NAMES[sku.product],
        sku.id,
        f"{sku.id}:{format_money(item.price_per_unit)}",
        item.organization,
        item.organization,
        json.dumps(tags, separators=(",", ":"), sort_keys=True),
    ]


def iter_focus(
    conn: Connection,
    scope: Scope,
    start: dt.date,
    end: dt.date,
    *,
    as_of: dt.datetime | None = None,
    progress: Progress | None = None,
) -> Iterator[bytes]:
    """Encoded CSV chunks of the FOCUS dataset for an enterprise or an organization (the
    caller has checked the range)."""
    resolved = resolve(conn, scope)
    ent = resolved.enterprise
    filt = UsageFilter(organization=scope.name if scope.kind == "organization" else None)
    prices = load_price_book(conn, ent.id)
    items = iter_line_items(conn, ent, start, end, filt=filt, as_of=as_of)
    return iter_csv(HEADER, (_row(i, ent, prices) for i in items), progress=progress)
