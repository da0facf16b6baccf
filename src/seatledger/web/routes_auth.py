"""Sign-in, sign-out, and ``/`` (the highest level the person may see)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from seatledger.web.accounts import authenticate
from seatledger.web.deps import csrf_checked, page_as_of, signed_in_access
from seatledger.web.render import page
from seatledger.web.session import session_of
from seatledger.web.session_store import open_session, revoke_session
from seatledger.web.signin_throttle import Keys, lockout_left, record_failure, record_success

router = APIRouter()


def _safe_next(value: str | None) -> str:
    # Only same-site paths: an open redirect would turn the login page into a phishing aid.
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


@router.get("/", include_in_schema=False)
def home(request: Request) -> Response:
    session = session_of(request)
    if session.token is not None:
        with request.app.state.engine.connect() as conn:
            access = signed_in_access(conn, session.token, page_as_of(request))
        target = access.home() if access else None
        if target:
            return RedirectResponse(target, status_code=303)
        session.sign_out()
    return RedirectResponse("/login", status_code=303)


@router.get("/login", include_in_schema=False)
def login_form(request: Request, next: str | None = None) -> HTMLResponse:
    return page(request, "login.html", next=_safe_next(next), login="")


def _client_address(request: Request) -> str | None:
    # The peer's address as uvicorn reports it (behind a proxy, with --proxy-headers, the
    # forwarded one; otherwise the proxy's, which then throttles everyone behind it alike).
    return request.client.host if request.client else None


@router.post("/login", include_in_schema=False, dependencies=[Depends(csrf_checked)])
def login(request: Request, login: str = Form(""), password: str = Form(""), next: str = Form("/")) -> Response:
    session = session_of(request)
    engine = request.app.state.engine
    now = page_as_of(request)
    keys = Keys(login.strip(), _client_address(request))
    with engine.connect() as conn:
        wait = lockout_left(conn, keys, now)
    if wait is not None:
        # Refused before the password is even checked: a locked login cannot be guessed.
        seconds = max(1, int(wait.total_seconds() + 0.999))
        session.flash(
            f"Too many failed sign-ins for this login or from this address. Try again in {seconds} seconds.", "error"
        )
        response = page(request, "login.html", status_code=429, next=_safe_next(next), login=login)
        response.headers["Retry-After"] = str(seconds)
        return response
    with engine.connect() as conn:
        user_id = authenticate(conn, login.strip(), password)
    if user_id is None:
        with engine.begin() as conn:
            record_failure(conn, keys, now)
        session.flash("Incorrect login or password.", "error")
        return page(request, "login.html", status_code=401, next=_safe_next(next), login=login)
    with engine.begin() as conn:
        record_success(conn, keys)
        revoke_session(conn, session.token, now)  # a sign-in over another ends that one
        session.sign_in(open_session(conn, user_id, now))
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout", include_in_schema=False, dependencies=[Depends(csrf_checked)])
def logout(request: Request) -> Response:
    session = session_of(request)
    with request.app.state.engine.begin() as conn:
        revoke_session(conn, session.token, page_as_of(request))
    session.sign_out()
    session.flash("You are signed out.")
    return RedirectResponse("/login", status_code=303)
