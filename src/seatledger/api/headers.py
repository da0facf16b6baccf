"""GitHub's request and response headers around every API call.

Requests may send ``X-GitHub-Api-Version`` (a supported date, else 400, as GitHub answers; an
empty value is not a supported date either) and
``Accept: application/vnd.github+json``. Every API response carries
``X-GitHub-Api-Version-Selected`` and ``X-GitHub-Media-Type``; authenticated ones also carry
``X-RateLimit-*`` and ``X-OAuth-Scopes`` (plus ``X-Accepted-OAuth-Scopes`` where an endpoint
checks scopes), including error responses. Routes leave those values on ``request.state``;
this ASGI middleware writes them onto whatever response goes out.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Header, Request
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from seatledger.errors import LedgerError

DEFAULT_API_VERSION = "2022-11-28"
# 2026-03-10 keeps the same shapes for every endpoint seatledger serves.
SUPPORTED_API_VERSIONS = ("2022-11-28", "2026-03-10")
MEDIA_TYPE = "github.v3; format=json"


class UnsupportedApiVersion(LedgerError):
    """An ``X-GitHub-Api-Version`` this API does not speak (400)."""

    status_code = 400


async def api_version(
    request: Request,
    version: Annotated[
        str,
        Header(
            alias="X-GitHub-Api-Version",
            description="The REST API version; default 2022-11-28.",
            json_schema_extra={"enum": list(SUPPORTED_API_VERSIONS)},
        ),
    ] = DEFAULT_API_VERSION,
) -> str:
    """Dependency of every API route: the version the request asked for, checked (async: it
    does no I/O, so it need not hop to the thread pool)."""
    chosen = version.strip()
    if chosen not in SUPPORTED_API_VERSIONS:
        raise UnsupportedApiVersion(
            f"Invalid API version '{chosen}'. Supported versions: {', '.join(SUPPORTED_API_VERSIONS)}."
        )
    request.state.api_version = chosen
    return chosen


class GitHubHeaders:
    """ASGI middleware: adds GitHub's response headers to every response under ``prefix``."""

    def __init__(self, app: ASGIApp, prefix: str) -> None:
        self.app = app
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        state: dict[str, Any] = scope.setdefault("state", {})

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["X-GitHub-Media-Type"] = MEDIA_TYPE
                if "api_version" in state:
                    headers["X-GitHub-Api-Version-Selected"] = state["api_version"]
                rate = state.get("rate_limit")
                if rate is not None:
                    for name, value in rate.headers().items():
                        headers.setdefault(name, value)
                if "oauth_scopes" in state:
                    headers["X-OAuth-Scopes"] = state["oauth_scopes"]
                if "accepted_oauth_scopes" in state:
                    headers["X-Accepted-OAuth-Scopes"] = state["accepted_oauth_scopes"]
            await send(message)

        await self.app(scope, receive, send_with_headers)
