"""A GitHub API that answers from a dict of GitHub-shaped JSON, for httpx.MockTransport."""

from __future__ import annotations

from typing import Any, Callable

import httpx


def serve(answers: dict[str, Any]) -> Callable[[httpx.Request], httpx.Response]:
    """GitHub's answer by path (with ``?role=…`` for org members); anything else is GitHub's 404."""

    def handle(request: httpx.Request) -> httpx.Response:
        key = request.url.path + (f"?role={request.url.params['role']}" if "role" in request.url.params else "")
        if key not in answers:
            return httpx.Response(404, json={"message": "Not Found", "documentation_url": "https://docs.github.com/rest"})
        return httpx.Response(200, json=answers[key])

    return handle
