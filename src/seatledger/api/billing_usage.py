"""Metered billing: usage, usage summary, usage report exports and cost centers (GitHub's
``/settings/billing/...`` endpoints for organizations and enterprises).

Handlers parse, call :mod:`seatledger.licensing.usage` / ``cost_centers`` / ``reports.usage``,
and format. Money stays ``Decimal`` until the JSON edge, where it becomes a number as GitHub
sends it.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from decimal import Decimal
from pathlib import Path as FsPath
from typing import Annotated, Any, Literal, Optional

import sqlalchemy as sa
from fastapi import APIRouter, Body, Path, Query, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field
from sqlalchemy.engine import Connection, Engine

from seatledger.api.auth import CurrentCaller, enterprise_access, org_access
from seatledger.api.schemas import READ_ERRORS, error_responses
from seatledger.db import tables as t
from seatledger.db.ledger import utcnow
from seatledger.db.tables_billing import usage_report_exports
from seatledger.errors import InvalidInput, LedgerError, NotFound
from seatledger.licensing import cost_centers as cc
from seatledger.licensing.pricing import find_product, find_sku
from seatledger.licensing.scope import EnterpriseInfo, Scope
from seatledger.licensing.usage import USAGE_API_MONTHS, LineItem, UsageFilter, iter_line_items, summarize

router = APIRouter(tags=["billing"])

ENTERPRISE_SCOPES = ("manage_billing:enterprise",)
ENTERPRISE_ROLES = ("owner", "billing_manager")
ORG_SCOPES = ("admin:org", "manage_billing:enterprise")
ORG_ROLES = ("owner",)
WRITE_ERRORS = error_responses(400, 401, 403, 404, 422)


class BadRequest(InvalidInput):
    """A parameter GitHub answers with 400 (a period outside the usage window, a bad range)."""

    status_code = 400


# -- the billing period -------------------------------------------------------------------
Year = Annotated[Optional[int], Query(ge=2000, le=2100, description="Year; default the current year.")]
Month = Annotated[Optional[int], Query(ge=1, le=12, description="Month 1-12; default the whole year.")]
Day = Annotated[Optional[int], Query(ge=1, le=31, description="Day 1-31 (needs month).")]


def _period(year: int | None, month: int | None, day: int | None, today: dt.date) -> tuple[dt.date, dt.date]:
    """The days asked for, clamped to the usage window (this month and the 23 before)."""
    year = year or today.year
    if day is not None and month is None:
        raise BadRequest("day needs a month")
    try:
        if day is not None:
            start = end = dt.date(year, month, day)  # type: ignore[arg-type]
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
        raise BadRequest(f"usage is available for the past {USAGE_API_MONTHS} months only (from {earliest.isoformat()})")
    return max(start, earliest), end


def _today(request: Request) -> dt.date:
    """Today (UTC); an app may carry a ``billing_clock`` for tests that need a fixed day."""
    clock = getattr(request.app.state, "billing_clock", None)
    return clock() if clock is not None else utcnow().date()


def _cost_center_filter(conn: Connection, enterprise_id: int, cost_center_id: str | None) -> str | None:
    if cost_center_id is None or cost_center_id == "none":
        return cost_center_id
    try:
        cc.get_cost_center(conn, enterprise_id, cost_center_id)
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
        date=item.date.isoformat(), product=item.product, sku=item.sku, quantity=item.quantity,
        unitType=item.unit_type, pricePerUnit=_number(item.price_per_unit), grossAmount=_number(item.gross_amount),
        discountAmount=_number(item.discount_amount), netAmount=_number(item.net_amount),
        organizationName=item.organization or "", repositoryName=item.repository,
    )


def _usage(
    request: Request, conn: Connection, info: EnterpriseInfo, start: dt.date, end: dt.date, filt: UsageFilter
) -> UsageReport:
    as_of = dt.datetime.combine(_today(request), dt.time(23, 59, 59))
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
    request: Request, caller: CurrentCaller, org: Annotated[str, Path()], year: Year = None, month: Month = None,
    day: Day = None,
) -> UsageReport:
    """Daily license line items of the organization (organization owners, enterprise owners
    and billing managers)."""
    with request.app.state.engine.connect() as conn:
        access = org_access(request, conn, caller, org, scopes=ORG_SCOPES, org_roles_allowed=ORG_ROLES,
                            enterprise_roles_allowed=ENTERPRISE_ROLES)
        start, end = _period(year, month, day, _today(request))
        return _usage(request, conn, access.enterprise, start, end, UsageFilter(organization=access.login))


@router.get(
    "/enterprises/{enterprise}/settings/billing/usage",
    response_model=UsageReport,
    response_model_exclude_none=True,
    responses=READ_ERRORS,
    summary="Get billing usage report for an enterprise",
    operation_id="billing/get-github-billing-usage-report-ghe",
)
def enterprise_usage(
    request: Request, caller: CurrentCaller, enterprise: Annotated[str, Path()], year: Year = None,
    month: Month = None, day: Day = None, cost_center_id: Annotated[Optional[str], Query()] = None,
) -> UsageReport:
    """Daily license line items of the enterprise; ``cost_center_id`` narrows to one cost
    center (``none``: usage without one)."""
    with request.app.state.engine.connect() as conn:
        info = enterprise_access(request, conn, caller, enterprise, scopes=ENTERPRISE_SCOPES, roles=ENTERPRISE_ROLES)
        start, end = _period(year, month, day, _today(request))
        filt = UsageFilter(cost_center_id=_cost_center_filter(conn, info.id, cost_center_id))
        return _usage(request, conn, info, start, end, filt)


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
        from seatledger.licensing.pricing import SKUS

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
    request: Request, conn: Connection, info: EnterpriseInfo, year: int | None, month: int | None, day: int | None,
    filt: UsageFilter, repository: str | None, nothing: bool,
) -> tuple[TimePeriod, list[SummaryUsageItem]]:
    today = _today(request)
    start, end = _period(year, month, day, today)
    as_of = dt.datetime.combine(today, dt.time(23, 59, 59))
    items = (
        [] if nothing or (filt.skus is not None and not filt.skus)
        else iter_line_items(conn, info, start, end, filt=filt, as_of=as_of)
    )
    summary = [
        SummaryUsageItem(
            product=s.product, sku=s.sku, unitType=s.unit_type, pricePerUnit=_number(s.price_per_unit),
            grossQuantity=_number(s.gross_quantity), grossAmount=_number(s.gross_amount),
            discountQuantity=_number(s.discount_quantity), discountAmount=_number(s.discount_amount),
            netQuantity=_number(s.net_quantity), netAmount=_number(s.net_amount),
        )
        for s in summarize(items)
    ]
    return TimePeriod(year=year or today.year, month=month, day=day), summary


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
    request: Request, caller: CurrentCaller, org: Annotated[str, Path()], year: Year = None, month: Month = None,
    day: Day = None, repository: Repository = None, product: ProductQ = None, sku: SkuQ = None,
) -> UsageSummary:
    """Totals per SKU for the organization over a year, a month or a day."""
    with request.app.state.engine.connect() as conn:
        access = org_access(request, conn, caller, org, scopes=ORG_SCOPES, org_roles_allowed=ORG_ROLES,
                            enterprise_roles_allowed=ENTERPRISE_ROLES)
        skus, nothing = _summary_filter(product, sku, repository)
        filt = UsageFilter(organization=access.login, skus=skus)
        period, items = _summary(request, conn, access.enterprise, year, month, day, filt, repository, nothing)
        return UsageSummary(timePeriod=period, organization=access.login, repository=repository, product=product,
                            sku=sku, usageItems=items)


@router.get(
    "/enterprises/{enterprise}/settings/billing/usage/summary",
    response_model=UsageSummary,
    response_model_exclude_none=True,
    responses=READ_ERRORS,
    summary="Get billing usage summary for an enterprise",
    operation_id="billing/get-github-billing-usage-summary-report-ghe",
)
def enterprise_usage_summary(
    request: Request, caller: CurrentCaller, enterprise: Annotated[str, Path()], year: Year = None,
    month: Month = None, day: Day = None, repository: Repository = None, product: ProductQ = None,
    sku: SkuQ = None, organization: Annotated[Optional[str], Query()] = None,
    cost_center_id: Annotated[Optional[str], Query()] = None,
) -> UsageSummary:
    """Totals per SKU for the enterprise; ``organization`` and ``cost_center_id`` (``none`` =
    without a cost center) narrow it."""
    with request.app.state.engine.connect() as conn:
        info = enterprise_access(request, conn, caller, enterprise, scopes=ENTERPRISE_SCOPES, roles=ENTERPRISE_ROLES)
        skus, nothing = _summary_filter(product, sku, repository)
        if organization is not None:
            o = t.organizations
            if conn.execute(sa.select(o.c.id).where(o.c.login == organization, o.c.enterprise_id == info.id)).first() is None:
                raise BadRequest(f"unknown organization {organization!r}")
        center = _cost_center_filter(conn, info.id, cost_center_id)
        filt = UsageFilter(organization=organization, skus=skus, cost_center_id=center)
        period, items = _summary(request, conn, info, year, month, day, filt, repository, nothing)
        ref = None
        if center not in (None, "none"):
            found = cc.get_cost_center(conn, info.id, center)  # type: ignore[arg-type]
            ref = CostCenterRef(id=found.id, name=found.name)
        return UsageSummary(timePeriod=period, enterprise=info.slug, organization=organization,
                            repository=repository, product=product, sku=sku, costCenter=ref, usageItems=items)


# -- usage report exports ---------------------------------------------------------------------
class ExportRequest(BaseModel):
    report_type: Literal["detailed", "summarized", "premium_request", "ai_credit"]
    start_date: dt.date
    end_date: Optional[dt.date] = None
    send_email: bool = False


class UsageReportExport(BaseModel):
    id: str
    report_type: str
    start_date: str
    end_date: str
    status: str
    download_urls: Optional[list[str]] = None
    created_at: str
    actor: Optional[str] = None


class UsageReportExports(BaseModel):
    usage_report_exports: list[UsageReportExport]


def _export_object(request: Request, enterprise: str, row: Any) -> UsageReportExport:
    urls = None
    if row.status == "completed":
        base = str(request.base_url).rstrip("/") + request.app.state.api_prefix
        urls = [f"{base}/enterprises/{enterprise}/settings/billing/reports/{row.id}/download"]
    return UsageReportExport(
        id=row.id, report_type=row.report_type, start_date=row.start_date.isoformat(),
        end_date=row.end_date.isoformat(), status=row.status, download_urls=urls,
        created_at=row.created_at.replace(microsecond=0).isoformat() + "Z", actor=row.actor_login,
    )


def run_export(engine: Engine, exports_dir: FsPath, export_id: str, enterprise: str) -> None:
    """Write one export's CSV (temp file renamed on success) and record the outcome."""
    from seatledger.reports.usage import write_report_file

    x = usage_report_exports
    with engine.connect() as conn:
        row = conn.execute(sa.select(x).where(x.c.id == export_id)).one()
    target = exports_dir / f"usage-{row.report_type}-{export_id}.csv"
    try:
        exports_dir.mkdir(parents=True, exist_ok=True)
        with engine.connect() as conn:
            write_report_file(conn, Scope.enterprise(enterprise), target, row.start_date, row.end_date,
                              row.report_type)
        values: dict[str, Any] = {"status": "completed", "file_path": str(target)}
    except (LedgerError, OSError, sa.exc.SQLAlchemyError) as exc:
        values = {"status": "failed", "error": str(exc)[:1000]}
    with engine.begin() as conn:
        conn.execute(sa.update(x).where(x.c.id == export_id).values(**values))


