"""The GitHub-compatible REST API. ``mount`` adds its routers under the API prefix.

Each area is one router module; :data:`ROUTER_MODULES` lists them, so adding an area (e.g.
``billing_usage``) is one line. Every route depends on the ``X-GitHub-Api-Version`` check, and
the :class:`~seatledger.api.headers.GitHubHeaders` middleware adds GitHub's response headers;
every route's path and query values are held to :mod:`seatledger.validation`'s limits
(:mod:`seatledger.api.parameters`).
"""

from __future__ import annotations

import importlib
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator

from fastapi import Depends, FastAPI

from seatledger.api import throttle
from seatledger.api.headers import GitHubHeaders, api_version
from seatledger.api.parameters import plain_parameters

# Modules of seatledger.api that define ``router``; mounted in this order.
ROUTER_MODULES: tuple[str, ...] = (
    "consumed_licenses",
    "license_sync",
    "server_license",
    "advanced_security",
    "copilot",
    "rate_limit",
    "billing_usage",
    "billing_reports",
    "billing_cost_centers",
    "people",
)


def mount(app: FastAPI, prefix: str) -> None:
    """Add the API routes under ``prefix`` (``/api/v3``)."""
    app.state.api_prefix = prefix
    for name in ROUTER_MODULES:
        module = importlib.import_module(f"seatledger.api.{name}")
        app.include_router(module.router, prefix=prefix, dependencies=[Depends(api_version), Depends(plain_parameters)])
    app.add_middleware(GitHubHeaders, prefix=prefix)
    app.state.rate_counter = throttle.RateCounter()
    _flush_on_stop(app)


def _flush_on_stop(app: FastAPI) -> None:
    # Requests the rate counter holds in memory are written to the database when the app stops.
    outer = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(asgi_app: Any) -> AsyncIterator[Any]:
        async with outer(asgi_app) as state:
            try:
                yield state
            finally:
                app.state.rate_counter.flush(app.state.engine)

    app.router.lifespan_context = lifespan
