"""Billing & licensing pages: enterprise and organization Licensing, the server-usage upload,
and the Usage page."""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
import json

from fastapi import APIRouter, Depends, File, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.engine import Connection

from seatledger import licensing
from seatledger.errors import InvalidInput, LedgerError, PermissionDenied
from seatledger.licensing import Scope, cache
from seatledger.web import licensing_view
from seatledger.web.access import Access
from seatledger.web.deps import connection, counting_instant, csrf_checked, page_cache, page_data, signed_in
from seatledger.web.page_cache import PageCache
from seatledger.web.render import page
from seatledger.web.session import session_of

router = APIRouter()

ENTERPRISE_PAGE, ORG_PAGE, USAGE_PAGE = "enterprise-licensing", "org-licensing", "usage"


def _enterprise_page(slug: str) -> cache.Question[licensing_view.LicensingPage]:
    return cache.question(licensing_view.enterprise_page, slug)


def _usage_page(scope: Scope, month: dt.date, group: str) -> cache.Question[object]:
    from seatledger.web import usage_view

    return cache.question(usage_view.usage_page, scope, month, group)


# An enterprise with at most this many organizations has their Licensing pages seeded too.
SEED_ORG_PAGES_UP_TO = 10


def _org_page(org: str) -> cache.Question[licensing_view.LicensingPage]:
    return cache.question(licensing_view.org_page, org)


def warm_enterprise_pages(pages: PageCache, warmer: cache.Warmer, conn: Connection, now: dt.datetime) -> None:
    """Seed the warmer with every enterprise's Licensing page and this month's Usage page (by
    SKU), and with its organizations' Licensing pages when it has only a few: the pages an owner
    opens first have numbers even on the first view after start-up. Each is counted once, and
    kept warm only once someone opens it (:meth:`cache.Warmer.seed`)."""
    from seatledger.web import usage_view

    month = usage_view.parse_month(None, now)
    for eid, slug in licensing_view.enterprise_ids(conn):
        scope = Scope.enterprise(slug)
        pages.seed(warmer, ENTERPRISE_PAGE, eid, (slug,), _enterprise_page(slug))
        pages.seed(warmer, USAGE_PAGE, eid, (scope, month, "sku"), _usage_page(scope, month, "sku"), daily=True)
        orgs = licensing_view.org_logins(conn, eid)
        if len(orgs) <= SEED_ORG_PAGES_UP_TO:
            for org in orgs:
                pages.seed(warmer, ORG_PAGE, eid, (org,), _org_page(org))


MAX_UPLOAD_BYTES = 50 * 1024 * 1024


@router.get("/enterprises/{slug}/licensing", include_in_schema=False)
def enterprise_licensing(
    request: Request, slug: str, access: Access = Depends(signed_in), conn: Connection = Depends(connection)
) -> HTMLResponse:
    access.require_enterprise(slug)
    as_of = counting_instant(request)
    eid = licensing.get_enterprise(conn, slug).id
    data, recounting = page_data(request, conn, ENTERPRISE_PAGE, eid, (slug,), as_of, _enterprise_page(slug))
    # The server list is cheap and changes with every upload: always read fresh.
    data = dataclasses.replace(data, servers=licensing_view.servers(conn, eid))
    history = data.history.value or []
    return page(
        request, "licensing.html", data=data, labels=licensing_view.PRODUCT_LABELS,
        chart_json=json.dumps({"labels": [d.isoformat() for d, _ in history], "values": [n for _, n in history]}),
        is_owner=dict(access.enterprise_roles).get(slug) == "owner", recounting=recounting,
    )


@router.get("/orgs/{org}/licensing", include_in_schema=False)
def org_licensing(
    request: Request, org: str, access: Access = Depends(signed_in), conn: Connection = Depends(connection)
) -> HTMLResponse:
    resolved = licensing.resolve(conn, Scope.org(org))
    access.require_org(org, resolved.enterprise.slug)
    as_of = counting_instant(request)
    data, recounting = page_data(request, conn, ORG_PAGE, resolved.enterprise.id, (org,), as_of, _org_page(org))
    return page(request, "licensing.html", data=data, labels=licensing_view.PRODUCT_LABELS, chart_json="{}",
                is_owner=False, recounting=recounting)


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


def _ingest(request: Request, data: bytes, slug: str) -> str:
    try:
        module = importlib.import_module("seatledger.ingest.server_usage")
    except ImportError as exc:
        raise InvalidInput("importing server usage is not available in this version") from exc
    engine = request.app.state.engine
    # One transaction: an invalid file is rejected whole and changes nothing.
    with engine.begin() as conn:
        result = module.ingest_server_usage(conn, data, slug)
    summary = getattr(result, "summary", None)
    return f"{summary()}." if callable(summary) else ""


def _usage(request: Request, conn: Connection, scope: Scope, month: str | None, group: str) -> HTMLResponse:
    try:
        usage_view = importlib.import_module("seatledger.web.usage_view")
    except ImportError:  # the metered-usage engine is not installed
        return page(request, "usage.html", scope=scope, data=None, chart_json="{}")
    as_of = counting_instant(request)
    chosen = usage_view.parse_month(month, as_of)
    eid = licensing.resolve(conn, scope).enterprise.id
    # The month's usage changes only with the date (and the ledger): counted once a day.
    data, recounting = page_data(
        request, conn, USAGE_PAGE, eid, (scope, chosen, group), page_cache(request).day_instant(as_of),
        _usage_page(scope, chosen, group),
    )
    chart = {"labels": [d.isoformat() for d in data.days], "series": [{"label": k, "values": v} for k, v in data.series]}
    last = min(data.days[-1], as_of.date())
    return page(
        request, "usage.html", scope=scope, data=data, groups=usage_view.GROUPS, chart_json=json.dumps(chart),
        report_start=data.month.isoformat(), report_end=last.isoformat(),
        base=f"/enterprises/{scope.name}/usage" if scope.kind == "enterprise" else f"/orgs/{scope.name}/usage",
        recounting=recounting,
    )


@router.get("/enterprises/{slug}/usage", include_in_schema=False)
def enterprise_usage(
    request: Request, slug: str, month: str | None = None, group: str = "sku",
    access: Access = Depends(signed_in), conn: Connection = Depends(connection),
) -> HTMLResponse:
    access.require_enterprise(slug)
    licensing.get_enterprise(conn, slug)
    return _usage(request, conn, Scope.enterprise(slug), month, group)


@router.get("/orgs/{org}/usage", include_in_schema=False)
def org_usage(
    request: Request, org: str, month: str | None = None, group: str = "sku",
    access: Access = Depends(signed_in), conn: Connection = Depends(connection),
) -> HTMLResponse:
    resolved = licensing.resolve(conn, Scope.org(org))
    access.require_org(org, resolved.enterprise.slug)
    return _usage(request, conn, Scope.org(org), month, group)
