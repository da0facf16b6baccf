"""The web's error page: the message in the site's layout (top bar, navigation, sign-out),
for every status a page can answer with. The API's errors are GitHub's JSON (``app.py``)."""

from __future__ import annotations

from http import HTTPStatus

from fastapi import Request
from fastapi.responses import HTMLResponse
from sqlalchemy.exc import SQLAlchemyError

from seatledger.web.deps import page_as_of, signed_in_access
from seatledger.web.render import templates

# What a person reads as the page's heading, where the status's own phrase says it badly.
TITLES = {400: "Bad request", 401: "Sign-in failed", 403: "Not allowed", 404: "Not found", 422: "Invalid request"}

__all__ = ["error_page"]


def error_page(request: Request, status: int, message: str, headers: dict[str, str] | None = None) -> HTMLResponse:
    """The page for an error; signed-in people keep their navigation, also on a path no route
    answers (where no dependency loaded who they are)."""
    session = request.scope.get("state", {}).get("session")  # absent on sessionless paths (/static)
    access = getattr(request.state, "access", None)
    if access is None and session is not None and session.token is not None:
        try:
            with request.app.state.engine.connect() as conn:
                access = signed_in_access(conn, session.token, page_as_of(request))
        except SQLAlchemyError:  # the error page must not fail on the ledger too
            access = None
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    context = {
        "request": request,
        "access": access,
        "status": status,
        "title": TITLES.get(status, phrase),
        "message": message,
        "csrf_token": session.csrf if session else "",
        "flashes": session.pop_flashes() if session else [],
    }
    return templates.TemplateResponse(request, "error.html", context, status_code=status, headers=headers)
