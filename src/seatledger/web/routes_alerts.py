"""The enterprise's Alerts page: its rules, a form to add one, what fired (with each
delivery's attempts), and the signed-in person's digest subscription; and the digest email's
signed link. Owners and billing managers of the enterprise only."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from seatledger.alerts.history import alert_history
from seatledger.alerts.conditions import PRODUCTS
from seatledger.alerts.rules import KIND_LABELS, SOURCES, add_rule, list_rules, remove_rule
from seatledger.db.tables_alerts import ALERT_KINDS
from seatledger.db.tables_digests import DIGEST_FREQUENCIES
from seatledger.digests import sending
from seatledger.digests.subscriptions import list_subscriptions, subscribe, unsubscribe
from seatledger.errors import InvalidInput
from seatledger.exports.secret_key import effective_secret_key
from seatledger.web.access import Access
from seatledger.web.deps import csrf_checked, page_as_of, signed_in
from seatledger.web.render import page
from seatledger.web.session import session_of

router = APIRouter()


def _page(
    request: Request,
    slug: str,
    access: Access,
    *,
    error: str | None = None,
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    with request.app.state.engine.connect() as conn:
        rules = list_rules(conn, slug)
        events = alert_history(conn, slug, limit=50)
        digest = next((s for s in list_subscriptions(conn, slug) if s.user_id == access.user_id), None)
    return page(
        request,
        "alerts.html",
        status_code=status_code,
        enterprise=slug,
        rules=rules,
        events=events,
        kinds={k: KIND_LABELS[k] for k in ALERT_KINDS},
        products=PRODUCTS,
        sources=SOURCES,
        error=error,
        form=form or {},
        digest=digest,
        frequencies=DIGEST_FREQUENCIES,
    )


@router.get("/enterprises/{slug}/alerts", include_in_schema=False)
def alerts(request: Request, slug: str, access: Access = Depends(signed_in)) -> HTMLResponse:
    access.require_enterprise(slug)
    return _page(request, slug, access)


def _threshold(text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isascii() or not text.lstrip("-").isdigit():
        raise InvalidInput(f"the threshold is a whole number, not {text!r}")
    return int(text)


@router.post("/enterprises/{slug}/alerts", include_in_schema=False, dependencies=[Depends(csrf_checked)])
def add_alert(
    request: Request,
    slug: str,
    access: Access = Depends(signed_in),
    kind: str = Form(""),
    product: str = Form(""),
    source: str = Form(""),
    threshold: str = Form(""),
    email: str = Form(""),
    webhook_url: str = Form(""),
) -> Response:
    access.require_enterprise(slug)
    form = {
        "kind": kind,
        "product": product,
        "source": source,
        "threshold": threshold,
        "email": email,
        "webhook_url": webhook_url,
    }
    try:
        with request.app.state.engine.begin() as conn:
            made = add_rule(
                conn,
                slug,
                kind,
                product=product or None,
                source=source or None,
                threshold=_threshold(threshold),
                email=email,
                webhook_url=webhook_url,
                created_by=access.login,
            )
    except InvalidInput as exc:
        return _page(request, slug, access, error=exc.message, form=form, status_code=422)
    message = f"Alert {made.rule.id} added: {made.rule.description}."
    if made.webhook_secret:
        message += f" Webhook secret (shown once): {made.webhook_secret}"
    session_of(request).flash(message, "success")
    return RedirectResponse(f"/enterprises/{slug}/alerts", status_code=303)


@router.post(
    "/enterprises/{slug}/alerts/{rule_id}/remove", include_in_schema=False, dependencies=[Depends(csrf_checked)]
)
def remove_alert(request: Request, slug: str, rule_id: int, access: Access = Depends(signed_in)) -> Response:
    access.require_enterprise(slug)
    with request.app.state.engine.begin() as conn:
        rule = remove_rule(conn, slug, rule_id)
    session_of(request).flash(f"Alert {rule.id} removed.", "success")
    return RedirectResponse(f"/enterprises/{slug}/alerts", status_code=303)


@router.post("/enterprises/{slug}/digest", include_in_schema=False, dependencies=[Depends(csrf_checked)])
def digest_toggle(
    request: Request, slug: str, access: Access = Depends(signed_in), frequency: str = Form("")
) -> Response:
    """Subscribe the signed-in person to the digest (weekly or monthly), or stop it ("off")."""
    access.require_enterprise(slug)
    try:
        with request.app.state.engine.begin() as conn:
            if frequency == "off":
                unsubscribe(conn, slug, access.login)
                message = "You no longer get the digest."
            else:
                sub = subscribe(conn, slug, access.login, frequency, now=page_as_of(request))
                message = f"You get the {sub.frequency} digest."
    except InvalidInput as exc:
        return _page(request, slug, access, error=exc.message, status_code=422)
    session_of(request).flash(message, "success")
    return RedirectResponse(f"/enterprises/{slug}/alerts", status_code=303)


@router.get("/digests/open", include_in_schema=False)
def open_digest(request: Request, token: str = "", view: str = "changes") -> Response:
    """A digest email's link: a forged one is refused, an expired one is gone (410), before
    anyone is asked to sign in; a good one opens the changes of its period (or, ``view=reclaim``,
    the Reclaim page at its end), for a reader who still has the role."""
    if view not in sending.LINK_PAGES:
        raise InvalidInput(f"view must be one of {', '.join(sending.LINK_PAGES)}, not {view[:40]!r}")
    secret = effective_secret_key(request.app.state.settings)
    slug, start, end = sending.open_link(secret, token, now=page_as_of(request))
    signed_in(request).require_enterprise(slug)
    return RedirectResponse(sending.link_path(slug, start, end, view), status_code=303)
