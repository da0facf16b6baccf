"""The REST API as ``api.mount`` puts it together (``api/__init__.py``): every router module under
``/api/v3`` behind the version check, described in ``/openapi.json``
with GitHub's error bodies, and the rate counter's requests written when the app stops."""

from __future__ import annotations

import importlib

import httpx
import sqlalchemy as sa
from fastapi.routing import APIRoute
from sqlalchemy.engine import Engine

from livesupport import LiveServer
from seatledger.api import ROUTER_MODULES, throttle
from seatledger.app import API_PREFIX, create_app
from seatledger.config import Settings
from seatledger.db.tables_api import api_rate_windows

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


def test_openapi_describes_every_api_operation_under_api_v3(live_server, api_world) -> None:
    spec = httpx.get(live_server.url + "/openapi.json", timeout=60).json()
    operations = {(method, path) for path, item in spec["paths"].items() for method in item if path.startswith("/api/")}
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


def test_every_route_of_every_router_module_is_served_under_the_prefix_behind_the_version_check(
    settings: Settings, engine: Engine
) -> None:
    spec = create_app(settings, engine).openapi()
    for name in ROUTER_MODULES:
        router = importlib.import_module(f"seatledger.api.{name}").router
        assert router.routes, name
        for route in router.routes:
            assert isinstance(route, APIRoute)
            item = spec["paths"][API_PREFIX + route.path]
            for method in route.methods:
                params = {p["name"] for p in item[method.lower()].get("parameters", [])}
                assert "X-GitHub-Api-Version" in params, (name, method, route.path)


def test_requests_counted_in_memory_are_written_when_the_app_stops(
    settings: Settings, engine: Engine, api_world
) -> None:
    settings = settings.with_(rate_limit_per_hour=1000)  # far from the limit: counted in memory
    app = create_app(settings, engine)
    app.state.rate_counter = throttle.RateCounter(clock=lambda: 1000.0)  # no flush interval ever passes
    headers = {**api_world.auth("owner"), "X-GitHub-Api-Version": "2022-11-28"}
    token_id = api_world.token_ids[next(iter(api_world.token_ids))]

    def written() -> int:
        with engine.connect() as conn:
            return int(
                conn.execute(
                    sa.select(sa.func.sum(api_rate_windows.c.used)).where(api_rate_windows.c.token_id == token_id)
                ).scalar()
                or 0
            )

    with LiveServer(app) as server:
        for _ in range(3):
            r = httpx.get(f"{server.url}{API_PREFIX}/enterprises/acme/license-sync-status", headers=headers, timeout=30)
            assert r.status_code == 200, r.text
        assert written() == 1  # the window's first request; the other two are in memory
    assert written() == 3
