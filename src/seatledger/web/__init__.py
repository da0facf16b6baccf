"""The web pages: Billing & licensing, Copilot seats, report downloads, emailed exports.

``mount(app)`` adds the static files, the session middleware, the page routes, the export
queue's in-process consumer (started with the app, stopped with it).
"""

from __future__ import annotations

import time
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, AsyncIterator

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from sqlalchemy.engine import Connection, Engine
from urllib.parse import quote

from seatledger.config import Settings
from seatledger.db.conflicts import write_retrying_conflicts
from seatledger.exports.secret_key import effective_secret_key
from seatledger.web.accounts import any_operator, first_enterprise_owner, generate_password, set_password
from seatledger.web.deps import SignInRequired
from seatledger.web.session import COOKIE_NAME, SessionCodec

STATIC_DIR = Path(__file__).with_name("static")
# Paths that never carry a session: the API speaks tokens, static files are public.
_SESSIONLESS = ("/api/", "/static/", "/healthz", "/webhooks/", "/metrics")

__all__ = ["mount", "signin_hint"]


def mount(app: FastAPI) -> None:
    """Add the page routes, static files and the export queue to ``app``."""
    from seatledger.web import (
        routes_alerts,
        routes_auth,
        routes_copilot,
        routes_exports,
        routes_ghas,
        routes_licensing,
        routes_people,
        routes_reclaim,
        routes_reports,
        summary,
    )

    if not hasattr(app.state, "clock"):
        app.state.clock = time.time
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")

    app.add_middleware(SessionMiddleware, app_state=app.state)

    @app.exception_handler(SignInRequired)
    async def _sign_in(request: Request, exc: SignInRequired) -> Response:
        return RedirectResponse(f"/login?next={quote(exc.next_url, safe='/')}", status_code=303)

    for module in (
        routes_auth,
        routes_licensing,
        routes_people,
        routes_copilot,
        routes_reclaim,
        routes_ghas,
        routes_reports,
        routes_exports,
        routes_alerts,
        summary,
    ):
        app.include_router(module.router)

    _wrap_lifespan(app)


class SessionMiddleware:
    """Loads the signed-cookie session onto ``request.state.session`` and writes it back when it
    changed. A plain ASGI middleware (not ``@app.middleware("http")``, whose BaseHTTPMiddleware
    costs a task group and memory streams per request): paths that never carry a session (the
    API, static files) pass straight through."""

    def __init__(self, app: ASGIApp, app_state: Any) -> None:
        self.app = app
        self.app_state = app_state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(_SESSIONLESS):
            await self.app(scope, receive, send)
            return
        state = self.app_state
        codec = _codec_of(state)
        session = codec.load(Request(scope).cookies.get(COOKIE_NAME))
        scope.setdefault("state", {})["session"] = session

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and session.dirty:
                carrier = Response()
                codec.store(session, carrier, secure=state.settings.base_url.startswith("https://"))
                headers = MutableHeaders(scope=message)
                for name, value in carrier.raw_headers:
                    if name == b"set-cookie":
                        headers.append("set-cookie", value.decode("latin-1"))
            await send(message)

        await self.app(scope, receive, send_with_cookie)


def _wrap_lifespan(app: FastAPI) -> None:
    # Compose with whatever lifespan the app already has: the export queue's consumer threads
    # start with the app and stop with it.
    outer = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(asgi_app: Any) -> AsyncIterator[Any]:
        async with outer(asgi_app) as state:
            _start_queue(app)
            try:
                yield state
            finally:
                _stop_queue(app)

    app.router.lifespan_context = lifespan


def _codec_of(state: Any) -> SessionCodec:
    codec = getattr(state, "session_codec", None)
    if codec is None:
        codec = state.session_codec = SessionCodec(effective_secret_key(state.settings))
    return codec


def _start_queue(app: FastAPI) -> None:
    # Tests may install their own queue (immediate mode) before the server starts.
    # ``serve --workers N`` runs the consumer in its supervising process instead (in_process_queue
    # False): the workers only enqueue.
    from seatledger.exports.queue import ExportQueue

    queue = getattr(app.state, "export_queue", None)
    if queue is None:
        queue = app.state.export_queue = ExportQueue(app.state.settings, app.state.engine)
    if getattr(app.state, "in_process_queue", True):
        queue.start_in_process()


def _stop_queue(app: FastAPI) -> None:
    queue = getattr(app.state, "export_queue", None)
    if queue is not None:
        queue.stop_in_process()


def signin_hint(settings: Settings, engine: Engine) -> str | None:
    """On first start (no sign-in account yet), give the first enterprise's owner a generated
    password and return how to sign in; None when an account exists or nobody could get one.

    Two servers starting at once over one ledger both find no account: the second's insert
    meets the first's at the operators' key, and run again it finds the account, so only one
    password is made and printed."""

    def first_account(conn: Connection) -> tuple[str, str] | None:
        if any_operator(conn):
            return None
        owner = first_enterprise_owner(conn)
        if owner is None:
            return None
        user_id, login = owner
        password = generate_password()
        set_password(conn, user_id, password)
        return login, password

    made = write_retrying_conflicts(engine, first_account)
    if made is None:
        return None
    login, password = made
    return f"Sign in at {settings.base_url.rstrip('/')}/login as {login} with password {password}"
