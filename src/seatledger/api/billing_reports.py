"""Usage report exports (GitHub's ``/enterprises/{enterprise}/settings/billing/reports``):
request one (202; an export job on the queue of the exports area), list them, read one,
download the CSV.

A REST export is a ``usage_report_exports`` row (GitHub's uuid, type, range, actor) pointing at
the ``export_jobs`` row that writes it. Its status is the job's: queued or running are
``processing``, ready is ``completed``, failed is ``failed``; an export whose file has expired
(after the download link lifetime) stays ``completed`` without ``download_urls``.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from pathlib import Path as FsPath
from typing import Annotated, Any, Literal, Optional

import sqlalchemy as sa
from fastapi import APIRouter, Body, Path, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel
from sqlalchemy.engine import Connection

from seatledger.api.auth import CurrentCaller
from seatledger.api.billing_usage import WRITE_ERRORS, BadRequest, api_today, billing_connection
from seatledger.api.schemas import READ_ERRORS
from seatledger.db.clock import utc_at
from seatledger.db.tables_billing import usage_report_exports
from seatledger.db.tables_exports import EXPORT_EXPIRED, EXPORT_FAILED, EXPORT_READY, export_jobs
from seatledger.errors import InvalidInput, NotFound
from seatledger.exports.catalog import USAGE, UsageParams, report_request
from seatledger.exports.jobs import ExportPending, expire_old, request_export
from seatledger.exports.links import Clock
from seatledger.validation import ApiDate

router = APIRouter(tags=["billing"])

# GitHub's export statuses, from the job's.
PROCESSING, COMPLETED, FAILED = "processing", "completed", "failed"
_STATUS = {EXPORT_READY: COMPLETED, EXPORT_EXPIRED: COMPLETED, EXPORT_FAILED: FAILED}


class ExportRequest(BaseModel):
    # "focus" (seatledger's own): the summarized usage as a FinOps FOCUS 1.0 dataset.
    report_type: Literal["detailed", "summarized", "premium_request", "ai_credit", "focus"]
    start_date: ApiDate
    end_date: Optional[ApiDate] = None
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


def _clock(request: Request) -> Clock:
    # The same clock as the web pages' (tests move it to travel in time).
    return getattr(request.app.state, "clock", time.time)


def _now(request: Request) -> dt.datetime:
    return utc_at(_clock(request)()).replace(microsecond=0)


def _queue(request: Request) -> Any:
    """The exports area's queue (the web's lifespan installs it; an app without a running
    lifespan gets one whose jobs wait for ``seatledger worker``)."""
    state = request.app.state
    queue = getattr(state, "export_queue", None)
    if queue is None:
        from seatledger.exports.queue import ExportQueue

        queue = state.export_queue = ExportQueue(state.settings, state.engine, clock=_clock(request))
    return queue


def _status(row: Any) -> str:
    if row.job_status is None:  # written by the in-process thread of earlier versions
        return str(row.status)
    return _STATUS.get(row.job_status, PROCESSING)


def _file(row: Any) -> str | None:
    """The CSV of a completed export, while it is kept."""
    if row.job_status is None:
        return row.file_path if row.status == COMPLETED else None
    return row.job_file if row.job_status == EXPORT_READY else None


def _select() -> sa.Select[Any]:
    x, j = usage_report_exports, export_jobs
    return sa.select(x, j.c.status.label("job_status"), j.c.file_path.label("job_file")).select_from(
        x.outerjoin(j, j.c.id == x.c.export_job_id)
    )


def _export_object(request: Request, enterprise: str, row: Any) -> UsageReportExport:
    status = _status(row)
    urls = None
    if status == COMPLETED and _file(row):
        base = str(request.base_url).rstrip("/") + request.app.state.api_prefix
        urls = [f"{base}/enterprises/{enterprise}/settings/billing/reports/{row.id}/download"]
    return UsageReportExport(
        id=row.id,
        report_type=row.report_type,
        start_date=row.start_date.isoformat(),
        end_date=row.end_date.isoformat(),
        status=status,
        download_urls=urls,
        created_at=row.created_at.replace(microsecond=0).isoformat() + "Z",
        actor=row.actor_login,
    )


def _expire(request: Request, conn: Connection) -> None:
    # Exported files live as long as the emailed links (the web's /exports does the same).
    expire_old(conn, request.app.state.settings, clock=_clock(request))


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
    request: Request,
    caller: CurrentCaller,
    enterprise: Annotated[str, Path()],
    body: Annotated[ExportRequest, Body()],
) -> UsageReportExport:
    """Queue a usage report (detailed ≤ 31 days, summarized or focus ≤ 1 year) as an export job;
    answers 202 at once. ``send_email`` mails the requester a signed link when it is ready."""
    with billing_connection(request, caller, enterprise, write=True) as (conn, info):
        if body.report_type not in ("detailed", "summarized", "focus"):
            raise BadRequest(f"report_type {body.report_type!r} is not available: seatledger reports license usage")
        end = body.end_date or api_today(request)
        try:
            params = UsageParams.parse(body.report_type, body.start_date.isoformat(), end.isoformat())
            wanted = report_request(USAGE, f"enterprise:{info.slug}", None, params)
            job_id = request_export(conn, caller.user_id, wanted, notify=body.send_email, clock=_clock(request))
        except ExportPending as exc:  # GitHub: one usage report request per account at a time
            raise BadRequest(_pending_message(conn, exc)) from None
        except InvalidInput as exc:
            raise BadRequest(exc.message) from None
        x = usage_report_exports
        export_id = str(uuid.uuid4())
        conn.execute(
            sa.insert(x).values(
                id=export_id,
                enterprise_id=info.id,
                report_type=body.report_type,
                start_date=body.start_date,
                end_date=end,
                status=PROCESSING,
                created_at=_now(request),
                actor_user_id=caller.user_id,
                actor_login=caller.login,
                export_job_id=job_id,
            )
        )
        row = conn.execute(_select().where(x.c.id == export_id)).one()
    _queue(request).enqueue(job_id)  # after the commit: a worker must see the job's row
    return _export_object(request, info.slug, row)


def _pending_message(conn: Connection, exc: ExportPending) -> str:
    x = usage_report_exports
    rest_id = conn.execute(sa.select(x.c.id).where(x.c.export_job_id == exc.job_id).limit(1)).scalar()
    name = rest_id or f"export #{exc.job_id}"  # requested on the web's usage page
    return f"usage report {name} is still being prepared; request another when it completes"


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
    with billing_connection(request, caller, enterprise, write=True) as (conn, info):
        _expire(request, conn)
        x = usage_report_exports
        rows = conn.execute(_select().where(x.c.enterprise_id == info.id).order_by(x.c.created_at.desc(), x.c.id))
        return UsageReportExports(usage_report_exports=[_export_object(request, info.slug, r) for r in rows])


def _export_row(conn: Connection, enterprise_id: int, report_id: str) -> Any:
    x = usage_report_exports
    row = conn.execute(_select().where(x.c.id == report_id, x.c.enterprise_id == enterprise_id)).first()
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
    request: Request,
    caller: CurrentCaller,
    enterprise: Annotated[str, Path()],
    report_id: Annotated[str, Path()],
) -> UsageReportExport:
    with billing_connection(request, caller, enterprise, write=True) as (conn, info):
        _expire(request, conn)
        return _export_object(request, info.slug, _export_row(conn, info.id, report_id))


@router.get(
    "/enterprises/{enterprise}/settings/billing/reports/{report_id}/download",
    responses=READ_ERRORS,
    summary="Download a completed usage report export (CSV)",
    operation_id="billing/download-usage-report-export",
    response_class=FileResponse,
)
def download_export(
    request: Request,
    caller: CurrentCaller,
    enterprise: Annotated[str, Path()],
    report_id: Annotated[str, Path()],
) -> FileResponse:
    with billing_connection(request, caller, enterprise, write=True) as (conn, info):
        _expire(request, conn)
        row = _export_row(conn, info.id, report_id)
    path = _file(row)
    if path is None or not FsPath(path).is_file():
        raise NotFound("Not Found")
    name = f"usage-{row.report_type}-{row.start_date.isoformat()}-{row.end_date.isoformat()}.csv"
    return FileResponse(path, media_type="text/csv; charset=utf-8", filename=name)
