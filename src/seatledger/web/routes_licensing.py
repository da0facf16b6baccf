"""Billing & licensing pages: enterprise and organization Licensing, the server-usage upload,
and the Usage page."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.engine import Connection

from seatledger import licensing
from seatledger.errors import InvalidInput, LedgerError, PermissionDenied
from seatledger.ingest.server_usage import ingest_server_usage
from seatledger.ingest.source_runs import failure_recorded
from seatledger.licensing import Scope
from seatledger.web import licensing_view, usage_view
from seatledger.web.access import Access
from seatledger.web.deps import connection, counting_instant, csrf_checked, signed_in
from seatledger.web.render import page
from seatledger.web.session import session_of
from seatledger.web.table_view import TablePage, TableState, table_state

router = APIRouter()

MAX_UPLOAD_BYTES = 50 * 1024 * 1024


@router.get("/enterprises/{slug}/licensing", include_in_schema=False)
def enterprise_licensing(
    request: Request, slug: str, access: Access = Depends(signed_in), conn: Connection = Depends(connection)
) -> HTMLResponse:
    access.require_enterprise(slug)
    # A bad parameter is refused before counting.
    states = {p: _table_state(request, p) for p in ("org", "ns")}
    server_state = table_state(request.query_params, "srv", licensing_view.SERVER_SORTS, "name")
    as_of = counting_instant(request)
    data = licensing_view.enterprise_page(conn, slug, as_of)
    history = data.history
    query = list(request.query_params.multi_items())
    tables: dict[str, TablePage[Any]] = {
        prefix: licensing_view.committer_table([r for r in data.namespaces if r.kind == kind], states[prefix], query)
        for prefix, kind in (("org", "organization"), ("ns", "user_namespace"))
    }
    tables["srv"] = licensing_view.server_table(data.servers, server_state, query)
    return page(
        request,
        "licensing.html",
        data=data,
        labels=licensing_view.PRODUCT_LABELS,
        tables=tables,
        chart_json=json.dumps({"labels": [d.isoformat() for d, _ in history], "values": [n for _, n in history]}),
        is_owner=dict(access.enterprise_roles).get(slug) == "owner",
    )


@router.get("/orgs/{org}/licensing", include_in_schema=False)
def org_licensing(
    request: Request, org: str, access: Access = Depends(signed_in), conn: Connection = Depends(connection)
) -> HTMLResponse:
    resolved = licensing.resolve(conn, Scope.org(org))
    access.require_org(org, resolved.enterprise.slug)
    state = _table_state(request, "repo")
    as_of = counting_instant(request)
    data = licensing_view.org_page(conn, org, as_of)
    tables = {
        "repo": licensing_view.committer_table(data.repositories, state, list(request.query_params.multi_items()))
    }
    return page(
        request,
        "licensing.html",
        data=data,
        labels=licensing_view.PRODUCT_LABELS,
        chart_json="{}",
        is_owner=False,
        tables=tables,
    )


@router.get("/enterprises/{slug}/emails", include_in_schema=False)
def unattributed_emails(
    request: Request, slug: str, access: Access = Depends(signed_in), conn: Connection = Depends(connection)
) -> HTMLResponse:
    """The worklist of commit emails pushed in the window that count for nobody, paged;
    owners map each to a person."""
    access.require_enterprise(slug)
    state = table_state(request.query_params, "email", licensing_view.EMAIL_SORTS, "pushes", descending=True)
    as_of = counting_instant(request)
    info = licensing.get_enterprise(conn, slug)
    rows = list(licensing.iter_unattributed_emails(conn, slug, as_of=as_of))
    table = licensing_view.unattributed_table(rows, state, list(request.query_params.multi_items()))
    return page(
        request,
        "unattributed.html",
        enterprise=info,
        as_of=as_of,
        table=table,
        is_owner=dict(access.enterprise_roles).get(slug) == "owner",
    )


def _table_state(request: Request, prefix: str) -> TableState:
    return table_state(request.query_params, prefix, licensing_view.TABLE_SORTS, "name")


@router.post("/enterprises/{slug}/server-usage", include_in_schema=False, dependencies=[Depends(csrf_checked)])
async def upload_server_usage(
    request: Request, slug: str, file: UploadFile = File(...), access: Access = Depends(signed_in)
) -> Response:
    """Add server usage: import a server's exported license usage JSON; all or nothing."""
    if dict(access.enterprise_roles).get(slug) != "owner":
        raise PermissionDenied(f"Only owners of the enterprise {slug} can add server usage.")
    session = session_of(request)
    back = RedirectResponse(f"/enterprises/{slug}/licensing#servers", status_code=303)
    data = await file.read(MAX_UPLOAD_BYTES + 1)
    try:
        if len(data) > MAX_UPLOAD_BYTES:
            raise InvalidInput(f"the file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB")
        if not data.strip():
            raise InvalidInput("the file is empty")
        summary = _ingest(request, data, slug)
    except LedgerError as exc:
        session.flash(f"Server usage was not added: {exc.message}", "error")
        return back
    session.flash(f"Server usage uploaded from {file.filename or 'the file'}. {summary}".strip(), "success")
    return back


