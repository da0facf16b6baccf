"""GitHub's request/response headers."""

from __future__ import annotations

import httpx

CONSUMED = "/enterprises/acme/consumed-licenses"


def test_unsupported_api_version_is_400_with_a_github_error(api: httpx.Client, api_world) -> None:
    r = api.get(CONSUMED, headers={**api_world.auth("owner"), "X-GitHub-Api-Version": "2021-01-01"})
    assert r.status_code == 400
    assert r.json()["message"].startswith("Invalid API version '2021-01-01'")
    assert "X-GitHub-Api-Version-Selected" not in r.headers


def test_selected_api_version_is_echoed_and_defaults_to_2022_11_28(api: httpx.Client, api_world, live_server) -> None:
    h = api_world.auth("owner")
    assert api.get(CONSUMED, headers=h).headers["X-GitHub-Api-Version-Selected"] == "2022-11-28"
    newer = api.get(CONSUMED, headers={**h, "X-GitHub-Api-Version": "2026-03-10"})
    assert newer.status_code == 200 and newer.headers["X-GitHub-Api-Version-Selected"] == "2026-03-10"
    bare = httpx.get(live_server.url + "/api/v3" + CONSUMED, headers=h)  # no Accept, no version header
    assert bare.status_code == 200 and bare.headers["X-GitHub-Api-Version-Selected"] == "2022-11-28"
    assert bare.headers["X-GitHub-Media-Type"] == "github.v3; format=json"


def test_rate_limit_headers_count_every_authenticated_request_including_errors(api: httpx.Client, api_world) -> None:
    h = api_world.auth("owner")
    first = api.get(CONSUMED, headers=h)
    assert first.headers["X-RateLimit-Limit"] == "15000"
    assert first.headers["X-RateLimit-Used"] == "1" and first.headers["X-RateLimit-Remaining"] == "14999"
    assert first.headers["X-RateLimit-Resource"] == "core"
    not_found = api.get("/enterprises/nope/consumed-licenses", headers=h)
    assert not_found.status_code == 404 and not_found.headers["X-RateLimit-Used"] == "2"
    assert int(not_found.headers["X-RateLimit-Reset"]) == int(first.headers["X-RateLimit-Reset"])
    # Another token has its own window.
    other = api.get(CONSUMED, headers=api_world.auth("owner", "read:enterprise"))
    assert other.headers["X-RateLimit-Used"] == "1"
    # Unauthenticated requests are not counted against anyone.
    assert "X-RateLimit-Used" not in api.get(CONSUMED).headers


def test_rate_limit_endpoint_reports_the_window_without_counting(api: httpx.Client, api_world) -> None:
    h = api_world.auth("owner")
    api.get(CONSUMED, headers=h)
    for _ in range(2):
        body = api.get("/rate_limit", headers=h).json()
        assert body["rate"]["used"] == 1 and body["rate"]["remaining"] == 14999
        assert body["resources"]["core"] == body["rate"]


def test_unknown_api_path_is_a_github_404(api: httpx.Client, api_world) -> None:
    r = api.get("/no/such/endpoint", headers=api_world.auth("owner"))
    assert r.status_code == 404 and r.json()["message"] == "Not Found"
    assert "detail" not in r.json()