@router.post(
    "/enterprises/{enterprise}/settings/billing/reports",
    response_model=UsageReportExport,
    response_model_exclude_none=True,
    status_code=202,
    responses=WRITE_ERRORS,
    summary="Create a usage report export",
    operation_id="billing/create-usage-report-export",
)
def create_export(
    request: Request, caller: CurrentCaller, enterprise: Annotated[str, Path()], body: Annotated[ExportRequest, Body()],
) -> UsageReportExport:
    """Start writing a usage report (detailed ≤ 31 days, summarized ≤ 1 year); answers 202 at
    once. The export runs in a thread of this process."""
    from seatledger.reports.usage import check_report

    engine: Engine = request.app.state.engine
    with engine.begin() as conn:
        info = enterprise_access(request, conn, caller, enterprise, scopes=ENTERPRISE_SCOPES, roles=ENTERPRISE_ROLES)
        if body.report_type not in ("detailed", "summarized"):
            raise BadRequest(f"report_type {body.report_type!r} is not available: seatledger reports license usage")
        end = body.end_date or _today(request)
        try:
            check_report(body.report_type, body.start_date, end)
        except InvalidInput as exc:
            raise BadRequest(exc.message) from None
        x = usage_report_exports
        running = conn.execute(
            sa.select(x.c.id).where(x.c.enterprise_id == info.id, x.c.actor_user_id == caller.user_id,
                                    x.c.status == "processing").limit(1)
        ).scalar()
        if running is not None:  # GitHub: one usage report request per account at a time
            raise BadRequest(f"usage report {running} is still being prepared; request another when it completes")
        export_id = str(uuid.uuid4())
        conn.execute(sa.insert(x).values(
            id=export_id, enterprise_id=info.id, report_type=body.report_type, start_date=body.start_date,
            end_date=end, status="processing", created_at=utcnow(), actor_user_id=caller.user_id,
            actor_login=caller.login,
        ))
        row = conn.execute(sa.select(x).where(x.c.id == export_id)).one()
    exports_dir = FsPath(request.app.state.settings.exports_dir)
    threading.Thread(target=run_export, args=(engine, exports_dir, export_id, info.slug), daemon=True,
                     name=f"usage-export-{export_id[:8]}").start()
    return _export_object(request, info.slug, row)


