"""Metered billing usage: daily line items computed from the license history (spec 2.1-2.4).

Nothing here is stored: every line item is derived, month by month, from who held a license.

**Who is billed on a day** is :mod:`seatledger.licensing.billed_people`: the counting
engine's rules (seat reasons, active committers, Copilot seats) over the month, with the
metered rule "a person billed in a month stays billed for the rest of that month after
removal".

**Amounts.** ``quantity`` of a line item is the number of people billed that day. A person's
day costs ``price / days_in_month`` (the price in force that day). Rounding is to cents,
ROUND_HALF_UP, on each person's running total for the month: a person's amount on day *d* is
``round(total through d) - round(total through d-1)``, so a person billed all month costs
exactly the monthly price, one who starts on day *f* costs ``round(price * (D-f+1) / D)``, and
every line item is the sum of its people's amounts (so the detailed report, the summarized
report and the API all add up to the same cents). A discount percent (negotiated) is rounded
the same way; products billed by volume, and Visual Studio-bundled GitHub Enterprise
licenses, report their gross with an equal discount (net 0).

**Allocation.** Each person-day goes to the license-granting organization (GitHub Enterprise:
the oldest org the person belongs to that day — by membership, else as a repository
collaborator, else by a pending invitation; Advanced Security: the oldest org of the
repositories they are active committers to; Copilot: the seat's org) and to a cost center by
:mod:`seatledger.licensing.cost_centers` (evaluated at the end of the day).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Iterable, Iterator

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from seatledger.db import tables as t
from seatledger.errors import InvalidInput
from seatledger.licensing.billed_people import (
    AS_PRODUCTS,
    GHEC,
    BilledPerson,
    BillingMonth,
    MonthBilling,
    committer_billing,
    committer_people,
    copilot_billing,
    copilot_people,
    enterprise_billing,
    enterprise_people,
)
from seatledger.licensing.cost_centers import Allocator, load_allocator, self_assigned_users
from seatledger.licensing.pricing import SKU_BY_ID, SKUS, PriceBook, Sku, load_price_book
from seatledger.licensing.scope import EnterpriseInfo

CENT = Decimal("0.01")
# Longest ranges, as GitHub's: a summarized report covers up to a year, a detailed one 31 days.
SUMMARIZED_MAX_DAYS = 366
DETAILED_MAX_DAYS = 31
# What summarized line items are split by, besides the day and the SKU.
SPLITS = ("organization", "cost_center")
# The usage API answers for the current month and the 23 before it.
USAGE_API_MONTHS = 24


@dataclass(frozen=True)
class LineItem:
    """One usage line: a day, a SKU, an organization and a cost center (and, in the detailed
    report, a person). Money is Decimal; JSON surfaces convert at the edge."""

    date: dt.date
    product: str
    sku: str
    quantity: int
    unit_type: str
    price_per_unit: Decimal
    gross_amount: Decimal
    discount_amount: Decimal
    net_amount: Decimal
    organization: str | None
    repository: str | None
    cost_center_id: str | None
    cost_center_name: str | None
    username: str | None = None


def _line(
    m: BillingMonth,
    d: int,
    sku: Sku,
    price: Decimal,
    quantity: int,
    amounts: tuple[Decimal, Decimal, Decimal],
    org: str | None,
    cc: str | None,
    allocator: Allocator,
    login: str | None = None,
) -> LineItem:
    """The line of day ``d``: ``amounts`` is (gross, discount, net)."""
    gross, discount, net = amounts
    cc_name = allocator.names.get(cc) if cc else None
    return LineItem(
        m.day(d),
        sku.product,
        sku.id,
        quantity,
        sku.unit_type,
        price,
        gross,
        discount,
        net,
        org,
        None,
        cc,
        cc_name,
        login,
    )


def round_cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


# -- amounts ------------------------------------------------------------------------------------
class _Tariff:
    """A person's amounts per day for one SKU in one month, by first billed day (cached)."""

    def __init__(self, m: BillingMonth, sku: str, prices: PriceBook, volume: bool) -> None:
        self.m = m
        self.volume = volume
        days = range(1, m.days + 1)
        self.prices = {d: prices.price(sku, m.day(d)) for d in days}
        self._cache: dict[tuple[int, bool], list[tuple[Decimal, Decimal, Decimal]]] = {}

    def amounts(self, first: int, bundled: bool) -> list[tuple[Decimal, Decimal, Decimal]]:
        """(gross, discount, net) for each day (index = day; days before ``first`` are zero)."""
        key = (first, bundled)
        if key in self._cache:
            return self._cache[key]
        zero = (Decimal(0), Decimal(0), Decimal(0))
        out = [zero] * (self.m.days + 1)
        gross_total = disc_total = Decimal(0)
        gross_prev = disc_prev = Decimal(0)
        whole = self.volume or bundled
        for d in range(first, self.m.days + 1):
            price = self.prices[d]
            share = price.price_per_unit / self.m.days
            gross_total += share
            disc_total += share * price.discount_percent / 100
            g, dsc = round_cents(gross_total), round_cents(disc_total)
            gross = g - gross_prev
            discount = gross if whole else dsc - disc_prev
            out[d] = (gross, discount, gross - discount)
            gross_prev, disc_prev = g, dsc
        self._cache[key] = out
        return out


