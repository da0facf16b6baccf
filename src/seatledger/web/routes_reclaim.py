"""The Reclaim view of an enterprise: per product, the seats that could be taken back, by
category, with a CSV; for Copilot the list as of now is a dry run whose selection (signed into
the form) *Cancel selected* cancels, through the seat API's own cancel, recorded with who and
when. Enterprise owners and billing managers only."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any, Callable, Mapping
from urllib.parse import urlencode

from operator import attrgetter

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.engine import Connection

from seatledger import licensing, validation
from seatledger.errors import InvalidInput, LedgerError
from seatledger.exports.secret_key import effective_secret_key
from seatledger.web.access import Access
from seatledger.web.deps import chosen_date, connection, counting_instant, csrf_checked, page_as_of, signed_in
from seatledger.web.render import page
from seatledger.web.session import session_of
from seatledger.web.table_view import TablePage, page_of, table_state

router = APIRouter()

# The list pages on the server (``rcl_sort=``, ``rcl_q=``, ``rcl_page=``); the CSV has every one.
RECLAIM_SORTS = ("person", "category", "since")
_RECLAIM_KEYS: dict[str, Callable[[Any], Any]] = {
    "person": lambda c: _person(c).casefold(),
    "category": attrgetter("category"),
    "since": lambda c: c.since or dt.datetime.min,
}
DRY_RUN_TTL_SECONDS = 3600  # a dry run's selection can be cancelled for an hour
TOKEN_SALT = "seatledger.copilot-reclaim"
RULE_FIELDS = ("invitation_days", "collaborator_days", "idle_days", "joined_days")


def _rules(params: Mapping[str, Any]) -> licensing.ReclaimRules:
    """The thresholds sent (defaults for those left out) and the exclusion list (logins or
    emails separated by commas, spaces or lines)."""
    days = {}
    for name in RULE_FIELDS:
        text = str(params.get(name) or "").strip()
        if text:
            number = validation.decimal_digits(text)
            if number is None:
                raise InvalidInput(f"{name} must be a whole number of days, not {text[:40]!r}")
            days[name] = number
    exclude = tuple(re.split(r"[\s,]+", str(params.get("exclude") or "")[:10_000]))
    return licensing.ReclaimRules(**days, exclude=exclude)


def _query(found: licensing.Reclaim, as_of: str) -> str:
    """The query that asks for the same list (the CSV link's)."""
    r = found.rules
    pairs = [
        ("product", found.product),
        *((n, str(getattr(r, n))) for n in RULE_FIELDS),
        ("exclude", ",".join(r.exclude)),
    ]
    return urlencode([(k, v) for k, v in (*pairs, ("as_of", as_of)) if v])


def _serializer(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(effective_secret_key(request.app.state.settings), salt=TOKEN_SALT)


def _dry_run_token(request: Request, found: licensing.Reclaim) -> str:
    """The dry run's selection and rules, signed: the cancel acts on nothing else."""
    rules = {n: getattr(found.rules, n) for n in RULE_FIELDS} | {"exclude": list(found.rules.exclude)}
    return str(_serializer(request).dumps({"e": found.enterprise, "seats": list(found.seat_ids), "rules": rules}))


def _person(candidate: licensing.ReclaimCandidate) -> str:
    return candidate.login or candidate.person_key.partition(":")[2]


def _table(request: Request, found: licensing.Reclaim) -> TablePage[licensing.ReclaimCandidate]:
    """One page of the list, filtered by the login or email, as the URL asks."""
    state = table_state(request.query_params, "rcl", RECLAIM_SORTS, "person")
    return page_of(
        found.candidates, state, name=_person, keys=_RECLAIM_KEYS, query=list(request.query_params.multi_items())
    )


def _reclaim(request: Request, conn: Connection, slug: str, product: str) -> licensing.Reclaim:
    return licensing.reclaim(conn, slug, product, rules=_rules(request.query_params), as_of=counting_instant(request))


@router.get("/enterprises/{slug}/reclaim", include_in_schema=False)
def reclaim_page(
    request: Request,
    slug: str,
    product: str = "enterprise",
    access: Access = Depends(signed_in),
    conn: Connection = Depends(connection),
) -> HTMLResponse:
    access.require_enterprise(slug)
    info = licensing.get_enterprise(conn, slug)
    form = {k: request.query_params.get(k, "") for k in (*RULE_FIELDS, "exclude")}
    try:
        found = _reclaim(request, conn, slug, product)
        table = _table(request, found)
    except LedgerError as exc:
        return page(
            request,
            "reclaim.html",
            status_code=exc.status_code,
            enterprise=info,
            found=None,
            form=form,
            product=product,
            products=licensing.RECLAIM_PRODUCTS,
            message=exc.message,
        )
    dry_run = product == "copilot" and not chosen_date(request)  # cancelling is from the list as of now
    return page(
        request,
        "reclaim.html",
        enterprise=info,
        found=found,
        form=form,
        product=product,
        products=licensing.RECLAIM_PRODUCTS,
        idle_choices=licensing.IDLE_CHOICES,
        message=None,
        table=table,
        csv_query=_query(found, chosen_date(request)),
        token=_dry_run_token(request, found) if dry_run and found.candidates else None,
    )


@router.get("/enterprises/{slug}/reclaim.csv", include_in_schema=False)
def reclaim_csv(
    request: Request,
    slug: str,
    product: str = "enterprise",
    access: Access = Depends(signed_in),
    conn: Connection = Depends(connection),
) -> Response:
    from seatledger.reports.reclaim import write_reclaim_csv

    access.require_enterprise(slug)
    found = _reclaim(request, conn, slug, product)
    out = io.StringIO()
    write_reclaim_csv(found, out)
    name = f"{slug}-reclaim-{product}-{found.as_of:%Y%m%d}.csv"
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.post("/enterprises/{slug}/reclaim/cancel", include_in_schema=False, dependencies=[Depends(csrf_checked)])
def cancel_selected(
    request: Request,
    slug: str,
    token: str = Form(""),
    seat: list[int] = Form([]),
    access: Access = Depends(signed_in),
) -> Response:
    """Cancel the selected Copilot seats of a dry run (enterprise owners and billing managers)."""
    access.require_enterprise(slug)
    session = session_of(request)
    back = RedirectResponse(f"/enterprises/{slug}/reclaim?product=copilot", status_code=303)
    try:
        listed = _signed_selection(request, slug, token)
        chosen = tuple(s for s in seat if s in listed["seats"])
        if not chosen:
            raise InvalidInput("select at least one seat of the dry run to cancel")
        with request.app.state.engine.begin() as conn:
            done = licensing.cancel_reclaimed_seats(
                conn,
                slug,
                chosen,
                rules=_rules(listed["rules"]),
                by_user_id=access.user_id,
                at=page_as_of(request),
            )
    except LedgerError as exc:
        session.flash(f"No seat was cancelled: {exc.message}", "error")
        return back
    left = len(chosen) - len(done)
    names = ", ".join(f"{c.login} ({c.organization})" for c in done)
    session.flash(
        f"{len(done)} Copilot seat{'s' if len(done) != 1 else ''} cancelled: {names or 'none'}."
        + (f" {left} left alone: used since the dry run or already cancelled." if left else ""),
        "success" if done else "error",
    )
    return back


def _signed_selection(request: Request, slug: str, token: str) -> dict[str, Any]:
    try:
        listed = _serializer(request).loads(token, max_age=DRY_RUN_TTL_SECONDS)
    except SignatureExpired as exc:
        raise InvalidInput("the dry run is more than an hour old: run it again") from exc
    except BadSignature as exc:
        raise InvalidInput("cancel only from a dry run of this page") from exc
    if listed.get("e") != slug:
        raise InvalidInput("the dry run is of another enterprise")
    return dict(listed)