@router.post("/enterprises/{slug}/emails/map", include_in_schema=False, dependencies=[Depends(csrf_checked)])
def map_unattributed_email(
    request: Request, slug: str, email: str = Form(""), login: str = Form(""), access: Access = Depends(signed_in)
) -> Response:
    """Map an unattributed commit email to a person of the enterprise (owners only)."""
    from seatledger.ingest.email_mapping import map_email

    if dict(access.enterprise_roles).get(slug) != "owner":
        raise PermissionDenied(f"Only owners of the enterprise {slug} can map commit emails.")
    session = session_of(request)
    back = RedirectResponse(f"/enterprises/{slug}/emails", status_code=303)
    try:
        with request.app.state.engine.begin() as conn:
            outcome = map_email(conn, slug, email, login.strip())
    except LedgerError as exc:
        session.flash(f"{email} was not mapped: {exc.message}", "error")
        return back
    done = "was already" if outcome == "unchanged" else "is now"
    session.flash(f"{email.strip().lower()} {done} a verified email of {login.strip()}.", "success")
    return back


def _ingest(request: Request, data: bytes, slug: str) -> str:
    engine = request.app.state.engine
    # One transaction: an invalid file is rejected whole and changes nothing (and is recorded
    # as the source's last failure, after the rollback).
    with failure_recorded(engine, slug, "server_upload"), engine.begin() as conn:
        result = ingest_server_usage(conn, data, slug)
    summary = getattr(result, "summary", None)
    return f"{summary()}." if callable(summary) else ""


def _usage(
    request: Request,
    conn: Connection,
    scope: Scope,
    enterprise: licensing.EnterpriseInfo,
    month: str | None,
    group: str,
) -> HTMLResponse:
    """The Usage page. A report request sent back (``report_type``, ``start``, ``end`` in the
    query, with a message) opens the report form filled as it was sent."""
    names: dict[str, Any] = {"enterprise": enterprise.slug, "enterprise_name": enterprise.name}
    state = table_state(request.query_params, "grp", usage_view.TOTALS_SORTS, "net", descending=True)
    as_of = counting_instant(request)
    chosen = usage_view.parse_month(month, as_of)
    data = usage_view.usage_page(conn, scope, chosen, group, as_of)
    totals = usage_view.totals_table(data, state, list(request.query_params.multi_items()))
    chart = {
        "labels": [d.isoformat() for d in data.days],
        # The series past CHART_SERIES is the rest of the groups together, drawn in grey.
        "series": [
            {"label": k, "values": v, "other": i >= usage_view.CHART_SERIES} for i, (k, v) in enumerate(data.series)
        ],
    }
    last = min(data.days[-1], as_of.date())
    sent = request.query_params
    return page(
        request,
        "usage.html",
        scope=scope,
        data=data,
        groups=usage_view.GROUPS,
        chart_json=json.dumps(chart),
        t=totals,
        report_start=sent.get("start", data.month.isoformat())[:10],
        report_end=sent.get("end", last.isoformat())[:10],
        report_type=sent.get("report_type", "summarized"),
        report_open="start" in sent,
        as_of=as_of,
        **names,
        base=f"/enterprises/{scope.name}/usage" if scope.kind == "enterprise" else f"/orgs/{scope.name}/usage",
    )


@router.get("/enterprises/{slug}/usage", include_in_schema=False)
def enterprise_usage(
    request: Request,
    slug: str,
    month: str | None = None,
    group: str = "sku",
    access: Access = Depends(signed_in),
    conn: Connection = Depends(connection),
) -> HTMLResponse:
    access.require_enterprise(slug)
    return _usage(request, conn, Scope.enterprise(slug), licensing.get_enterprise(conn, slug), month, group)


@router.get("/orgs/{org}/usage", include_in_schema=False)
def org_usage(
    request: Request,
    org: str,
    month: str | None = None,
    group: str = "sku",
    access: Access = Depends(signed_in),
    conn: Connection = Depends(connection),
) -> HTMLResponse:
    resolved = licensing.resolve(conn, Scope.org(org))
    access.require_org(org, resolved.enterprise.slug)
    return _usage(request, conn, Scope.org(org), resolved.enterprise, month, group)
