"""GitHub's request/response headers, and ``/openapi.json`` describing the API."""

from __future__ import annotations

import httpx

CONSUMED = "/enterprises/acme/consumed-licenses"

API_OPERATIONS = {
    ("get", "/api/v3/enterprises/{enterprise}/consumed-licenses"),
    ("get", "/api/v3/enterprises/{enterprise}/license-sync-status"),
    ("get", "/api/v3/enterprise/settings/license"),
    ("get", "/api/v3/enterprises/{enterprise}/settings/billing/advanced-security"),
    ("get", "/api/v3/orgs/{org}/settings/billing/advanced-security"),
    ("get", "/api/v3/orgs/{org}/copilot/billing"),
    ("get", "/api/v3/orgs/{org}/copilot/billing/seats"),
    ("get", "/api/v3/enterprises/{enterprise}/copilot/billing/seats"),
    ("post", "/api/v3/orgs/{org}/copilot/billing/selected_users"),
    ("delete", "/api/v3/orgs/{org}/copilot/billing/selected_users"),
    ("post", "/api/v3/orgs/{org}/copilot/billing/selected_teams"),
    ("delete", "/api/v3/orgs/{org}/copilot/billing/selected_teams"),
    ("get", "/api/v3/rate_limit"),
}


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


def test_timestamps_are_iso_8601_utc_with_z(api: httpx.Client, api_world) -> None:
    sync = api.get("/enterprises/acme/license-sync-status", headers=api_world.auth("owner")).json()
    assert sync["server_instances"][0]["last_sync"]["date"] == "2024-02-01T08:30:00Z"
    seat = api.get("/orgs/octo/copilot/billing/seats", headers=api_world.auth("octo_owner")).json()["seats"][0]
    for name in ("created_at", "updated_at", "last_activity_at", "last_authenticated_at"):
        assert seat[name].endswith("Z") and "+" not in seat[name], name


def test_unknown_api_path_is_a_github_404(api: httpx.Client, api_world) -> None:
    r = api.get("/no/such/endpoint", headers=api_world.auth("owner"))
    assert r.status_code == 404 and r.json()["message"] == "Not Found"
    assert "detail" not in r.json()


def test_openapi_describes_every_api_operation_under_api_v3(live_server, api_world) -> None:
    spec = httpx.get(live_server.url + "/openapi.json", timeout=60).json()
    operations = {
        (method, path) for path, item in spec["paths"].items() for method in item if path.startswith("/api/")
    }
    assert operations >= API_OPERATIONS  # the billing-usage area adds its own
    for method, path in API_OPERATIONS:
        op = spec["paths"][path][method]
        ok = op["responses"]["201" if method == "post" else "200"]
        assert ok["content"]["application/json"]["schema"]["$ref"].startswith("#/components/schemas/"), path
        for status in ("401", "422"):
            assert op["responses"][status]["content"]["application/json"]["schema"]["$ref"] == (
                "#/components/schemas/BasicError"
            ), (path, status)
        params = {p["name"] for p in op.get("parameters", [])}
        assert "X-GitHub-Api-Version" in params, path
        assert op["security"] == [{"APIKeyHeader": []}], path
    consumed = spec["paths"]["/api/v3/enterprises/{enterprise}/consumed-licenses"]["get"]
    per_page = next(p for p in consumed["parameters"] if p["name"] == "per_page")
    assert per_page["schema"]["default"] == 30 and per_page["schema"]["maximum"] == 100
    seats = spec["paths"]["/api/v3/orgs/{org}/copilot/billing/seats"]["get"]
    assert next(p for p in seats["parameters"] if p["name"] == "per_page")["schema"]["default"] == 50
    user = spec["components"]["schemas"]["ConsumedLicenseUser"]
    assert len(user["properties"]) == 18 and set(user["required"]) == set(user["properties"])
