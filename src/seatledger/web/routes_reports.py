"""Report downloads: streamed at once, or requested by email as an export job."""

from __future__ import annotations

import dataclasses

from typing import Iterator
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse

from seatledger import licensing, validation
from seatledger.errors import InvalidInput, LedgerError
from seatledger.exports.catalog import USAGE, ReportRequest, UsageParams, open_chunks, report_request
from seatledger.exports.jobs import ExportPending, request_export
from seatledger.web.access import Access
from seatledger.web.deps import AS_OF, chosen_date, clock_of, csrf_checked, counting_instant, signed_in
from seatledger.web.session import session_of

router = APIRouter()


def _allowed(
    request: Request,
    access: Access,
    kind: str,
    scope: str,
    product: str | None,
    usage: UsageParams | None = None,
    as_of: str = "",
) -> ReportRequest:
    """The report asked for, at the date picked on the page it was asked from (``as_of``), if
    the person may see its scope."""
    at = validation.counting_date(as_of, AS_OF) if as_of.strip() else None
    wanted = report_request(kind, scope, product, usage, at)
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
    wanted = _allowed(request, access, kind, scope, product, as_of=chosen_date(request))
    engine = request.app.state.engine
    conn = engine.connect()
    try:
        chunks = open_chunks(
            conn, wanted, as_of=counting_instant(request)
        )  # raises NotFound/InvalidInput before any byte
    except BaseException:
        conn.close()
        raise

    def body() -> Iterator[bytes]:  # the connection lives exactly as long as the response body
        try:
            yield from chunks
        finally:
            conn.close()

    return StreamingResponse(
        body(),
        media_type="text/csv; charset=utf-8",
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
    as_of: str = Form(""),
    back: str = Form("/exports"),
    access: Access = Depends(signed_in),
) -> Response:
    """Email me the report: queue an export job (one pending per person and report). A request
    the form could not know was wrong (a detailed report over 31 days) goes back to its page
    with the message, the form open and filled as it was sent."""
    target = back if back.startswith("/") and not back.startswith("//") else "/exports"
    session = session_of(request)
    try:
        usage = UsageParams.parse(report_type or "summarized", start, end) if kind == USAGE else None
        wanted = _allowed(request, access, kind, scope, product or None, usage, as_of)
    except InvalidInput as exc:
        session.flash(f"The report was not requested: {exc.message}", "error")
        if kind == USAGE:
            target = _with_query(target, report_type=report_type, start=start, end=end)
        return RedirectResponse(target, status_code=303)
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
    return RedirectResponse(target, status_code=303)


def _with_query(path: str, **params: str) -> str:
    """``path`` (which may carry a query already) with ``params`` set in its query."""
    parts = urlsplit(path)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    return urlunsplit(("", "", parts.path, urlencode(query + list(params.items())), ""))
