"""Prometheus metrics: ``GET /metrics`` on the app, and ``serve --metrics-port`` on its own port.

Two ways in, one exposition:

- ``GET /metrics`` with ``Authorization: Bearer TOKEN``, a token with ``read:enterprise`` of an
  enterprise owner or billing manager: the token's enterprise's numbers, and this process's
  HTTP metrics. Errors are GitHub-shaped JSON (401 without or with a bad token, 403 without
  the scope or the role).
- ``serve --metrics-port PORT``: a separate listener without authentication (bind it to an
  address only Prometheus reaches) with every enterprise of the ledger.

The ledger's numbers come from :class:`~seatledger.metrics.collector.LedgerCollector`, which
reads them at scrape time; HTTP requests are counted by
:class:`~seatledger.metrics.http.RequestMetrics`.
"""

from __future__ import annotations

from typing import Any, Iterator

from fastapi import FastAPI, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector
from sqlalchemy.engine import Engine

from seatledger import tokens
from seatledger.errors import LedgerError, PermissionDenied
from seatledger.metrics.collector import LedgerCollector
from seatledger.metrics.http import HttpMetrics, RequestMetrics

__all__ = ["METRICS_PATH", "READ_SCOPE", "ROLES", "LedgerCollector", "exposition", "mount", "serve_metrics_port"]

METRICS_PATH = "/metrics"
READ_SCOPE = "read:enterprise"
ROLES = ("owner", "billing_manager")


class MetricsUnauthenticated(LedgerError):
    """No token, or not a valid one (401)."""

    status_code = 401
    headers = {"WWW-Authenticate": 'Bearer realm="seatledger metrics"'}


class _Joined(Collector):
    """Several collectors exposed as one scrape."""

    def __init__(self, *collectors: Collector) -> None:
        self.collectors = collectors

    def collect(self) -> Iterator[Metric]:
        for c in self.collectors:
            yield from c.collect()


def exposition(engine: Engine, enterprise: str | None, http: CollectorRegistry | None = None) -> bytes:
    """The Prometheus text of one scrape: the ledger (one enterprise or all) and HTTP metrics."""
    ledger = LedgerCollector(engine, enterprise)
    return generate_latest(_Joined(ledger, http) if http is not None else ledger)


def _token(request: Request) -> str:
    scheme, _, credentials = (request.headers.get("authorization") or "").strip().partition(" ")
    if not scheme:
        raise MetricsUnauthenticated("Requires authentication")
    if scheme.lower() not in ("bearer", "token") or not credentials.strip():
        raise MetricsUnauthenticated("Bad credentials")
    return credentials.strip()


def _enterprise_of(request: Request) -> str:
    """The enterprise whose numbers the caller may scrape (the API's token checks and order)."""
    token = _token(request)
    with request.app.state.engine.connect() as conn:
        owner = tokens.verify_token(conn, token, with_roles=True)
    if owner is None:
        raise MetricsUnauthenticated("Bad credentials")
    if READ_SCOPE not in tokens.expand_scopes(owner.scopes):
        raise PermissionDenied(f"/metrics needs a token with the '{READ_SCOPE}' scope.")
    if not (owner.enterprise_roles or frozenset()).intersection(ROLES):
        raise PermissionDenied("Must be an enterprise owner or billing manager to read /metrics.")
    return owner.enterprise


def mount(app: FastAPI) -> None:
    """Count the app's HTTP requests and answer ``GET /metrics`` (token-protected)."""
    registry = CollectorRegistry(auto_describe=True)
    app.state.http_metrics = HttpMetrics(registry)
    app.add_middleware(RequestMetrics, metrics=app.state.http_metrics)

    @app.get(METRICS_PATH, include_in_schema=False)
    def metrics(request: Request) -> Response:
        enterprise = _enterprise_of(request)
        body = exposition(request.app.state.engine, enterprise, request.app.state.http_metrics.registry)
        return Response(body, media_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})


def serve_metrics_port(engine: Engine, host: str, port: int, http: CollectorRegistry | None = None) -> Any:
    """Serve every enterprise's metrics (and ``http``'s) without authentication on ``host:port``
    in a daemon thread; returns the server (``server_address[1]`` is the port, ``port`` 0 picks
    a free one; ``shutdown()`` stops it)."""
    from prometheus_client import start_http_server

    registry = CollectorRegistry(auto_describe=False)
    registry.register(LedgerCollector(engine))
    if http is not None:
        registry.register(_Joined(http))
    server, _thread = start_http_server(port, addr=host, registry=registry)
    return server