def _volume_products(conn: Connection, enterprise_id: int) -> set[str]:
    ep = t.enterprise_products
    return {
        row.product
        for row in conn.execute(
            sa.select(ep.c.product).where(ep.c.enterprise_id == enterprise_id, ep.c.billing == "volume")
        )
    }


# -- the public functions -----------------------------------------------------------------------
@dataclass(frozen=True)
class UsageFilter:
    """What to keep: an organization (login), SKUs, a cost center (id, or ``"none"``)."""

    organization: str | None = None
    skus: tuple[str, ...] | None = None
    cost_center_id: str | None = None  # None = all, "none" = without a cost center


def _months(start: dt.date, end: dt.date) -> Iterator[tuple[int, int]]:
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def check_range(start: dt.date, end: dt.date, max_days: int, what: str) -> None:
    """InvalidInput unless ``start <= end`` and the range spans at most ``max_days`` days."""
    if end < start:
        raise InvalidInput(f"the end date {end.isoformat()} is before the start date {start.isoformat()}")
    if (end - start).days + 1 > max_days:
        raise InvalidInput(
            f"a {what} covers at most {max_days} days; {start.isoformat()} to {end.isoformat()} is "
            f"{(end - start).days + 1} days"
        )


def _month_rows(
    conn: Connection,
    ent: EnterpriseInfo,
    year: int,
    month: int,
    first_day: int,
    last_day: int,
    filt: UsageFilter,
    allocator: Allocator,
    prices: PriceBook,
    volume: set[str],
    org_logins: dict[int, str],
    detailed: bool,
    split_by: tuple[str, ...],
) -> Iterator[LineItem]:
    m = BillingMonth(conn, ent, year, month, last_day)
    skus = [s for s in SKUS if filt.skus is None or s.id in filt.skus]
    own = self_assigned_users(ent.id)
    # An org's usage: only people who may be billed through it are counted (the rows are still
    # kept by ``filt``, as the enterprise's would be).
    org_id = next((i for i, login in org_logins.items() if login == filt.organization), None)
    by_copilot: dict[str, MonthBilling] | None = None
    by_committers: dict[str, MonthBilling] | None = None
    for sku in skus:
        tariff = _Tariff(m, sku.id, prices, sku.ledger_product in volume)
        if detailed:
            people = _people(conn, m, sku.id)
            if people:
                yield from _detailed_rows(m, sku, people, tariff, first_day, last_day, filt, allocator, org_logins)
            continue
        if sku.id == GHEC:
            billing = enterprise_billing(conn, m, own, org_id)
        elif sku.id in AS_PRODUCTS:
            if by_committers is None:  # both products come from one statement
                by_committers = committer_billing(conn, m, own, org_id)
            billing = by_committers[sku.id]
        else:
            if by_copilot is None:
                by_copilot = copilot_billing(conn, m, own, org_id)
            billing = by_copilot[sku.id]
        yield from _grouped_rows(m, sku, billing, tariff, first_day, last_day, filt, allocator, org_logins, split_by)


def _people(conn: Connection, m: BillingMonth, sku: str) -> list[BilledPerson]:
    """Everyone billed for ``sku`` in the month, one by one (the detailed report)."""
    if sku == GHEC:
        return enterprise_people(conn, m)
    if sku in AS_PRODUCTS:
        return committer_people(conn, m)[sku]
    return copilot_people(conn, m)[sku]


def _keep(filt: UsageFilter, org: str | None, cc: str | None) -> bool:
    if filt.organization is not None and org != filt.organization:
        return False
    return filt.cost_center_id is None or (cc or "none") == filt.cost_center_id


