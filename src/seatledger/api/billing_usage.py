"""Metered billing: usage, usage summary and usage report exports (GitHub's
``/settings/billing/...`` endpoints for organizations and enterprises; cost centers are in
``billing_cost_centers``).

Handlers parse, call :mod:`seatledger.licensing.usage` / ``cost_centers`` / ``reports.usage``,
and format. Money stays ``Decimal`` until the JSON edge, where it becomes a number as GitHub
sends it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import partial
from typing import Annotated, Optional

import sqlalchemy as sa
from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel
from sqlalchemy.engine import Connection

from seatledger.api.auth import CurrentCaller, enterprise_connection, org_access
from seatledger.api.schemas import READ_ERRORS, error_responses
from seatledger.db import tables as t
from seatledger.db.clock import utcnow
from seatledger import licensing
from seatledger.errors import InvalidInput, NotFound
from seatledger.licensing import (
    USAGE_API_MONTHS,
    EnterpriseInfo,
    LineItem,
    Scope,
    UsageFilter,
    find_product,
    find_sku,
    iter_line_items,
    summarize,
)

router = APIRouter(tags=["billing"])

ENTERPRISE_SCOPES = ("manage_billing:enterprise",)
ENTERPRISE_ROLES = ("owner", "billing_manager")
ORG_SCOPES = ("admin:org", "manage_billing:enterprise")
ORG_ROLES = ("owner",)
# The enterprise billing endpoints (usage, report exports, cost centers) all take these.
billing_connection = partial(enterprise_connection, scopes=ENTERPRISE_SCOPES, roles=ENTERPRISE_ROLES)
org_billing_access = partial(
    org_access, scopes=ORG_SCOPES, org_roles_allowed=ORG_ROLES, enterprise_roles_allowed=ENTERPRISE_ROLES
)
WRITE_ERRORS = error_responses(400, 401, 403, 404, 422)


class BadRequest(InvalidInput):
    """A parameter GitHub answers with 400 (a period outside the usage window, a bad range)."""

    status_code = 400


# -- the billing period -------------------------------------------------------------------
Year = Annotated[Optional[int], Query(ge=2000, le=2100, description="Year; default the current year.")]
Month = Annotated[Optional[int], Query(ge=1, le=12, description="Month 1-12; default the whole year.")]
Day = Annotated[Optional[int], Query(ge=1, le=31, description="Day 1-31; without month, of the current month.")]


def _period(year: int | None, month: int | None, day: int | None, today: dt.date) -> tuple[dt.date, dt.date]:
    """The days asked for, clamped to the usage window (this month and the 23 before)."""
    year = year or today.year
    if day is not None and month is None:
        month = today.month  # GitHub: "If no year or month is specified, the default year and month are used."
    try:
        if day is not None and month is not None:  # a day has its month by now
            start = end = dt.date(year, month, day)
        elif month is not None:
            start = dt.date(year, month, 1)
            end = (dt.date(year + (month == 12), month % 12 + 1, 1)) - dt.timedelta(days=1)
        else:
            start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    except ValueError as exc:
        raise BadRequest(f"no such day: {year}-{month}-{day}") from exc
    months_back = today.year * 12 + today.month - USAGE_API_MONTHS  # the first month in the window, 0-based
    earliest = dt.date(months_back // 12, months_back % 12 + 1, 1)
    if end < earliest:
        raise BadRequest(
            f"usage is available for the past {USAGE_API_MONTHS} months only (from {earliest.isoformat()})"
        )
    return max(start, earliest), end


def api_today(request: Request) -> dt.date:
    """Today (UTC); an app may carry a ``billing_clock`` for tests that need a fixed day."""
    clock = getattr(request.app.state, "billing_clock", None)
    return clock() if clock is not None else utcnow().date()


def _cost_center_filter(conn: Connection, enterprise_id: int, cost_center_id: str | None) -> str | None:
    if cost_center_id is None or cost_center_id == "none":
        return cost_center_id
    try:
        licensing.get_cost_center(conn, enterprise_id, cost_center_id)
    except NotFound:
        raise BadRequest(f"unknown cost center {cost_center_id!r}") from None
    return cost_center_id


def _number(value: Decimal) -> float | int:
    """A Decimal as the JSON number GitHub sends (integers stay integers)."""
    return int(value) if value == value.to_integral_value() else float(value)


# -- usage ------------------------------------------------------------------------------
class UsageItem(BaseModel):
    date: str
    product: str
    sku: str
    quantity: int
    unitType: str
    pricePerUnit: float
    grossAmount: float
    discountAmount: float
    netAmount: float
    organizationName: str
    repositoryName: Optional[str] = None


class UsageReport(BaseModel):
    usageItems: list[UsageItem]


def usage_item(item: LineItem) -> UsageItem:
    return UsageItem(
        date=item.date.isoformat(),
        product=item.product,
        sku=item.sku,
        quantity=item.quantity,
        unitType=item.unit_type,
        pricePerUnit=_number(item.price_per_unit),
        grossAmount=_number(item.gross_amount),
        discountAmount=_number(item.discount_amount),
        netAmount=_number(item.net_amount),
        organizationName=item.organization or "",
        repositoryName=item.repository,
    )


# A period that begins before a source's first import (a source whose facts carry no dates)
# cannot include what it asserts: the answer says so in this header instead of letting the
# missing usage read as none. GitHub's JSON stays as GitHub's.
NO_DATA_HEADER = "X-Seatledger-No-Data-Before"


def _say_no_data_before(response: Response, conn: Connection, info: EnterpriseInfo, start: dt.date) -> None:
    gaps = licensing.data_gaps(conn, info.slug, dt.datetime.combine(start, dt.time()))
    if gaps:
        response.headers[NO_DATA_HEADER] = "; ".join(g.statement for g in gaps)


def _usage(
    request: Request,
    response: Response,
    conn: Connection,
    info: EnterpriseInfo,
    start: dt.date,
    end: dt.date,
    filt: UsageFilter,
) -> UsageReport:
    _say_no_data_before(response, conn, info, start)
    as_of = dt.datetime.combine(api_today(request), dt.time(23, 59, 59))
    items = iter_line_items(conn, info, start, end, filt=filt, as_of=as_of)
    return UsageReport(usageItems=[usage_item(i) for i in items])


@router.get(
    "/organizations/{org}/settings/billing/usage",
    response_model=UsageReport,
    response_model_exclude_none=True,
    responses=READ_ERRORS,
    summary="Get billing usage report for an organization",
    operation_id="billing/get-github-billing-usage-report-org",
)
def org_usage(
    request: Request,
    response: Response,
    caller: CurrentCaller,
    org: Annotated[str, Path()],
    year: Year = None,
    month: Month = None,
    day: Day = None,
) -> UsageReport:
    """Daily license line items of the organization (organization owners, enterprise owners
    and billing managers)."""
    with request.app.state.engine.connect() as conn:
        access = org_billing_access(request, conn, caller, org)
        start, end = _period(year, month, day, api_today(request))
        return _usage(request, response, conn, access.enterprise, start, end, UsageFilter(organization=access.login))


@router.get(
    "/enterprises/{enterprise}/settings/billing/usage",
    response_model=UsageReport,
    response_model_exclude_none=True,
    responses=READ_ERRORS,
    summary="Get billing usage report for an enterprise",
    operation_id="billing/get-github-billing-usage-report-ghe",
)
def enterprise_usage(
    request: Request,
    response: Response,
    caller: CurrentCaller,
    enterprise: Annotated[str, Path()],
    year: Year = None,
    month: Month = None,
    day: Day = None,
    cost_center_id: Annotated[Optional[str], Query()] = None,
) -> UsageReport:
    """Daily license line items of the enterprise; ``cost_center_id`` narrows to one cost
    center (``none``: usage without one)."""
    with billing_connection(request, caller, enterprise) as (conn, info):
        start, end = _period(year, month, day, api_today(request))
        filt = UsageFilter(cost_center_id=_cost_center_filter(conn, info.id, cost_center_id))
        return _usage(request, response, conn, info, start, end, filt)


# -- usage summary ------------------------------------------------------------------------
class TimePeriod(BaseModel):
    year: int
    month: Optional[int] = None
    day: Optional[int] = None


class CostCenterRef(BaseModel):
    id: str
    name: str


class SummaryUsageItem(BaseModel):
    product: str
    sku: str
    unitType: str
    pricePerUnit: float
    grossQuantity: float
    grossAmount: float
    discountQuantity: float
    discountAmount: float
    netQuantity: float
    netAmount: float


class UsageSummary(BaseModel):
    timePeriod: TimePeriod
    enterprise: Optional[str] = None
    organization: Optional[str] = None
    repository: Optional[str] = None
    product: Optional[str] = None
    sku: Optional[str] = None
    costCenter: Optional[CostCenterRef] = None
    usageItems: list[SummaryUsageItem]


def _summary_filter(
    product: str | None, sku: str | None, repository: str | None
) -> tuple[tuple[str, ...] | None, bool]:
    """(SKUs to keep, whether nothing can match), from the product/sku/repository filters."""
    skus: tuple[str, ...] | None = None
    if product is not None:
        from seatledger.licensing import SKUS

        pid = find_product(product)
        skus = tuple(s.id for s in SKUS if s.product == pid)
    if sku is not None:
        wanted = find_sku(sku).id
        skus = tuple(s for s in (skus or (wanted,)) if s == wanted)
    if repository is not None:
        Scope.repo(repository)  # checks OWNER/NAME
    # License SKUs are not charged to a repository: a repository filter matches nothing.
    return skus, repository is not None


def _summary(
    request: Request,
    response: Response,
    conn: Connection,
    info: EnterpriseInfo,
    year: int | None,
    month: int | None,
    day: int | None,
    filt: UsageFilter,
    repository: str | None,
    nothing: bool,
) -> tuple[TimePeriod, list[SummaryUsageItem]]:
    day_now = api_today(request)
    start, end = _period(year, month, day, day_now)
    _say_no_data_before(response, conn, info, start)
    as_of = dt.datetime.combine(day_now, dt.time(23, 59, 59))
    items = (
        []
        if nothing or (filt.skus is not None and not filt.skus)
        else iter_line_items(conn, info, start, end, filt=filt, as_of=as_of)
    )
    summary = [
        SummaryUsageItem(
            product=s.product,
            sku=s.sku,
            unitType=s.unit_type,
            pricePerUnit=_number(s.price_per_unit),
            grossQuantity=_number(s.gross_quantity),
            grossAmount=_number(s.gross_amount),
            discountQuantity=_number(s.discount_quantity),
            discountAmount=_number(s.discount_amount),
            netQuantity=_number(s.net_quantity),
            netAmount=_number(s.net_amount),
        )
        for s in summarize(items)
    ]
    return TimePeriod(year=year or day_now.year, month=month, day=day), summary


Repository = Annotated[Optional[str], Query(description="OWNER/NAME")]
ProductQ = Annotated[Optional[str], Query(description="Product id or name, e.g. ghec, Copilot.")]
SkuQ = Annotated[Optional[str], Query(description="SKU id or name, e.g. copilot_for_business.")]


@router.get(
    "/organizations/{org}/settings/billing/usage/summary",
    response_model=UsageSummary,
    response_model_exclude_none=True,
    responses=READ_ERRORS,
    summary="Get billing usage summary for an organization",
    operation_id="billing/get-github-billing-usage-summary-report-org",
)
def org_usage_summary(
    request: Request,
    response: Response,
    caller: CurrentCaller,
    org: Annotated[str, Path()],
    year: Year = None,
    month: Month = None,
    day: Day = None,
    repository: Repository = None,
    product: ProductQ = None,
    sku: SkuQ = None,
) -> UsageSummary:
    """Totals per SKU for the organization over a year, a month or a day."""
    with request.app.state.engine.connect() as conn:
        access = org_billing_access(request, conn, caller, org)
        skus, nothing = _summary_filter(product, sku, repository)
        filt = UsageFilter(organization=access.login, skus=skus)
        period, items = _summary(
            request, response, conn, access.enterprise, year, month, day, filt, repository, nothing
        )
        return UsageSummary(
            timePeriod=period,
            organization=access.login,
            repository=repository,
            product=product,
            sku=sku,
            usageItems=items,
        )


@router.get(
    "/enterprises/{enterprise}/settings/billing/usage/summary",
    response_model=UsageSummary,
    response_model_exclude_none=True,
    responses=READ_ERRORS,
    summary="Get billing usage summary for an enterprise",
    operation_id="billing/get-github-billing-usage-summary-report-ghe",
)
def enterprise_usage_summary(
    request: Request,
    response: Response,
    caller: CurrentCaller,
    enterprise: Annotated[str, Path()],
    year: Year = None,
    month: Month = None,
    day: Day = None,
    repository: Repository = None,
    product: ProductQ = None,
    sku: SkuQ = None,
    organization: Annotated[Optional[str], Query()] = None,
    cost_center_id: Annotated[Optional[str], Query()] = None,
) -> UsageSummary:
    """Totals per SKU for the enterprise; ``organization`` and ``cost_center_id`` (``none`` =
    without a cost center) narrow it."""
    organization = organization or None  # an empty ``organization=`` narrows nothing, as on GitHub
    with billing_connection(request, caller, enterprise) as (conn, info):
        skus, nothing = _summary_filter(product, sku, repository)
        if organization is not None:
            o = t.organizations
            if (
                conn.execute(sa.select(o.c.id).where(o.c.login == organization, o.c.enterprise_id == info.id)).first()
                is None
            ):
                raise BadRequest(f"unknown organization {organization!r}")
        center = _cost_center_filter(conn, info.id, cost_center_id)
        filt = UsageFilter(organization=organization, skus=skus, cost_center_id=center)
        period, items = _summary(request, response, conn, info, year, month, day, filt, repository, nothing)
        ref = None
        if center not in (None, "none"):
            found = licensing.get_cost_center(conn, info.id, center)
            ref = CostCenterRef(id=found.id, name=found.name)
        return UsageSummary(
            timePeriod=period,
            enterprise=info.slug,
            organization=organization,
            repository=repository,
            product=product,
            sku=sku,
            costCenter=ref,
            usageItems=items,
        )
