"""Request dependencies of the pages: the engine, the signed-in person, the CSRF check."""

from __future__ import annotations

import datetime as dt
import time
from typing import Iterator, TypeVar

from fastapi import Form, Request
from sqlalchemy.engine import Connection

from seatledger import validation
from seatledger.db.clock import utc_at
from seatledger.web.access import Access, load_access
from seatledger.web.session_store import user_of_session
from seatledger.web.session import session_of

T = TypeVar("T")


class SignInRequired(Exception):
    """The page needs a signed-in person; the handler redirects to /login."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


def connection(request: Request) -> Iterator[Connection]:
    """A read connection for the page (one transaction, so every card sees one snapshot)."""
    with request.app.state.engine.connect() as conn:
        yield conn


def signed_in(request: Request) -> Access:
    """The signed-in person's roles, or a redirect to the sign-in page."""
    session = session_of(request)
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if session.token is None:
        raise SignInRequired(target)
    with request.app.state.engine.connect() as conn:
        access = signed_in_access(conn, session.token, page_as_of(request))
    if access is None:
        session.sign_out()
        raise SignInRequired(target)
    request.state.access = access
    return access


def signed_in_access(conn: Connection, token: str | None, now: dt.datetime) -> Access | None:
    """The roles of the person the session token signs in, asked anew at every request and at
    the same instant as the session (the app's clock): None once the session is revoked or
    expired, the person suspended, or left without a role that may sign in."""
    user_id = user_of_session(conn, token, now)
    access = load_access(conn, user_id, as_of=now) if user_id is not None else None
    if access is None or (not access.enterprise_roles and not access.owned_orgs):
        return None
    return access


def csrf_checked(request: Request, csrf_token: str = Form("")) -> None:
    """Every form posts the session's CSRF token."""
    session_of(request).check_csrf(csrf_token)


def clock_of(request: Request) -> float:
    """Now, by the app's clock (tests travel in time by replacing ``app.state.clock``)."""
    return float(getattr(request.app.state, "clock", time.time)())


def page_as_of(request: Request) -> dt.datetime:
    """The instant every number on the page is counted at: now by the app's clock, naive UTC."""
    return utc_at(clock_of(request)).replace(microsecond=0)


# The query parameter of the date picker: every page, download and link from a page at a date
# carries it, so they all count at that date.
AS_OF = "as_of"


def chosen_date(request: Request) -> str:
    """The date (or timestamp) picked with ``?as_of=``, as sent; empty when none was."""
    return request.query_params.get(AS_OF, "").strip()


def counting_instant(request: Request) -> dt.datetime:
    """The instant pages and their downloads count at: the picked date (``?as_of=``, a date
    meaning the end of that day, UTC) or now by the app's clock (to the second), so a page and
    the CSV downloaded from it agree. A bad date is InvalidInput (the page in its layout, 422)."""
    chosen = chosen_date(request)
    return validation.counting_date(chosen, AS_OF) if chosen else page_as_of(request)