@router.get(
    "/enterprises/{enterprise}/settings/billing/reports",
    response_model=UsageReportExports,
    response_model_exclude_none=True,
    responses=READ_ERRORS,
    summary="List usage report exports",
    operation_id="billing/list-usage-report-exports",
)
def list_exports(request: Request, caller: CurrentCaller, enterprise: Annotated[str, Path()]) -> UsageReportExports:
    """The enterprise's usage report exports, newest first."""
    with request.app.state.engine.connect() as conn:
        info = enterprise_access(request, conn, caller, enterprise, scopes=ENTERPRISE_SCOPES, roles=ENTERPRISE_ROLES)
        x = usage_report_exports
        rows = conn.execute(
            sa.select(x).where(x.c.enterprise_id == info.id).order_by(x.c.created_at.desc(), x.c.id)
        )
        return UsageReportExports(usage_report_exports=[_export_object(request, info.slug, r) for r in rows])


def _export_row(conn: Connection, enterprise_id: int, report_id: str) -> Any:
    x = usage_report_exports
    row = conn.execute(sa.select(x).where(x.c.id == report_id, x.c.enterprise_id == enterprise_id)).first()
    if row is None:
        raise NotFound("Not Found")
    return row


@router.get(
    "/enterprises/{enterprise}/settings/billing/reports/{report_id}",
    response_model=UsageReportExport,
    response_model_exclude_none=True,
    responses=READ_ERRORS,
    summary="Get a usage report export",
    operation_id="billing/get-usage-report-export",
)
def get_export(
    request: Request, caller: CurrentCaller, enterprise: Annotated[str, Path()], report_id: Annotated[str, Path()],
) -> UsageReportExport:
    with request.app.state.engine.connect() as conn:
        info = enterprise_access(request, conn, caller, enterprise, scopes=ENTERPRISE_SCOPES, roles=ENTERPRISE_ROLES)
        return _export_object(request, info.slug, _export_row(conn, info.id, report_id))


