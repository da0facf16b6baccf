"""Sign-in, sign-out, and ``/`` (the highest level the person may see)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from seatledger.web.access import load_access
from seatledger.web.accounts import authenticate
from seatledger.web.deps import csrf_checked
from seatledger.web.render import page
from seatledger.web.session import session_of

router = APIRouter()


def _safe_next(value: str | None) -> str:
    # Only same-site paths: an open redirect would turn the login page into a phishing aid.
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


@router.get("/", include_in_schema=False)
def home(request: Request) -> Response:
    session = session_of(request)
    if session.user_id is not None:
        with request.app.state.engine.connect() as conn:
            access = load_access(conn, session.user_id)
        target = access.home() if access else None
        if target:
            return RedirectResponse(target, status_code=303)
        session.sign_out()
    return RedirectResponse("/login", status_code=303)


@router.get("/login", include_in_schema=False)
def login_form(request: Request, next: str | None = None) -> HTMLResponse:
    return page(request, "login.html", next=_safe_next(next), login="")


@router.post("/login", include_in_schema=False, dependencies=[Depends(csrf_checked)])
def login(
    request: Request, login: str = Form(""), password: str = Form(""), next: str = Form("/")
) -> Response:
    with request.app.state.engine.connect() as conn:
        user_id = authenticate(conn, login.strip(), password)
    session = session_of(request)
    if user_id is None:
        session.flash("Incorrect login or password.", "error")
        return page(request, "login.html", status_code=401, next=_safe_next(next), login=login)
    session.sign_in(user_id)
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout", include_in_schema=False, dependencies=[Depends(csrf_checked)])
def logout(request: Request) -> Response:
    session = session_of(request)
    session.sign_out()
    session.flash("You are signed out.")
    return RedirectResponse("/login", status_code=303)
