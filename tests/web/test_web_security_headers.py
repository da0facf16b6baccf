"""Security headers on every HTTP response, errors included; a response that sets one of its
own keeps it."""

from __future__ import annotations

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from seatledger.web.security_headers import SECURITY_HEADERS, SecurityHeaders

from livesupport import run_async


async def _page(request: Request) -> PlainTextResponse:
    return PlainTextResponse("ok")


async def _framable(request: Request) -> PlainTextResponse:
    return PlainTextResponse("ok", headers={"X-Frame-Options": "SAMEORIGIN"})


def _get(path: str) -> httpx.Response:
    app = SecurityHeaders(Starlette(routes=[Route("/page", _page), Route("/framable", _framable)]))

    async def go() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
            return await client.get(path)

    return run_async(go())


def test_every_response_carries_the_security_headers_errors_too() -> None:
    for path, status in (("/page", 200), ("/missing", 404)):
        response = _get(path)
        assert response.status_code == status
        assert {name: response.headers[name] for name, _ in SECURITY_HEADERS} == dict(SECURITY_HEADERS)


def test_a_header_the_response_sets_itself_is_kept() -> None:
    response = _get("/framable")
    assert response.headers.get_list("X-Frame-Options") == ["SAMEORIGIN"]
    assert response.headers["Referrer-Policy"] == "no-referrer"
