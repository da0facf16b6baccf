"""Metered usage reports as CSV (spec 3.4): summarized (up to a year) and detailed (31 days),
and the summarized line items as a FinOps FOCUS dataset (``focus``, up to a year).

Rows are the line items of :mod:`seatledger.licensing.usage` — the same ones the usage API
returns — so the report and the JSON agree to the cent. Summarized rows are grouped by date,
SKU, organization, repository and cost center; detailed rows add the person (``username``)
and ``workflow_path`` (always empty: license SKUs have no workflow). License SKUs have no
repository, so ``repository`` is empty too. ``cost_center_name`` is empty for usage without
a cost center ("Enterprise Only" in GitHub's UI). Amounts are written with two decimals;
``applied_cost_per_quantity`` is the price per user-month in force that day.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Iterator, Literal

from sqlalchemy.engine import Connection

from seatledger.errors import InvalidInput
from seatledger.licensing import (
    DETAILED_MAX_DAYS,
    SUMMARIZED_MAX_DAYS,
    LineItem,
    Scope,
    UsageFilter,
    check_range,
    iter_line_items,
    resolve,
)
from seatledger.reports.focus import iter_focus
from seatledger.reports.writer import Progress, atomic_file, format_money, iter_csv, write_chunks

ReportType = Literal["summarized", "detailed", "focus"]
# ``focus``: the summarized line items as a FinOps FOCUS dataset (reports/focus.py).
REPORT_TYPES: tuple[str, ...] = ("summarized", "detailed", "focus")
SCOPES = ("enterprise", "organization")

DETAILED_COLUMNS = (
    "date",
    "product",
    "sku",
    "quantity",
    "unit_type",
    "applied_cost_per_quantity",
    "gross_amount",
    "discount_amount",
    "net_amount",
    "username",
    "organization",
    "repository",
    "workflow_path",
    "cost_center_name",
)
SUMMARIZED_COLUMNS = tuple(c for c in DETAILED_COLUMNS if c not in ("username", "workflow_path"))


def check_report(report_type: str, start: dt.date, end: dt.date) -> None:
    """InvalidInput for an unknown type or a range over the type's limit."""
    if report_type not in REPORT_TYPES:
        raise InvalidInput(f"report type must be summarized, detailed or focus, not {report_type!r}")
    limit = DETAILED_MAX_DAYS if report_type == "detailed" else SUMMARIZED_MAX_DAYS
    check_range(start, end, limit, f"{report_type} usage report")


def _row(item: LineItem, detailed: bool) -> list[str | int | None]:
    head: list[str | int | None] = [
        item.date.isoformat(),
        item.product,
        item.sku,
        item.quantity,
        item.unit_type,
        format_money(item.price_per_unit),
        format_money(item.gross_amount),
        format_money(item.discount_amount),
        format_money(item.net_amount),
    ]
    if detailed:
        return [*head, item.username, item.organization, item.repository, None, item.cost_center_name]
    return [*head, item.organization, item.repository, item.cost_center_name]


def iter_report(
    conn: Connection,
    scope: Scope,
    start: dt.date,
    end: dt.date,
    report_type: str = "summarized",
    *,
    as_of: dt.datetime | None = None,
    progress: Progress | None = None,
) -> Iterator[bytes]:
    """Encoded CSV chunks of the usage report for an enterprise or an organization.

    Checks the request now (NotFound, InvalidInput); reads the ledger as chunks are taken."""
    check_report(report_type, start, end)
    if scope.kind not in SCOPES:
        raise InvalidInput(f"a usage report is written per enterprise or organization, not per {scope.kind}")
    if report_type == "focus":
        return iter_focus(conn, scope, start, end, as_of=as_of, progress=progress)
    resolved = resolve(conn, scope)
    filt = UsageFilter(organization=scope.name if scope.kind == "organization" else None)
    detailed = report_type == "detailed"
    items = iter_line_items(conn, resolved.enterprise, start, end, filt=filt, detailed=detailed, as_of=as_of)
    header = DETAILED_COLUMNS if detailed else SUMMARIZED_COLUMNS
    return iter_csv(header, (_row(i, detailed) for i in items), progress=progress)


def write_report_file(
    conn: Connection,
    scope: Scope,
    path: str | os.PathLike[str],
    start: dt.date,
    end: dt.date,
    report_type: str = "summarized",
    *,
    as_of: dt.datetime | None = None,
    progress: Progress | None = None,
) -> int:
    """Write the report to ``path`` via a temporary file renamed on success; returns bytes."""
    chunks = iter_report(conn, scope, start, end, report_type, as_of=as_of, progress=progress)
    with atomic_file(path) as out:
        return write_chunks(chunks, out)
