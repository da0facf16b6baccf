"""People, changes and history pages of an enterprise: finding a person (a search box on the
Licensing page, a results page and the small JSON list the box asks as you type), the person
page (every license they hold at a date and why, and their timeline), the Changes page (who
started or stopped consuming each license between two dates) and the History page (a
product's total per day over any range, with the peak), each with its CSV."""

from __future__ import annotations

import datetime as dt
import io
import json
from operator import attrgetter
from typing import Any, Callable
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy.engine import Connection

from seatledger import licensing, validation
from seatledger.errors import InvalidInput, LedgerError
from seatledger.web.access import Access
from seatledger.web.deps import connection, counting_instant, signed_in
from seatledger.web.render import page
from seatledger.web.table_view import TablePage, TableState, page_of, table_state

router = APIRouter()

SEARCH_PAGE_SIZE = 25
SUGGESTIONS = 8  # people the search box lists as you type
DEFAULT_CHANGES_DAYS = 30  # the Changes page without dates: the last 30 days
# The columns the change list sorts by (``chg_sort=``), a page of it at a time; the CSV has every one.
CHANGE_SORTS = ("at", "product", "change", "person")
# The History page's day table: newest first by default, a page at a time (ten years is 3,660 days).
DAY_SORTS = ("day", "total")
_DAY_KEYS: dict[str, Callable[[tuple[dt.date, int]], Any]] = {"day": lambda r: r[0], "total": lambda r: r[1]}
_CHANGE_KEYS: dict[str, Callable[[Any], Any]] = {
    "at": attrgetter("at"),
    "product": attrgetter("product"),
    "change": attrgetter("change"),
    "person": lambda c: c.handle.casefold(),
}
DEFAULT_HISTORY_DAYS = 365  # the History page without dates: the last year


def _instant(value: str | None, what: str, default: dt.datetime) -> dt.datetime:
    return default if value is None or value == "" else validation.counting_date(value, what)


@router.get("/enterprises/{slug}/people", include_in_schema=False)
def search_page(
    request: Request,
    slug: str,
    q: str = "",
    page_no: int = 1,
    access: Access = Depends(signed_in),
    conn: Connection = Depends(connection),
) -> HTMLResponse:
    access.require_enterprise(slug)
    info = licensing.get_enterprise(conn, slug)
    found, message = None, None
    page_no = max(1, min(page_no, validation.MAX_PAGE))
    if q.strip():
        try:
            found = licensing.search_people(
                conn, slug, q, limit=SEARCH_PAGE_SIZE, offset=(page_no - 1) * SEARCH_PAGE_SIZE
            )
        except LedgerError as exc:
            message = exc.message
    return page(
        request,
        "people.html",
        status_code=422 if message else 200,
        enterprise=info,
        q=q,
        found=found,
        message=message,
        page_no=page_no,
        page_size=SEARCH_PAGE_SIZE,
    )


@router.get("/enterprises/{slug}/people.json", include_in_schema=False)
def search_json(
    slug: str, q: str = "", access: Access = Depends(signed_in), conn: Connection = Depends(connection)
) -> JSONResponse:
    """What the search box lists as you type: ``{"total", "people": [{"handle", "login", "name", "matched", "url"}]}``."""
    access.require_enterprise(slug)
    try:
        found = licensing.search_people(conn, slug, q, limit=SUGGESTIONS)
    except InvalidInput:  # too short to search yet: the box lists nobody
        return JSONResponse({"total": 0, "people": []})
    return JSONResponse(
        {
            "total": found.total,
            "people": [
                {
                    "handle": m.handle,
                    "login": m.login,
                    "name": m.name,
                    "matched": m.matched,
                    "url": f"/enterprises/{slug}/people/{m.handle}",
                }
                for m in found.people
            ],
        }
    )


@router.get("/enterprises/{slug}/people/{person:path}", include_in_schema=False)
def person_page(
    request: Request,
    slug: str,
    person: str,
    access: Access = Depends(signed_in),
    conn: Connection = Depends(connection),
) -> HTMLResponse:
    access.require_enterprise(slug)
    info = licensing.get_enterprise(conn, slug)
    try:
        found = licensing.describe_person(conn, slug, person, as_of=counting_instant(request))
    except LedgerError as exc:
        return page(
            request,
            "person.html",
            status_code=exc.status_code,
            enterprise=info,
            person=None,
            asked=person,
            message=exc.message,
        )
    return page(request, "person.html", enterprise=info, person=found, asked=person, message=None)


def _changes(
    request: Request,
    conn: Connection,
    slug: str,
    start: str | None,
    end: str | None,
    product: str | None,
    org: str | None,
) -> licensing.LicenseChanges:
    now = counting_instant(request)
    t2 = _instant(end, "to", now)
    t1 = _instant(start, "from", t2 - dt.timedelta(days=DEFAULT_CHANGES_DAYS))
    products = licensing.CHANGE_PRODUCTS if not product else (product,)
    return licensing.license_changes(conn, slug, t1, t2, products=products, org=org or None)


