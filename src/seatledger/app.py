"""The ASGI application factory: one FastAPI app serving the REST API under ``/api/v3``,
the web pages, and the webhook receiver. No state lives in the process but the engine."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.engine import Engine
from starlette.exceptions import HTTPException as StarletteHTTPException

from seatledger.config import Settings
from seatledger.db import engine_from_settings
from seatledger.errors import LedgerError

API_PREFIX = "/api/v3"
DOCS_URL = "https://docs.github.com/rest"


def _is_api(request: Request) -> bool:
    path = request.url.path
    return path.startswith(API_PREFIX) or path.startswith("/webhooks") or path == "/metrics"


def github_error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """GitHub's error body: ``{"message", "documentation_url"}`` (plus ``status`` as GitHub sends)."""
    return JSONResponse(
        {"message": message, "documentation_url": DOCS_URL, "status": str(status)},
        status_code=status,
        headers=headers,
    )


def render_error(request: Request, status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """The one error renderer: GitHub JSON for the API, the page in its layout for the web."""
    if _is_api(request):
        return github_error(status, message, headers)
    from seatledger.web.error_page import error_page

    return error_page(request, status, message, headers)


def create_app(settings: Settings, engine: Engine | None = None) -> FastAPI:
    """Build the app for ``settings``; tests pass their own engine."""
    app = FastAPI(
        title="seatledger",
        version="0.1.0",
        description="License-use ledger with a GitHub-compatible REST API.",
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine or engine_from_settings(settings)

    @app.exception_handler(LedgerError)
    async def _ledger_error(request: Request, exc: LedgerError) -> Response:
        return render_error(request, exc.status_code, exc.message, getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
        if any(err.get("type") == "json_invalid" for err in exc.errors()):
            return render_error(request, 400, "Problems parsing JSON")  # GitHub's answer
        parts = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err.get("loc", ()) if p not in ("query", "body", "path"))
            parts.append(f"{loc}: {err.get('msg')}" if loc else str(err.get("msg")))
        return render_error(request, 422, "Invalid request. " + "; ".join(parts))

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        message = exc.detail if isinstance(exc.detail, str) else "Error"
        headers = getattr(exc, "headers", None)
        if exc.status_code == 405:
            allow = ", ".join(allowed_methods(request))
            if request.method == "OPTIONS":
                return Response(status_code=204, headers={"Allow": allow})
            headers = {**(headers or {}), "Allow": allow}
        return render_error(request, exc.status_code, message, headers)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, Any]:
        from seatledger.db import check_reachable

        check_reachable(app.state.engine)
        from seatledger.licensing import iter_enterprise_slugs, iter_source_freshness, last_interval_check

        with app.state.engine.connect() as conn:
            checks = {slug: last_interval_check(conn, slug) for slug in list(iter_enterprise_slugs(conn))}
            sources = {slug: {f.source: f.document() for f in found} for slug, found in iter_source_freshness(conn)}
        return {
            "status": "ok",
            "intervals": {
                slug: None
                if c is None
                else {
                    "checked_at": c.checked_at.isoformat() + "Z",
                    "clean": c.clean,
                    "differences": c.differences,
                    "repaired": c.repaired,
                }
                for slug, c in checks.items()
            },
            "sources": sources,
        }

    _mount_surfaces(app)
    from seatledger import metrics

    metrics.mount(app)  # its request counter wraps every surface's answers
    from seatledger.web.security_headers import SecurityHeaders

    app.add_middleware(SecurityHeaders)  # outermost: error answers get the headers too
    return app


# The methods a path may answer to; OPTIONS is answered for every path that has a route.
_METHODS = ("DELETE", "GET", "HEAD", "PATCH", "POST", "PUT")


def allowed_methods(request: Request) -> list[str]:
    """Every method some route answers at this request's path, and OPTIONS (which lists them).
    The router names only the methods of the first route whose path matches, so a path with a
    GET and a POST route would advertise one of them; each method is asked of the router."""
    from starlette.routing import Match

    methods = {"OPTIONS"}
    for method in _METHODS:
        scope = {**request.scope, "method": method}
        if any(route.matches(scope)[0] == Match.FULL for route in request.app.router.routes):
            methods.add(method)
    return sorted(methods)


class ServeApp:
    """What ``seatledger serve --workers N`` hands uvicorn: a picklable factory (uvicorn starts
    each worker in a fresh interpreter) that builds the app, with its own engine, in the
    worker (it holds no other state: any number of workers and machines answer the same). ``in_process_queue=False`` when the serving process runs the export queue's
    consumer itself, so N workers do not start N consumers."""

    def __init__(self, settings: Settings, *, in_process_queue: bool = True) -> None:
        self.settings = settings
        self.in_process_queue = in_process_queue

    def __call__(self) -> FastAPI:
        _die_with_parent()
        app = create_app(self.settings)
        app.state.in_process_queue = self.in_process_queue
        return app


def _die_with_parent() -> None:
    """A worker ends when its supervising ``serve`` process dies, even by SIGKILL (Linux
    ``PR_SET_PDEATHSIG``), instead of serving on as an orphan. Elsewhere a no-op."""
    import ctypes
    import signal
    import sys

    if not sys.platform.startswith("linux"):
        return
    import multiprocessing
    import os

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    parent = multiprocessing.parent_process()
    if parent is not None and os.getppid() != parent.pid:  # it died before the line above
        os._exit(1)


def _mount_surfaces(app: FastAPI) -> None:
    # Each surface exposes ``mount(app)``; they do not import each other.
    from seatledger import api, web

    api.mount(app, API_PREFIX)
    web.mount(app)
    from seatledger.ingest.webhooks import router as webhooks_router  # POST /webhooks/github

    app.include_router(webhooks_router)