@router.get(
    "/enterprises/{enterprise}/settings/billing/reports/{report_id}/download",
    responses=READ_ERRORS,
    summary="Download a completed usage report export (CSV)",
    operation_id="billing/download-usage-report-export",
    response_class=FileResponse,
)
def download_export(
    request: Request, caller: CurrentCaller, enterprise: Annotated[str, Path()], report_id: Annotated[str, Path()],
) -> FileResponse:
    with request.app.state.engine.connect() as conn:
        info = enterprise_access(request, conn, caller, enterprise, scopes=ENTERPRISE_SCOPES, roles=ENTERPRISE_ROLES)
        row = _export_row(conn, info.id, report_id)
    if row.status != "completed" or not row.file_path or not FsPath(row.file_path).is_file():
        raise NotFound("Not Found")
    name = f"usage-{row.report_type}-{row.start_date.isoformat()}-{row.end_date.isoformat()}.csv"
    return FileResponse(row.file_path, media_type="text/csv; charset=utf-8", filename=name)


# -- cost centers ---------------------------------------------------------------------------
class CostCenterResourceOut(BaseModel):
    type: str
    name: str


class CostCenterOut(BaseModel):
    id: str
    name: str
    state: str
    azure_subscription: Optional[str] = None
    resources: list[CostCenterResourceOut]