@router.get("/enterprises/{slug}/changes", include_in_schema=False)
def changes_page(
    request: Request,
    slug: str,
    start: str | None = Query(None, alias="from"),
    end: str | None = Query(None, alias="to"),
    product: str | None = None,
    org: str | None = None,
    access: Access = Depends(signed_in),
    conn: Connection = Depends(connection),
) -> HTMLResponse:
    access.require_enterprise(slug)
    info = licensing.get_enterprise(conn, slug)
    form = {"from": start or "", "to": end or "", "product": product or "", "org": org or ""}
    try:
        found = _changes(request, conn, slug, start, end, product, org)
        state = table_state(request.query_params, "chg", CHANGE_SORTS, "at")
    except LedgerError as exc:
        return page(
            request,
            "changes.html",
            status_code=exc.status_code,
            enterprise=info,
            changes=None,
            form=form,
            products=licensing.CHANGE_PRODUCTS,
            message=exc.message,
            csv_query="",
        )
    query = urlencode(
        [
            (k, v)
            for k, v in (
                ("from", found.start.isoformat()),
                ("to", found.end.isoformat()),
                ("product", product or ""),
                ("org", org or ""),
            )
            if v
        ]
    )
    return page(
        request,
        "changes.html",
        enterprise=info,
        changes=found,
        form=form,
        products=licensing.CHANGE_PRODUCTS,
        message=None,
        csv_query=query,
        table=_change_table(found, state, request),
    )


def _change_table(
    found: licensing.LicenseChanges, state: TableState, request: Request
) -> TablePage[licensing.LicenseChange]:
    """One page of the change list, filtered by the person's login or email."""
    return page_of(
        found.changes,
        state,
        name=attrgetter("handle"),
        keys=_CHANGE_KEYS,
        query=list(request.query_params.multi_items()),
    )


@router.get("/enterprises/{slug}/changes.csv", include_in_schema=False)
def changes_csv(
    request: Request,
    slug: str,
    start: str | None = Query(None, alias="from"),
    end: str | None = Query(None, alias="to"),
    product: str | None = None,
    org: str | None = None,
    access: Access = Depends(signed_in),
    conn: Connection = Depends(connection),
) -> Response:
    from seatledger.reports.changes import write_changes_csv

    access.require_enterprise(slug)
    found = _changes(request, conn, slug, start, end, product, org)
    out = io.StringIO()
    write_changes_csv(found, out)
    name = f"{slug}-changes-{found.start:%Y%m%d}-{found.end:%Y%m%d}.csv"
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _history(
    request: Request,
    conn: Connection,
    slug: str,
    product: str | None,
    start: str | None,
    end: str | None,
    org: str | None,
) -> licensing.LicenseHistory:
    today = counting_instant(request).date()
    last = validation.day(end, "to") if end else today
    first = validation.day(start, "from") if start else last - dt.timedelta(days=DEFAULT_HISTORY_DAYS - 1)
    return licensing.license_history(conn, slug, product or "enterprise", first, last, org=org or None)


@router.get("/enterprises/{slug}/history", include_in_schema=False)
def history_page(
    request: Request,
    slug: str,
    product: str | None = None,
    start: str | None = Query(None, alias="from"),
    end: str | None = Query(None, alias="to"),
    org: str | None = None,
    access: Access = Depends(signed_in),
    conn: Connection = Depends(connection),
) -> HTMLResponse:
    access.require_enterprise(slug)
    info = licensing.get_enterprise(conn, slug)
    form = {"from": start or "", "to": end or "", "product": product or "enterprise", "org": org or ""}
    try:
        found = _history(request, conn, slug, product, start, end, org)
        state = table_state(request.query_params, "day", DAY_SORTS, "day", descending=True)
    except LedgerError as exc:
        return page(
            request,
            "history.html",
            status_code=exc.status_code,
            enterprise=info,
            history=None,
            form=form,
            products=licensing.HISTORY_PRODUCTS,
            message=exc.message,
            chart_json="{}",
            csv_query="",
        )
    label = found.product.replace("_", " ")
    chart = {"label": label, "labels": [d.isoformat() for d, _ in found.days], "values": [n for _, n in found.days]}
    query = urlencode(
        [
            (k, v)
            for k, v in (
                ("product", found.product),
                ("from", found.days[0][0].isoformat()),
                ("to", found.days[-1][0].isoformat()),
                ("org", org or ""),
            )
            if v
        ]
    )
    return page(
        request,
        "history.html",
        enterprise=info,
        history=found,
        form=form,
        products=licensing.HISTORY_PRODUCTS,
        message=None,
        chart_json=json.dumps(chart),
        csv_query=query,
        table=page_of(
            found.days,
            state,
            name=lambda r: r[0].isoformat(),
            keys=_DAY_KEYS,
            query=list(request.query_params.multi_items()),
        ),
    )


@router.get("/enterprises/{slug}/history.csv", include_in_schema=False)
def history_csv(
    request: Request,
    slug: str,
    product: str | None = None,
    start: str | None = Query(None, alias="from"),
    end: str | None = Query(None, alias="to"),
    org: str | None = None,
    access: Access = Depends(signed_in),
    conn: Connection = Depends(connection),
) -> Response:
    access.require_enterprise(slug)
    found = _history(request, conn, slug, product, start, end, org)
    body = "date,total\r\n" + "".join(f"{d.isoformat()},{n}\r\n" for d, n in found.days)
    name = f"{slug}-{found.product}-history-{found.days[0][0]:%Y%m%d}-{found.days[-1][0]:%Y%m%d}.csv"
    return Response(
        body, media_type="text/csv; charset=utf-8", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
