"""HTTP request metrics: one count and one duration per request, labelled by the route's
template (never the concrete path), with unmatched requests under one label."""

from __future__ import annotations


import httpx
from fastapi import APIRouter, FastAPI
from prometheus_client import CollectorRegistry

from seatledger.metrics.http import UNMATCHED, HttpMetrics, RequestMetrics

from livesupport import run_async


def _served(paths: list[str]) -> CollectorRegistry:
    router = APIRouter(prefix="/api/v3")

    @router.get("/enterprises/{enterprise}/people")
    async def people(enterprise: str) -> dict[str, str]:
        return {"enterprise": enterprise}

    app = FastAPI()
    app.include_router(router)
    registry = CollectorRegistry()
    wrapped = RequestMetrics(app, HttpMetrics(registry))

    async def go() -> None:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=wrapped), base_url="http://test") as client:
            for path in paths:
                await client.get(path)

    run_async(go())
    return registry


def test_requests_are_counted_by_route_template_and_status() -> None:
    registry = _served(["/api/v3/enterprises/acme/people", "/api/v3/enterprises/other/people", "/nowhere/1"])
    template = "/api/v3/enterprises/{enterprise}/people"
    count = registry.get_sample_value
    assert count("seatledger_http_requests_total", {"method": "GET", "route": template, "status": "200"}) == 2
    assert count("seatledger_http_requests_total", {"method": "GET", "route": UNMATCHED, "status": "404"}) == 1
    assert count("seatledger_http_request_duration_seconds_count", {"method": "GET", "route": template}) == 2
    labels = {s.labels.get("route") for m in registry.collect() for s in m.samples}
    assert not any(label and "acme" in label for label in labels)  # no series per caller