class CostCenters(BaseModel):
    costCenters: list[CostCenterOut]


class CostCenterName(BaseModel):
    name: str = Field(min_length=1, max_length=200)


class CostCenterResources(BaseModel):
    users: list[str] = []
    organizations: list[str] = []
    repositories: list[str] = []


class Reassigned(BaseModel):
    resource_type: str
    name: str
    previous_cost_center: str


class ResourcesAdded(BaseModel):
    message: str
    reassigned_resources: Optional[list[Reassigned]] = None


class Message(BaseModel):
    message: str


class CostCenterDeleted(BaseModel):
    message: str
    id: str
    name: str
    costCenterState: str


def _center_out(center: cc.CostCenter) -> CostCenterOut:
    return CostCenterOut(
        id=center.id, name=center.name, state=center.state, azure_subscription=center.azure_subscription,
        resources=[CostCenterResourceOut(type=r.type, name=r.name) for r in center.resources],
    )


def _resource_list(body: CostCenterResources) -> list[tuple[str, str]]:
    found = [("User", u) for u in body.users] + [("Org", o) for o in body.organizations]
    found += [("Repo", r) for r in body.repositories]
    if not found:
        raise BadRequest("name at least one of users, organizations, repositories")
    if len(found) > 50:
        raise BadRequest("at most 50 resources can be added or removed at once")
    return found


Enterprise = Annotated[str, Path()]
CostCenterId = Annotated[str, Path()]


@router.get("/enterprises/{enterprise}/settings/billing/cost-centers", response_model=CostCenters,
            response_model_exclude_none=True, responses=READ_ERRORS, summary="Get all cost centers for an enterprise",
            operation_id="billing/get-all-cost-centers")
def list_cost_centers(
    request: Request, caller: CurrentCaller, enterprise: Enterprise,
    state: Annotated[Optional[Literal["active", "deleted"]], Query()] = None,
) -> CostCenters:
    with request.app.state.engine.connect() as conn:
        info = enterprise_access(request, conn, caller, enterprise, scopes=ENTERPRISE_SCOPES, roles=ENTERPRISE_ROLES)
        return CostCenters(costCenters=[_center_out(c) for c in cc.list_cost_centers(conn, info.id, state=state)])


@router.post("/enterprises/{enterprise}/settings/billing/cost-centers", response_model=CostCenterOut,
             response_model_exclude_none=True, responses=WRITE_ERRORS, summary="Create a new cost center",
             operation_id="billing/create-cost-center")
def create_cost_center(
    request: Request, caller: CurrentCaller, enterprise: Enterprise, body: Annotated[CostCenterName, Body()],
) -> CostCenterOut:
    with request.app.state.engine.begin() as conn:
        info = enterprise_access(request, conn, caller, enterprise, scopes=ENTERPRISE_SCOPES, roles=ENTERPRISE_ROLES)
        return _center_out(cc.create_cost_center(conn, info.id, body.name))


@router.get("/enterprises/{enterprise}/settings/billing/cost-centers/{cost_center_id}", response_model=CostCenterOut,
            response_model_exclude_none=True, responses=READ_ERRORS, summary="Get a cost center by ID",
            operation_id="billing/get-cost-center")
