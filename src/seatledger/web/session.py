"""The session cookie (signed with itsdangerous): the CSRF token, flash messages, and the
token of the server-side session a sign-in opened (``session_store``). Who is signed in is
the database's answer for that token, asked at every request, so sign-out and suspension
take effect at once on any number of ``serve`` processes."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.responses import Response

from seatledger.errors import LedgerError

COOKIE_NAME = "seatledger_session"
SESSION_MAX_AGE_S = 14 * 24 * 3600
SESSION_SALT = "seatledger.session"


class CsrfFailed(LedgerError):
    """A form came without the CSRF token of the session."""

    status_code = 403


@dataclass
class Session:
    token: str | None = None  # of the server-side session (session_store), once signed in
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    flashes: list[tuple[str, str]] = field(default_factory=list)
    dirty: bool = False

    def flash(self, message: str, category: str = "info") -> None:
        self.flashes.append((category, message))
        self.dirty = True

    def pop_flashes(self) -> list[tuple[str, str]]:
        out, self.flashes = self.flashes, []
        if out:
            self.dirty = True
        return out

    def sign_in(self, token: str) -> None:
        # A new CSRF token at sign-in, so a token seen before sign-in is worthless after.
        self.token = token
        self.csrf = secrets.token_urlsafe(24)
        self.dirty = True

    def sign_out(self) -> None:
        self.token = None
        self.csrf = secrets.token_urlsafe(24)
        self.dirty = True

    def check_csrf(self, token: str | None) -> None:
        if not token or not secrets.compare_digest(token, self.csrf):
            raise CsrfFailed("The form has expired or did not come from this site. Reload the page and try again.")


class SessionCodec:
    """Turns a session into a cookie value and back."""

    def __init__(self, secret_key: str) -> None:
        self._serializer = URLSafeTimedSerializer(secret_key, salt=SESSION_SALT)

    def load(self, raw: str | None) -> Session:
        if not raw:
            return Session(dirty=True)
        try:
            data: dict[str, Any] = self._serializer.loads(raw, max_age=SESSION_MAX_AGE_S)
        except BadSignature:
            return Session(dirty=True)
        return Session(
            token=data.get("s"),
            csrf=data.get("c") or secrets.token_urlsafe(24),
            flashes=[tuple(f) for f in data.get("f", [])],
        )

    def store(self, session: Session, response: Response, *, secure: bool) -> None:
        value = self._serializer.dumps({"s": session.token, "c": session.csrf, "f": session.flashes})
        response.set_cookie(
            COOKIE_NAME, value, max_age=SESSION_MAX_AGE_S, httponly=True, samesite="lax", secure=secure, path="/"
        )


def session_of(request: Request) -> Session:
    """The session the middleware loaded for this request."""
    session: Session = request.state.session
    return session