def _detailed_rows(
    m: BillingMonth,
    sku: Sku,
    people: list[BilledPerson],
    tariff: _Tariff,
    first_day: int,
    last_day: int,
    filt: UsageFilter,
    allocator: Allocator,
    org_logins: dict[int, str],
) -> Iterator[LineItem]:
    people.sort(key=lambda p: (p.login or "", p.user_id or 0))
    for d in range(first_day, last_day + 1):
        at = m.day_spans[d][1]
        price = tariff.prices[d].price_per_unit
        for p in people:
            if not p.billed(d):
                continue
            org_id = p.orgs[d]
            org = org_logins.get(org_id) if org_id is not None else None
            cc = allocator.allocate(p.user_id, org_id, at) if not allocator.empty else None
            if not _keep(filt, org, cc):
                continue
            yield _line(m, d, sku, price, 1, tariff.amounts(p.first, p.bundled)[d], org, cc, allocator, p.login)


def _grouped_rows(
    m: BillingMonth,
    sku: Sku,
    billing: MonthBilling,
    tariff: _Tariff,
    first_day: int,
    last_day: int,
    filt: UsageFilter,
    allocator: Allocator,
    org_logins: dict[int, str],
    split_by: tuple[str, ...],
) -> Iterator[LineItem]:
    """Summarized rows. People whose org and cost center stay the same all month (most of
    them) are counted per (first day, bundled, org, cost center) and added in bulk. A dimension
    not in ``split_by`` (and not filtered on) is not split: None in every row."""
    days_end = [end for _, end in m.day_spans]
    by_org = "organization" in split_by or filt.organization is not None
    by_cost_center = ("cost_center" in split_by or filt.cost_center_id is not None) and not allocator.empty
    steady: dict[tuple[int, bool, int | None, str | None], int] = defaultdict(int)
    # (day, org, cost center) -> (quantity, gross, discount, net)
    groups: dict[tuple[int, int | None, str | None], tuple[int, Decimal, Decimal, Decimal]] = {}
    nothing = (0, Decimal(0), Decimal(0), Decimal(0))

    def add(d: int, org_id: int | None, cc: str | None, n: int, amounts: tuple[Decimal, Decimal, Decimal]) -> None:
        key = (d, org_id if by_org else None, cc)
        qty, gross, discount, net = groups.get(key, nothing)
        groups[key] = (qty + n, gross + amounts[0] * n, discount + amounts[1] * n, net + amounts[2] * n)

    def allocated(user_id: int | None, org_id: int | None, d: int) -> str | None:
        return allocator.allocate(user_id, org_id, days_end[d]) if by_cost_center else None

    def constant(user_id: int | None, org_id: int | None, lo: int) -> bool:
        return not by_cost_center or allocator.constant(user_id, org_id, days_end[lo], days_end[last_day])

    for g in billing.groups:
        lo = max(first_day, g.first)
        if lo > last_day:
            continue
        if constant(g.user_id, g.org_id, lo):
            steady[(g.first, g.bundled, g.org_id if by_org else None, allocated(g.user_id, g.org_id, lo))] += g.count
            continue
        amounts = tariff.amounts(g.first, g.bundled)
        for d in range(lo, last_day + 1):
            add(d, g.org_id, allocated(g.user_id, g.org_id, d), g.count, amounts[d])
    for p in billing.people:
        lo = max(first_day, p.first)
        if lo > last_day:
            continue
        # One org all month (or orgs that decide nothing here: neither split nor allocating by).
        org_ids = set(p.orgs[lo : last_day + 1]) if by_org or by_cost_center else {None}
        if p.mask is None and len(org_ids) == 1 and constant(p.user_id, p.orgs[lo], lo):
            steady[(p.first, p.bundled, p.orgs[lo] if by_org else None, allocated(p.user_id, p.orgs[lo], lo))] += 1
            continue
        amounts = tariff.amounts(p.first, p.bundled)
        for d in range(lo, last_day + 1):
            if p.billed(d):
                add(d, p.orgs[d], allocated(p.user_id, p.orgs[d], d), 1, amounts[d])
    for (first, bundled, org_id, cc), n in steady.items():
        amounts = tariff.amounts(first, bundled)
        for d in range(max(first_day, first), last_day + 1):
            add(d, org_id, cc, n, amounts[d])
    rows = []
    for (d, org_id, cc), (qty, gross, discount, net) in groups.items():
        org = org_logins.get(org_id) if org_id is not None else None
        if not _keep(filt, org, cc):
            continue
        rows.append(_line(m, d, sku, tariff.prices[d].price_per_unit, qty, (gross, discount, net), org, cc, allocator))
    rows.sort(key=lambda r: (r.date, r.organization or "", r.cost_center_name or "", r.cost_center_id or ""))
    yield from rows


