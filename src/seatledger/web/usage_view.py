"""What the Usage page shows: the metered line items of one calendar month from
``licensing.usage``, arranged per day and per group (SKU, organization or cost center) for the
chart and its tables. The amounts are the engine's; this module only lays them out."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from operator import attrgetter
from typing import Any, Callable

from sqlalchemy.engine import Connection

from seatledger import validation
from seatledger.errors import InvalidInput
from seatledger.licensing import (
    SKU_BY_ID,
    USAGE_API_MONTHS,
    LineItem,
    Scope,
    UsageFilter,
    iter_line_items,
    month_start,
    next_month_start,
    resolve,
)
from seatledger.web.table_view import TablePage, TableState, page_of

GROUPS = {"sku": "SKU", "organization": "Organization", "cost_center": "Cost center"}
# What the line items must be split by for each grouping (a total per SKU needs neither).
SPLIT_BY: dict[str, tuple[str, ...]] = {"sku": (), "organization": ("organization",), "cost_center": ("cost_center",)}
ENTERPRISE_ONLY = "Enterprise Only"  # GitHub's label for usage without a cost center
# The chart draws this many groups, the largest by billed amount, and the rest as one series:
# a hundred organizations in eight repeating colours read as none. The tables keep them all.
CHART_SERIES = 8
# A day of the By day list shows its largest groups and the rest as one row, so a month of a
# hundred organizations is a few hundred rows, not thousands; the emailed report has them all.
DAY_ROWS = 10
# The columns the totals table sorts by (``grp_sort=``): the group's name or an amount.
TOTALS_SORTS = ("name", "gross", "discount", "net")


@dataclass(frozen=True)
class GroupTotal:
    label: str
    gross: Decimal
    discount: Decimal
    net: Decimal


@dataclass(frozen=True)
class DayRow:
    """One group's usage on one day (the rows a day expands to)."""

    label: str
    quantity: int
    gross: Decimal
    discount: Decimal
    net: Decimal


@dataclass(frozen=True)
class UsagePage:
    scope: Scope
    month: dt.date
    months: list[dt.date]  # the months the picker offers, newest first
    group: str
    days: list[dt.date]
    series: list[tuple[str, list[float]]]  # the largest groups, then "N others": net amount per day
    totals: list[GroupTotal]  # every group, largest billed amount first
    by_day: list[tuple[dt.date, Decimal, list[DayRow]]]  # newest first: day, billed, rows per group
    net: Decimal
    gross: Decimal


def _key(item: LineItem, group: str) -> str:
    if group == "organization":
        return item.organization or "(no organization)"
    if group == "cost_center":
        return item.cost_center_name or ENTERPRISE_ONLY
    sku = SKU_BY_ID.get(item.sku)
    return sku.display_name if sku else item.sku


def parse_month(value: str | None, as_of: dt.datetime) -> dt.date:
    if not value:
        return month_start(as_of).date()
    return validation.month(value)


def usage_page(conn: Connection, scope: Scope, month: dt.date, group: str, as_of: dt.datetime) -> UsagePage:
    if group not in GROUPS:
        raise InvalidInput(f"group by one of {', '.join(GROUPS)}, not {group!r}")
    resolved = resolve(conn, scope)
    filt = UsageFilter(organization=scope.name if scope.kind == "organization" else None)
    end = next_month_start(month).date() - dt.timedelta(days=1)
    days = [month + dt.timedelta(days=i) for i in range((end - month).days + 1)]
    index = {d: i for i, d in enumerate(days)}
    per_group: dict[str, list[float]] = defaultdict(lambda: [0.0] * len(days))
    sums: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 3)
    # day -> group -> (quantity, gross, discount, net)
    by_day: dict[dt.date, dict[str, tuple[int, Decimal, Decimal, Decimal]]] = defaultdict(dict)
    nothing = (0, Decimal(0), Decimal(0), Decimal(0))
    for item in iter_line_items(
        conn, resolved.enterprise, month, end, filt=filt, as_of=as_of, split_by=SPLIT_BY[group]
    ):
        key = _key(item, group)
        per_group[key][index[item.date]] += float(item.net_amount)
        s = sums[key]
        s[0] += item.gross_amount
        s[1] += item.discount_amount
        s[2] += item.net_amount
        qty, gross, discount, net = by_day[item.date].get(key, nothing)
        by_day[item.date][key] = (
            qty + item.quantity,
            gross + item.gross_amount,
            discount + item.discount_amount,
            net + item.net_amount,
        )
    months = []
    cursor = month_start(as_of).date()
    for _ in range(USAGE_API_MONTHS):
        months.append(cursor)
        cursor = month_start(cursor - dt.timedelta(days=1)).date()
    ranked = sorted(sums, key=lambda k: (-sums[k][2], k))
    totals = [GroupTotal(k, *sums[k]) for k in ranked]
    return UsagePage(
        scope=scope,
        month=month,
        months=months,
        group=group,
        days=days,
        series=_chart_series(ranked, per_group, len(days)),
        totals=totals,
        by_day=[
            (day, sum((r[3] for r in rows.values()), Decimal(0)), _day_rows(rows))
            for day, rows in sorted(by_day.items(), reverse=True)
        ],
        net=sum((g.net for g in totals), Decimal(0)),
        gross=sum((g.gross for g in totals), Decimal(0)),
    )


def _day_rows(rows: dict[str, tuple[int, Decimal, Decimal, Decimal]]) -> list[DayRow]:
    """One day's groups, largest billed amount first; past :data:`DAY_ROWS`, the rest as one row."""
    ranked = [DayRow(k, *rows[k]) for k in sorted(rows, key=lambda k: (-rows[k][3], k))]
    if len(ranked) <= DAY_ROWS + 1:
        return ranked
    rest = ranked[DAY_ROWS:]
    sums = [sum((getattr(r, f) for r in rest), Decimal(0)) for f in ("gross", "discount", "net")]
    return ranked[:DAY_ROWS] + [DayRow(f"{len(rest)} others", sum(r.quantity for r in rest), *sums)]


def totals_table(page: UsagePage, state: TableState, query: list[tuple[str, str]]) -> TablePage[GroupTotal]:
    """One page of the month's totals per group, sorted by name or an amount (by default the
    billed amount, largest first) and filtered by the group's name."""
    keys: dict[str, Callable[[Any], Any]] = {"name": lambda g: g.label.casefold()}
    keys.update({f: attrgetter(f) for f in TOTALS_SORTS[1:]})
    return page_of(page.totals, state, name=lambda g: g.label, keys=keys, query=query)


def _chart_series(ranked: list[str], per_group: dict[str, list[float]], days: int) -> list[tuple[str, list[float]]]:
    """The first :data:`CHART_SERIES` groups of ``ranked``, and the rest summed day by day."""
    if len(ranked) <= CHART_SERIES + 1:  # an "Other" of one group would hide its name for nothing
        return [(k, per_group[k]) for k in ranked]
    rest = ranked[CHART_SERIES:]
    other = [round(sum(per_group[k][i] for k in rest), 2) for i in range(days)]
    return [(k, per_group[k]) for k in ranked[:CHART_SERIES]] + [(f"{len(rest)} others", other)]
