"""A small client for GitHub's REST API (GitHub.com, a GHES ``/api/v3`` root, or seatledger's own).

It does four things and nothing else: authenticates with a token, follows ``Link: rel="next"``
pagination (and answers GraphQL queries, for what only GraphQL has), waits out rate limits (``Retry-After``, else ``X-RateLimit-Reset`` when
``X-RateLimit-Remaining`` is 0, on 403 and 429), and retries 5xx answers and connection errors
with exponential backoff, a bounded number of times. Time goes through a :class:`Clock` so
tests replace waiting with a record of the waits. httpx errors become :class:`SourceError`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Iterator, Mapping, Protocol

import httpx

from seatledger.errors import SourceError

API_VERSION = "2022-11-28"
PER_PAGE = 100
MAX_RETRIES = 4  # for 5xx and connection errors: waits of 1, 2, 4, 8 seconds
MAX_RATE_LIMIT_WAITS = 5
MAX_WAIT_SECONDS = 3600.0  # a longer rate-limit wait ends the run; the next run resumes
TIMEOUT = httpx.Timeout(30.0, connect=10.0)


class Clock(Protocol):
    def time(self) -> float: ...
    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """Real time."""

    def time(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


@dataclass(frozen=True)
class Page:
    """One page of a list: its items and the URL of the next page (None on the last)."""

    items: list[Any]
    next_url: str | None
    body: Any


class Unavailable(SourceError):
    """The API does not offer this resource here (404, 405, 410), or not to this token (403, 422)."""


class GitHubClient:
    """GET requests against one API root with pagination, rate-limit waits and retries."""

    def __init__(
        self,
        api_url: str,
        token: str | None,
        *,
        transport: httpx.BaseTransport | None = None,
        clock: Clock | None = None,
        max_retries: int = MAX_RETRIES,
        max_wait: float = MAX_WAIT_SECONDS,
    ) -> None:
        if not api_url.startswith(("http://", "https://")):
            raise SourceError(f"--api-url must be an http(s) URL, not {api_url!r}")
        headers = {
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION,
            "User-Agent": "seatledger-sync",
        }
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self.api_url = api_url.rstrip("/")
        self.clock = clock or SystemClock()
        self.max_retries = max_retries
        self.max_wait = max_wait
        self.http = httpx.Client(
            base_url=self.api_url + "/",
            headers=headers,
            transport=transport,
            timeout=TIMEOUT,
            follow_redirects=True,
        )

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> "GitHubClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- one request ---------------------------------------------------------------------
    def _rate_limit_wait(self, response: httpx.Response) -> float | None:
        """Seconds to wait if ``response`` is a rate limit, else None."""
        if response.status_code not in (403, 429):
            return None
        retry_after = response.headers.get("retry-after")
        if retry_after is not None:
            try:
                return max(0.0, float(retry_after))
            except ValueError:
                return 60.0
        if response.headers.get("x-ratelimit-remaining") == "0" and response.headers.get("x-ratelimit-reset"):
            try:
                reset = float(response.headers["x-ratelimit-reset"])
            except ValueError:
                return 60.0
            return max(0.0, reset - self.clock.time()) + 1.0
        if response.status_code == 429:
            return 60.0
        return None

    def get(self, url: str, params: Mapping[str, Any] | None = None) -> httpx.Response:
        """GET ``url`` (relative to the API root, or absolute from a Link header)."""
        return self._send("GET", url, params=params)

    def _send(
        self, method: str, url: str, *, params: Mapping[str, Any] | None = None, body: Any = None
    ) -> httpx.Response:
        failures = 0
        waits = 0
        while True:
            try:
                response = self.http.request(method, url, params=params, json=body)
            except httpx.TransportError as exc:
                failures += 1
                if failures > self.max_retries:
                    raise SourceError(f"{self.api_url}: cannot reach the API: {exc}") from exc
                self.clock.sleep(2.0 ** (failures - 1))
                continue
            wait = self._rate_limit_wait(response)
            if wait is not None:
                waits += 1
                if waits > MAX_RATE_LIMIT_WAITS or wait > self.max_wait:
                    raise SourceError(
                        f"{self.api_url}: rate limited for {wait:.0f} more seconds; run the sync again later "
                        "(it resumes where it stopped)"
                    )
                self.clock.sleep(wait)
                continue
            if response.status_code >= 500:
                failures += 1
                if failures > self.max_retries:
                    raise SourceError(f"{response.request.url}: the API answered {response.status_code}")
                self.clock.sleep(2.0 ** (failures - 1))
                continue
            if response.status_code == 401:
                raise SourceError(f"{self.api_url}: bad credentials (401); check the token")
            if response.status_code in (403, 404, 405, 410, 422):
                raise Unavailable(f"{response.request.url.path}: {response.status_code} {_message(response)}")
            if response.status_code >= 400:
                raise SourceError(f"{response.request.url}: {response.status_code} {_message(response)}")
            return response

    @property
    def graphql_url(self) -> str:
        """GitHub's GraphQL endpoint beside this REST root: ``/graphql`` on GitHub.com, and
        ``/api/graphql`` on a GitHub Enterprise Server (whose REST root is ``/api/v3``)."""
        if self.api_url.endswith("/api/v3"):
            return self.api_url[: -len("/v3")] + "/graphql"
        return self.api_url + "/graphql"

    def graphql(self, query: str, variables: Mapping[str, Any] | None = None) -> Any:
        """The ``data`` of a GraphQL answer. GraphQL reports a missing object or a refused
        field as ``errors`` in a 200 answer: with no data that is :class:`Unavailable`."""
        response = self._send("POST", self.graphql_url, body={"query": query, "variables": dict(variables or {})})
        try:
            answer = response.json()
        except ValueError as exc:
            raise SourceError(f"{response.request.url}: the answer is not JSON") from exc
        data = answer.get("data") if isinstance(answer, dict) else None
        errors = answer.get("errors") if isinstance(answer, dict) else None
        if errors:
            first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
            raise Unavailable(
                f"{response.request.url.path}: {first.get('type') or 'error'} {first.get('message') or ''}".strip()
            )
        if not isinstance(data, dict):
            raise SourceError(f"{response.request.url}: a GraphQL answer without data")
        return data

    def get_json(self, url: str, params: Mapping[str, Any] | None = None) -> Any:
        response = self.get(url, params)
        try:
            return response.json()
        except ValueError as exc:
            raise SourceError(f"{response.request.url}: the answer is not JSON") from exc

    def page(self, url: str, params: Mapping[str, Any] | None = None, *, items_key: str | None = None) -> Page:
        """One page of a list; ``items_key`` names the list inside an object body (``seats``)."""
        response = self.get(url, params)
        try:
            body = response.json()
        except ValueError as exc:
            raise SourceError(f"{response.request.url}: the answer is not JSON") from exc
        items = body.get(items_key, []) if items_key and isinstance(body, dict) else body
        if not isinstance(items, list):
            raise SourceError(f"{response.request.url}: expected a list of items")
        next_link = response.links.get("next", {}).get("url")
        return Page(items, next_link, body)

    def pages(
        self, url: str, params: Mapping[str, Any] | None = None, *, items_key: str | None = None
    ) -> Iterator[Page]:
        """Every page, following Link headers (absolute URLs carry their own query)."""
        page = self.page(url, {"per_page": PER_PAGE, **(params or {})}, items_key=items_key)
        yield page
        while page.next_url:
            page = self.page(page.next_url, items_key=items_key)
            yield page


def _message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.reason_phrase
    message = body.get("message") if isinstance(body, dict) else None
    return message if isinstance(message, str) else response.reason_phrase
