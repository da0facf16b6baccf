"""The GitHub REST client (``ingest/github_client.py``) against a GitHub-shaped API on loopback:
the headers it sends, ``Link`` pagination, rate-limit waits, retries, and how each refusal
reads. Time is a :class:`FakeClock`, so a wait is recorded, never slept."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Iterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from livesupport import LiveServer
from seatledger.errors import SourceError
from seatledger.ingest.github_client import GitHubClient, Unavailable

from test_ingest_github_api import CLOCK_START, FakeClock


@dataclass
class GitHub:
    """Answers per path, served in order (the last one repeats); every request is kept."""

    url: str = ""
    answers: dict[str, list[tuple[int, Any, dict[str, str]]]] = field(default_factory=dict)
    requests: list[tuple[str, str, str, dict[str, str], bytes]] = field(default_factory=list)

    def answer(self, path: str, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        self.answers.setdefault(path, []).append((status, body, headers or {}))

    async def handle(self, request: Request) -> Response:
        path = request.url.path
        self.requests.append((request.method, path, request.url.query, dict(request.headers), await request.body()))
        queue = self.answers.get(path) or [(404, {"message": "Not Found"}, {})]
        status, body, headers = queue.pop(0) if len(queue) > 1 else queue[0]
        content = body if isinstance(body, bytes) else json.dumps(body).encode()
        return Response(content, status, headers=headers, media_type="application/json")

    def client(self, root: str = "", token: str | None = "ghp_test", **kw: Any) -> tuple[GitHubClient, FakeClock]:
        clock = FakeClock()
        return GitHubClient(self.url + root, token, clock=clock, **kw), clock


@pytest.fixture
def github() -> Iterator[GitHub]:
    api = GitHub()
    app = Starlette(routes=[Route("/{path:path}", api.handle, methods=["GET", "POST"])])
    with LiveServer(app) as server:
        api.url = server.url
        yield api


def test_every_request_carries_the_token_githubs_media_type_and_the_api_version(github: GitHub) -> None:
    github.answer("/rate_limit", 200, {"resources": {}})
    client, _ = github.client()
    with client:
        assert client.get_json("rate_limit") == {"resources": {}}
    anonymous, _ = github.client(token=None)
    with anonymous:
        anonymous.get_json("/rate_limit")
    (_, _, _, sent, _), (_, _, _, unsigned, _) = github.requests
    assert sent["authorization"] == "Bearer ghp_test"
    assert (sent["accept"], sent["x-github-api-version"]) == ("application/vnd.github+json", "2022-11-28")
    assert "authorization" not in unsigned


def test_pages_follow_the_link_header_to_the_last_page(github: GitHub) -> None:
    nxt = f'<{github.url}/api/v3/orgs/octo/members?page=2&per_page=100&role=admin>; rel="next"'
    github.answer("/api/v3/orgs/octo/members", 200, [{"login": "ann"}, {"login": "bob"}], {"Link": nxt})
    github.answer("/api/v3/orgs/octo/members", 200, [{"login": "cy"}])
    client, _ = github.client("/api/v3/")
    with client:
        pages = list(client.pages("orgs/octo/members", {"role": "admin"}))
    assert [[m["login"] for m in p.items] for p in pages] == [["ann", "bob"], ["cy"]]
    assert [p.next_url for p in pages] == [nxt[1 : nxt.index(">")], None]
    assert [(path, query) for _, path, query, _, _ in github.requests] == [
        ("/api/v3/orgs/octo/members", "per_page=100&role=admin"),
        ("/api/v3/orgs/octo/members", "page=2&per_page=100&role=admin"),
    ], "the next page's URL carries its own query, sent as given"


def test_a_page_takes_its_items_from_the_named_key_of_an_object_body(github: GitHub) -> None:
    github.answer("/orgs/octo/copilot/billing/seats", 200, {"total_seats": 2, "seats": [{"id": 1}, {"id": 2}]})
    github.answer("/orgs/octo/members", 200, {"message": "an object where a list belongs"})
    client, _ = github.client()
    with client:
        page = client.page("orgs/octo/copilot/billing/seats", items_key="seats")
        assert (page.items, page.body["total_seats"], page.next_url) == ([{"id": 1}, {"id": 2}], 2, None)
        with pytest.raises(SourceError, match="expected a list of items"):
            client.page("orgs/octo/members")


def test_a_spent_rate_limit_is_waited_out_until_its_reset_then_the_request_is_sent_again(github: GitHub) -> None:
    reset = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(CLOCK_START) + 30)}
    github.answer("/user", 403, {"message": "API rate limit exceeded"}, reset)
    github.answer("/user", 429, {"message": "secondary rate limit"})
    github.answer("/user", 200, {"login": "ann"})
    client, clock = github.client()
    with client:
        assert client.get_json("user") == {"login": "ann"}
    assert clock.sleeps == [31.0, 60.0], "until the reset plus a second; a bare 429 waits a minute"


def test_a_rate_limit_longer_than_the_longest_wait_ends_the_run_without_waiting(github: GitHub) -> None:
    github.answer("/user", 429, {"message": "slow down"}, {"Retry-After": "7200"})
    client, clock = github.client(max_wait=3600)
    with client, pytest.raises(SourceError) as stopped:
        client.get("user")
    assert "rate limited for 7200 more seconds; run the sync again later" in stopped.value.message
    assert clock.sleeps == []


def test_a_forbidden_answer_that_is_no_rate_limit_is_not_waited_for(github: GitHub) -> None:
    github.answer("/enterprises/acme/consumed-licenses", 403, {"message": "Must have admin rights"})
    client, clock = github.client()
    with client, pytest.raises(Unavailable) as refused:
        client.get("enterprises/acme/consumed-licenses")
    assert refused.value.message == "/enterprises/acme/consumed-licenses: 403 Must have admin rights"
    assert clock.sleeps == [] and len(github.requests) == 1


def test_server_errors_are_retried_with_growing_waits_a_bounded_number_of_times(github: GitHub) -> None:
    github.answer("/flaky", 502, {"message": "Bad Gateway"})
    github.answer("/flaky", 503, {"message": "Unavailable"})
    github.answer("/flaky", 200, [])
    github.answer("/down", 500, {"message": "Server Error"})
    client, clock = github.client(max_retries=2)
    with client:
        assert client.get_json("flaky") == []
        assert clock.sleeps == [1.0, 2.0]
        with pytest.raises(SourceError, match=r"/down: the API answered 500$"):
            client.get("down")
    assert sum(path == "/down" for _, path, _, _, _ in github.requests) == 3, "the first try and two more"


@pytest.mark.parametrize(
    ("status", "kind", "message"),
    [
        (401, SourceError, "{url}: bad credentials (401); check the token"),
        (404, Unavailable, "/orgs/gone: 404 Not Found"),
        (410, Unavailable, "/orgs/gone: 410 Gone away"),
        (422, Unavailable, "/orgs/gone: 422 Gone away"),
        (400, SourceError, "{url}/orgs/gone: 400 Gone away"),
    ],
)
def test_each_refusal_reads_as_one_line_and_only_a_missing_resource_is_unavailable(
    github: GitHub, status: int, kind: type[SourceError], message: str
) -> None:
    github.answer("/orgs/gone", status, {"message": "Gone away"} if status != 404 else {"message": "Not Found"})
    client, _ = github.client()
    with client, pytest.raises(SourceError) as refused:
        client.get("orgs/gone")
    assert type(refused.value) is kind
    assert refused.value.message == message.format(url=github.url)


def test_an_answer_that_is_not_json_is_a_source_error(github: GitHub) -> None:
    github.answer("/user", 200, b"<html>a proxy's login page</html>")
    client, _ = github.client()
    with client, pytest.raises(SourceError, match=r"/user: the answer is not JSON"):
        client.get_json("user")


def test_graphql_goes_beside_the_rest_root_and_an_error_answer_is_unavailable(github: GitHub) -> None:
    github.answer("/api/graphql", 200, {"data": {"enterprise": {"slug": "acme"}}})
    github.answer("/api/graphql", 200, {"data": None, "errors": [{"type": "NOT_FOUND", "message": "no enterprise"}]})
    github.answer("/graphql", 200, {"data": {"viewer": {"login": "ann"}}})
    server, _ = github.client("/api/v3")
    dotcom, _ = github.client()
    with server, dotcom:
        assert server.graphql("query($s: String!) { enterprise(slug: $s) { slug } }", {"s": "acme"}) == {
            "enterprise": {"slug": "acme"}
        }
        with pytest.raises(Unavailable) as refused:
            server.graphql('query { enterprise(slug: "gone") { slug } }')
        assert dotcom.graphql("query { viewer { login } }") == {"viewer": {"login": "ann"}}
    assert refused.value.message == "/api/graphql: NOT_FOUND no enterprise"
    method, path, _, _, body = github.requests[0]
    assert (method, path) == ("POST", "/api/graphql"), "a server's GraphQL is /api/graphql beside /api/v3"
    assert json.loads(body) == {
        "query": "query($s: String!) { enterprise(slug: $s) { slug } }",
        "variables": {"s": "acme"},
    }
    assert github.requests[2][1] == "/graphql"


def test_an_api_url_that_is_not_http_is_refused() -> None:
    with pytest.raises(SourceError, match="--api-url must be an http\\(s\\) URL, not 'api.github.com'"):
        GitHubClient("api.github.com", "t")


def test_connection_errors_are_retried_with_backoff_then_reported() -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    clock = FakeClock()
    with GitHubClient("https://api.github.com", "t", transport=httpx.MockTransport(down), clock=clock) as c:
        with pytest.raises(SourceError, match="cannot reach the API"):
            c.get("rate_limit")
    assert clock.sleeps == [1.0, 2.0, 4.0, 8.0]


def test_retry_after_is_honoured_on_429() -> None:
    answers = [
        httpx.Response(429, headers={"Retry-After": "7"}, json={"message": "slow down"}),
        httpx.Response(200, json={"resources": {}}),
    ]

    def handler(request: httpx.Request) -> httpx.Response:
        return answers.pop(0)

    clock = FakeClock()
    with GitHubClient("https://api.github.com", "t", transport=httpx.MockTransport(handler), clock=clock) as c:
        assert c.get_json("rate_limit") == {"resources": {}}
    assert clock.sleeps == [7.0]