def iter_line_items(
    conn: Connection,
    enterprise: EnterpriseInfo,
    start: dt.date,
    end: dt.date,
    *,
    filt: UsageFilter = UsageFilter(),
    detailed: bool = False,
    as_of: dt.datetime | None = None,
    split_by: tuple[str, ...] = SPLITS,
) -> Iterator[LineItem]:
    """Line items of each day from ``start`` to ``end`` (days after ``as_of`` have none), by
    date, then SKU, organization and cost center; ``detailed`` gives one per person-day.
    ``split_by`` names the dimensions (of :data:`SPLITS`) the summarized items are split by:
    one left out is None in every item, and costs nothing to work out (a total per SKU needs
    neither the granting organization nor the cost center)."""
    today = (as_of or dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)).date()
    end = min(end, today)
    if end < start:
        return
    if filt.skus is not None:
        unknown = [s for s in filt.skus if s not in SKU_BY_ID]
        if unknown:
            raise InvalidInput(f"unknown sku {unknown[0]!r}")
    allocator = load_allocator(conn, enterprise.id)
    prices = load_price_book(conn, enterprise.id)
    volume = _volume_products(conn, enterprise.id)
    o = t.organizations
    org_logins = {
        row.id: row.login
        for row in conn.execute(sa.select(o.c.id, o.c.login).where(o.c.enterprise_id == enterprise.id))
    }
    for year, month in _months(start, end):
        first = start.day if (year, month) == (start.year, start.month) else 1
        last = end.day if (year, month) == (end.year, end.month) else calendar.monthrange(year, month)[1]
        # Within a day, rows come SKU by SKU; reorder so the whole range reads by date.
        rows = list(
            _month_rows(
                conn,
                enterprise,
                year,
                month,
                first,
                last,
                filt,
                allocator,
                prices,
                volume,
                org_logins,
                detailed,
                split_by,
            )
        )
        rows.sort(
            key=lambda r: (
                r.date,
                _SKU_ORDER[r.sku],
                r.organization or "",
                r.cost_center_name or "",
                r.cost_center_id or "",
                r.username or "",
            )
        )
        yield from rows


_SKU_ORDER = {s.id: i for i, s in enumerate(SKUS)}


@dataclass(frozen=True)
class SummaryItem:
    """Totals of one SKU over a period (the usage summary API). Quantities are user-months:
    each person-day counts 1/days-in-its-month."""

    product: str
    sku: str
    unit_type: str
    price_per_unit: Decimal  # the price on the last day with usage
    gross_quantity: Decimal
    gross_amount: Decimal
    discount_quantity: Decimal
    discount_amount: Decimal
    net_quantity: Decimal
    net_amount: Decimal


QUANTITY_PLACES = Decimal("0.0001")


def summarize(items: Iterable[LineItem]) -> list[SummaryItem]:
    """Sum line items per SKU: amounts add up exactly; quantities become user-months (4 places)."""
    acc: dict[str, list[Decimal]] = {}
    for item in items:
        days = calendar.monthrange(item.date.year, item.date.month)[1]
        a = acc.setdefault(item.sku, [Decimal(0)] * 5 + [item.price_per_unit])
        share = Decimal(item.quantity) / days
        a[0] += share
        a[1] += item.gross_amount
        if item.gross_amount:
            a[2] += share * item.discount_amount / item.gross_amount
        a[3] += item.discount_amount
        a[4] += item.net_amount
        a[5] = item.price_per_unit
    out = []
    for sku in SKUS:
        if sku.id not in acc:
            continue
        gq, gross, dq, discount, net, price = acc[sku.id]
        gq_r = gq.quantize(QUANTITY_PLACES, rounding=ROUND_HALF_UP)
        dq_r = dq.quantize(QUANTITY_PLACES, rounding=ROUND_HALF_UP)
        out.append(
            SummaryItem(sku.product, sku.id, sku.unit_type, price, gq_r, gross, dq_r, discount, gq_r - dq_r, net)
        )
    return out
