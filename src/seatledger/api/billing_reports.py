"""Usage report exports (GitHub's ``/enterprises/{enterprise}/settings/billing/reports``):
request one (202, written in a thread of this process), list them, read one, download the CSV.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from pathlib import Path as FsPath
from typing import Annotated, Any, Literal, Optional

import sqlalchemy as sa
from fastapi import APIRouter, Body, Path, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel
from sqlalchemy.engine import Connection, Engine

from seatledger.api.auth import CurrentCaller, enterprise_access
from seatledger.api.billing_usage import ENTERPRISE_ROLES, ENTERPRISE_SCOPES, WRITE_ERRORS, BadRequest, api_today
from seatledger.api.schemas import READ_ERRORS
from seatledger.db.ledger import utcnow
from seatledger.db.tables_billing import usage_report_exports
from seatledger.errors import InvalidInput, LedgerError, NotFound
from seatledger.licensing.scope import Scope

router = APIRouter(tags=["billing"])


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
        end = body.end_date or api_today(request)
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
