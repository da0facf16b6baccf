"""Copilot seats pages: seats with last activity, inactive-seat filters, the activity report."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.engine import Connection

from seatledger import licensing, validation
from seatledger.errors import InvalidInput
from seatledger.licensing import Scope
from seatledger.web.access import Access
from seatledger.web.deps import connection, counting_instant, signed_in
from seatledger.web.render import page

router = APIRouter()
PAGE_SIZE = 100
INACTIVE_FILTERS = (30, 60, 90)


def _seats_data(
    conn: Connection, scope: Scope, inactive: int | None, page_no: int, as_of: dt.datetime
) -> tuple[list[licensing.CopilotSeat], licensing.CopilotTotals, dict[int, int]]:
    """The page's data at an instant: its seats (and one more, to tell a next page), the totals,
    and how many seats each inactivity filter keeps."""
    seats = licensing.iter_copilot_seats(
        conn, scope, as_of=as_of, inactive_days=inactive, offset=(page_no - 1) * PAGE_SIZE, limit=PAGE_SIZE + 1
    )
    return (
        list(seats),
        licensing.copilot_totals(conn, scope, as_of=as_of),
        licensing.count_inactive_seats(conn, scope, INACTIVE_FILTERS, as_of=as_of),
    )


def _seats_page(
    request: Request,
    conn: Connection,
    scope: Scope,
    enterprise: licensing.EnterpriseInfo,
    inactive: int | None,
    page_no: int,
) -> HTMLResponse:
    if inactive is not None and inactive not in INACTIVE_FILTERS:
        raise InvalidInput(f"inactive must be one of {', '.join(map(str, INACTIVE_FILTERS))}")
    page_no = validation.whole_number(max(page_no, 1), "page_no", maximum=validation.MAX_PAGE)
    as_of = counting_instant(request)
    seats, totals, inactive_counts = _seats_data(conn, scope, inactive, page_no, as_of)
    counts: dict[int | None, int] = {None: totals.breakdown.total}
    counts.update(inactive_counts.items())
    return page(
        request,
        "copilot.html",
        scope=scope,
        enterprise=enterprise.slug,
        enterprise_name=enterprise.name,
        as_of=as_of,
        totals=totals,
        seats=seats[:PAGE_SIZE],
        inactive=inactive,
        filters=INACTIVE_FILTERS,
        counts=counts,
        pages=max(1, -(-counts[inactive] // PAGE_SIZE)),
        page_no=page_no,
        has_next=len(seats) > PAGE_SIZE,
        base=f"/orgs/{scope.name}/copilot" if scope.kind == "organization" else f"/enterprises/{scope.name}/copilot",
    )


@router.get("/orgs/{org}/copilot", include_in_schema=False)
def org_copilot(
    request: Request,
    org: str,
    inactive: int | None = None,
    page_no: int = 1,
    access: Access = Depends(signed_in),
    conn: Connection = Depends(connection),
) -> HTMLResponse:
    resolved = licensing.resolve(conn, Scope.org(org))
    access.require_org(org, resolved.enterprise.slug)
    return _seats_page(request, conn, Scope.org(org), resolved.enterprise, inactive, page_no)


@router.get("/enterprises/{slug}/copilot", include_in_schema=False)
def enterprise_copilot(
    request: Request,
    slug: str,
    inactive: int | None = None,
    page_no: int = 1,
    access: Access = Depends(signed_in),
    conn: Connection = Depends(connection),
) -> HTMLResponse:
    access.require_enterprise(slug)
    return _seats_page(request, conn, Scope.enterprise(slug), licensing.get_enterprise(conn, slug), inactive, page_no)