def get_cost_center(
    request: Request, caller: CurrentCaller, enterprise: Enterprise, cost_center_id: CostCenterId,
) -> CostCenterOut:
    with request.app.state.engine.connect() as conn:
        info = enterprise_access(request, conn, caller, enterprise, scopes=ENTERPRISE_SCOPES, roles=ENTERPRISE_ROLES)
        return _center_out(cc.get_cost_center(conn, info.id, cost_center_id))


@router.patch("/enterprises/{enterprise}/settings/billing/cost-centers/{cost_center_id}",
              response_model=CostCenterOut, response_model_exclude_none=True, responses=WRITE_ERRORS,
              summary="Update a cost center name", operation_id="billing/update-cost-center")
def update_cost_center(
    request: Request, caller: CurrentCaller, enterprise: Enterprise, cost_center_id: CostCenterId,
    body: Annotated[CostCenterName, Body()],
) -> CostCenterOut:
    with request.app.state.engine.begin() as conn:
        info = enterprise_access(request, conn, caller, enterprise, scopes=ENTERPRISE_SCOPES, roles=ENTERPRISE_ROLES)
        return _center_out(cc.rename_cost_center(conn, info.id, cost_center_id, body.name))


@router.delete("/enterprises/{enterprise}/settings/billing/cost-centers/{cost_center_id}",
               response_model=CostCenterDeleted, responses=WRITE_ERRORS, summary="Delete a cost center",
               operation_id="billing/delete-cost-center")
def delete_cost_center(
    request: Request, caller: CurrentCaller, enterprise: Enterprise, cost_center_id: CostCenterId,
) -> CostCenterDeleted:
    """Archive the cost center: later usage goes to the enterprise, earlier usage keeps it."""
    with request.app.state.engine.begin() as conn:
        info = enterprise_access(request, conn, caller, enterprise, scopes=ENTERPRISE_SCOPES, roles=ENTERPRISE_ROLES)
        center = cc.delete_cost_center(conn, info.id, cost_center_id)
    return CostCenterDeleted(message="Cost center successfully deleted.", id=center.id, name=center.name,
                             costCenterState="CostCenterArchived")


@router.post("/enterprises/{enterprise}/settings/billing/cost-centers/{cost_center_id}/resource",
             response_model=ResourcesAdded, response_model_exclude_none=True, responses=WRITE_ERRORS,
             summary="Add resources to a cost center", operation_id="billing/add-resource-to-cost-center")
def add_resources(
    request: Request, caller: CurrentCaller, enterprise: Enterprise, cost_center_id: CostCenterId,
    body: Annotated[CostCenterResources, Body()],
) -> ResourcesAdded:
    with request.app.state.engine.begin() as conn:
        info = enterprise_access(request, conn, caller, enterprise, scopes=ENTERPRISE_SCOPES, roles=ENTERPRISE_ROLES)
        moved = cc.add_resources(conn, info.id, cost_center_id, _resource_list(body))
    return ResourcesAdded(
        message="Resources successfully added to the cost center.",
        reassigned_resources=[Reassigned(resource_type=m.resource_type, name=m.name,
                                         previous_cost_center=m.previous_cost_center) for m in moved] or None,
    )


@router.delete("/enterprises/{enterprise}/settings/billing/cost-centers/{cost_center_id}/resource",
               response_model=Message, responses=WRITE_ERRORS, summary="Remove resources from a cost center",
               operation_id="billing/remove-resource-from-cost-center")
def remove_resources(
    request: Request, caller: CurrentCaller, enterprise: Enterprise, cost_center_id: CostCenterId,
    body: Annotated[CostCenterResources, Body()],
) -> Message:
    with request.app.state.engine.begin() as conn:
        info = enterprise_access(request, conn, caller, enterprise, scopes=ENTERPRISE_SCOPES, roles=ENTERPRISE_ROLES)
        cc.remove_resources(conn, info.id, cost_center_id, _resource_list(body))
    return Message(message="Resources successfully removed from the cost center.")
