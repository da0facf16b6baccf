"""Report downloads: streamed at once, or requested by email as an export job."""

from __future__ import annotations

import dataclasses

from typing import Iterator

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse

from seatledger import licensing
from seatledger.errors import LedgerError
from seatledger.exports.catalog import USAGE, ReportRequest, UsageParams, open_chunks, report_request
from seatledger.exports.jobs import ExportPending, request_export
from seatledger.web.access import Access
from seatledger.web.deps import clock_of, csrf_checked, counting_instant, signed_in
from seatledger.web.session import session_of

router = APIRouter()


def _allowed(
    request: Request, access: Access, kind: str, scope: str, product: str | None, usage: UsageParams | None = None
) -> ReportRequest:
    wanted = report_request(kind, scope, product, usage)
    with request.app.state.engine.connect() as conn:
        if wanted.scope.kind in ("user_namespace", "repository") and wanted.scope.enterprise_slug is None:
            # The same name may be in two enterprises: the person's own one is meant.
            for slug in dict.fromkeys((*access.enterprises, *access.org_enterprises)):
                try:
                    mine = licensing.resolve(conn, wanted.scope.within(slug))
                except LedgerError:
                    continue
                if access.may_see_scope(mine):
                    return dataclasses.replace(wanted, scope=mine.scope)
        resolved = licensing.resolve(conn, wanted.scope)
    access.require_scope(resolved)
    return wanted


@router.get("/reports/{kind}.csv", include_in_schema=False)
def download(
    request: Request, kind: str, scope: str, product: str | None = None, access: Access = Depends(signed_in)
) -> Response:
    """Stream the CSV as it is written: the first bytes leave before the last row is read."""
    wanted = _allowed(request, access, kind, scope, product)
    engine = request.app.state.engine
    conn = engine.connect()
    try:
        chunks = open_chunks(conn, wanted, as_of=counting_instant(request))  # raises NotFound/InvalidInput before any byte
    except BaseException:
        conn.close()
        raise

    def body() -> Iterator[bytes]:  # the connection lives exactly as long as the response body
        try:
            yield from chunks
        finally:
            conn.close()

    return StreamingResponse(
        body(), media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{wanted.filename}"'},
    )


@router.post("/exports", include_in_schema=False, dependencies=[Depends(csrf_checked)])
def email_me(
    request: Request,
    kind: str = Form(...),
    scope: str = Form(...),
    product: str = Form(""),
    report_type: str = Form(""),
    start: str = Form(""),
    end: str = Form(""),
    back: str = Form("/exports"),
    access: Access = Depends(signed_in),
) -> Response:
    """Email me the report: queue an export job (one pending per person and report kind)."""
    usage = UsageParams.parse(report_type or "summarized", start, end) if kind == USAGE else None
    wanted = _allowed(request, access, kind, scope, product or None, usage)
    session = session_of(request)
    try:
        with request.app.state.engine.begin() as conn:
            job_id = request_export(conn, access.user_id, wanted, clock=lambda: clock_of(request))
    except ExportPending as exc:
        session.flash(exc.message, "error")
    else:
        request.app.state.export_queue.enqueue(job_id)
        session.flash(
            f"Export #{job_id} ({wanted.title}) is queued; you will get an email with a download link.", "success"
        )
    target = back if back.startswith("/") and not back.startswith("//") else "/exports"
    return RedirectResponse(target, status_code=303)
