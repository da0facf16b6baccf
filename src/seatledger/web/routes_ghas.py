"""The Advanced Security what-if page of an enterprise: choose repositories (by name,
organization, pattern or visibility) and a product, and see who enabling it there would add
and disabling it would free, by name, at the page's date; with spare licenses, the plan of
which repositories they cover. Enterprise owners and billing managers only."""

from __future__ import annotations

import datetime as dt
import re
from operator import attrgetter
from typing import Any, Callable

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.engine import Connection

from seatledger import licensing, validation
from seatledger.errors import InvalidInput, LedgerError
from seatledger.web.access import Access
from seatledger.web.deps import connection, counting_instant, signed_in
from seatledger.web.render import page
from seatledger.web.table_view import TablePage, page_of, table_state

router = APIRouter()

FIELDS = ("product", "repository", "org", "pattern", "spare")
# The people tables (``add_``, ``free_``) and the plan's repositories (``step_``) page on the
# server: an enterprise-wide choice names thousands.
PEOPLE_SORTS = ("login", "name")
_PEOPLE_KEYS: dict[str, Callable[[Any], Any]] = {
    "login": lambda p: p.login.casefold(),
    "name": lambda p: (p.name or "").casefold(),
}
STEP_SORTS = ("plan", "repository", "new_committers", "last_push")


def _names(text: str) -> tuple[str, ...]:
    return tuple(n for n in re.split(r"[\s,]+", text[:10_000]) if n)


def _answer(request: Request, conn: Connection, slug: str) -> licensing.GhasWhatIf | licensing.GhasPlan | None:
    sent = request.query_params
    product = sent.get("product", "")
    if not product:
        return None  # the empty form
    selection = licensing.RepositorySelection(
        _names(sent.get("repository", "")),
        _names(sent.get("org", "")),
        sent.get("pattern", "").strip() or None,
        tuple(sent.getlist("visibility")),
    )
    at = counting_instant(request)
    spare_text = sent.get("spare", "").strip()
    if not spare_text:
        return licensing.ghas_what_if(conn, slug, product, selection, as_of=at)
    spare = validation.decimal_digits(spare_text)
    if spare is None:
        raise InvalidInput(f"spare must be a whole number of licenses, not {spare_text[:40]!r}")
    return licensing.ghas_plan(conn, slug, product, spare, selection, as_of=at)


@router.get("/enterprises/{slug}/ghas-what-if", include_in_schema=False)
def what_if_page(
    request: Request,
    slug: str,
    access: Access = Depends(signed_in),
    conn: Connection = Depends(connection),
) -> HTMLResponse:
    access.require_enterprise(slug)
    info = licensing.get_enterprise(conn, slug)
    form = {k: request.query_params.get(k, "") for k in FIELDS} | {
        "visibility": request.query_params.getlist("visibility")
    }
    context: dict[str, Any] = dict(
        enterprise=info, form=form, products=licensing.GHAS_PRODUCTS, visibilities=licensing.VISIBILITIES
    )
    try:
        found = _answer(request, conn, slug)
        tables = _tables(request, found)
    except LedgerError as exc:
        return page(
            request, "ghas_what_if.html", status_code=exc.status_code, found=None, message=exc.message, **context
        )
    return page(
        request,
        "ghas_what_if.html",
        found=found,
        message=None,
        is_plan=isinstance(found, licensing.GhasPlan),
        tables=tables,
        **context,
    )


def _tables(request: Request, found: licensing.GhasWhatIf | licensing.GhasPlan | None) -> dict[str, TablePage[Any]]:
    """The page's tables, one page each, as the URL asks."""
    sent, query = request.query_params, list(request.query_params.multi_items())
    if isinstance(found, licensing.GhasPlan):
        position = {s.repository: i for i, s in enumerate(found.steps)}
        keys: dict[str, Callable[[Any], Any]] = {
            "plan": lambda s: position[s.repository],
            "repository": lambda s: s.repository.casefold(),
            "new_committers": attrgetter("new_committers"),
            "last_push": lambda s: s.last_pushed_at or dt.datetime.min,
        }
        state = table_state(sent, "step", STEP_SORTS, "plan")
        return {"step": page_of(found.steps, state, name=attrgetter("repository"), keys=keys, query=query)}
    if found is None:
        return {}
    return {
        prefix: page_of(
            people,
            table_state(sent, prefix, PEOPLE_SORTS, "login"),
            name=attrgetter("login"),
            keys=_PEOPLE_KEYS,
            query=query,
        )
        for prefix, people in (("add", found.enabling_adds), ("free", found.disabling_frees))
    }
