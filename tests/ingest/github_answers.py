"""A GitHub API that answers from a dict of GitHub-shaped JSON, for httpx.MockTransport."""

from __future__ import annotations

from typing import Any, Callable

import httpx


DOCS = "https://docs.github.com/rest"
# Query parameters that select a different answer of the same path.
SELECTING = ("role", "advanced_security_product")


def serve(answers: dict[str, Any]) -> Callable[[httpx.Request], httpx.Response]:
    """GitHub's answer by path (with ``?role=…`` for org members, ``?advanced_security_product=…``
    for a standalone product): a body, or ``(status, body)``; anything else is GitHub's 404."""

    def handle(request: httpx.Request) -> httpx.Response:
        query = "&".join(f"{k}={request.url.params[k]}" for k in SELECTING if k in request.url.params)
        key = request.url.path + (f"?{query}" if query else "")
        if key not in answers:
            return httpx.Response(404, json={"message": "Not Found", "documentation_url": DOCS})
        answer = answers[key]
        status, body = answer if isinstance(answer, tuple) else (200, answer)
        return httpx.Response(status, json=body)

    return handle
