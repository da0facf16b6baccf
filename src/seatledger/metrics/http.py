"""HTTP request metrics: a counter and a duration histogram per route, kept by a plain ASGI
middleware in the serving process's own registry (each ``serve`` worker process counts its
own requests; Prometheus adds them up across the targets it scrapes)."""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Seconds; the API answers most reads in milliseconds, a CSV download can take many seconds.
DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
# The route label of a request no route matched: keeps the label set bounded whatever is asked.
UNMATCHED = "unmatched"


class HttpMetrics:
    """The request counter and histogram, registered on ``registry``."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self.requests = Counter(
            "seatledger_http_requests",
            "HTTP requests answered, by method, route template and status.",
            ["method", "route", "status"],
            registry=registry,
        )
        self.duration = Histogram(
            "seatledger_http_request_duration_seconds",
            "Time from a request's arrival to its last response byte.",
            ["method", "route"],
            registry=registry,
            buckets=DURATION_BUCKETS,
        )


def _route(scope: Scope) -> str:
    """The route's template (``/api/v3/enterprises/{enterprise}/...``), never the concrete path:
    slugs and ids in the label would make a series per caller."""
    route = scope.get("route")
    template = getattr(route, "path", None)
    if not template:
        # A mounted app (the static files) sets its mount point as the root path.
        if scope.get("endpoint") is not None and scope.get("root_path"):
            return f"{scope['root_path']}/{{path}}"
        return UNMATCHED
    # A route of an included router knows its path without the router's prefix: the prefix is
    # the request path's leading segments the template does not account for.
    extra = str(scope.get("path", "")).count("/") - template.count("/")
    if extra > 0:
        template = "/".join(str(scope["path"]).split("/")[: extra + 1]) + template
    return str(template)


class RequestMetrics:
    """ASGI middleware recording every HTTP request in :class:`HttpMetrics`."""

    def __init__(self, app: ASGIApp, metrics: HttpMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the server answers when the app raises before starting a response

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            method, route = scope.get("method", "GET"), _route(scope)
            self.metrics.requests.labels(method, route, str(status)).inc()
            self.metrics.duration.labels(method, route).observe(time.perf_counter() - started)
