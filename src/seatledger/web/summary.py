"""The summary page (``/summary``): the headline numbers of every enterprise (and owned
organization) the signed-in person may see — the same numbers as ``seatledger summary``,
from the same ``licensing.enterprise_summary``."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.engine import Connection

from seatledger import licensing
from seatledger.licensing import Scope
from seatledger.web.access import Access
from seatledger.web.deps import connection, counting_instant, signed_in
from seatledger.web.render import page

router = APIRouter()

PRODUCT_LABELS = {"code_security": "Code Security", "secret_protection": "Secret Protection"}


@router.get("/summary", include_in_schema=False)
def summary_page(
    request: Request,
    access: Access = Depends(signed_in),
    conn: Connection = Depends(connection),
) -> HTMLResponse:
    when = counting_instant(request)  # ?as_of=: the date picker's date
    summaries = [licensing.enterprise_summary(conn, slug, as_of=when) for slug in access.enterprises]
    for org in access.owned_orgs:
        enterprise = licensing.resolve(conn, Scope.org(org)).enterprise.slug
        if not access.may_see_enterprise(enterprise):  # already covered by the enterprise's summary
            summaries.append(licensing.enterprise_summary(conn, enterprise, org=org, as_of=when))
    return page(request, "summary.html", summaries=summaries, as_of=when, labels=PRODUCT_LABELS)
