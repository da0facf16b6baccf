"""GET /metrics and ``serve --metrics-port``: Prometheus text, parsed with prometheus_client's
own parser, whose every gauge is the number ``seatledger summary --json`` prints."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from seatledger.cli import app as cli
from seatledger.db.ledger import Ledger
from seatledger.exports.catalog import LICENSE_USAGE, report_request
from seatledger.exports.jobs import request_export
from seatledger.ingest.source_runs import record_failure, record_success
from seatledger.licensing.verification import verify_intervals

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def _samples(text: str, *, gauges_only: bool = True) -> Samples:
    out: Samples = {}
    for family in text_string_to_metric_families(text):
        if gauges_only and family.type != "gauge":
            continue
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def _summary(db_url: str, tmp_path: Path, *args: str) -> dict[str, Any]:
    env = {"SEATLEDGER_DATABASE_URL": db_url, "SEATLEDGER_DATA_DIR": str(tmp_path / "data")}
    result = CliRunner().invoke(cli, ["summary", "--json", *args], env=env)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _epoch(text: str) -> float:
    value = dt.datetime.fromisoformat(text)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.timestamp()


def _expected(doc: dict[str, Any], orgs: dict[str, dict[str, Any]], drift: dict[str, Any], queued: int) -> Samples:
    """Every gauge of one enterprise, from the summary's JSON (and /healthz for the drift)."""
    e = doc["enterprise"]
    seats, ghas, cp = doc["seats"], doc["advanced_security"], doc["copilot"]
    out: Samples = {}

    def put(name: str, value: float, **labels: str) -> None:
        out[(name, tuple(sorted({"enterprise": e, **labels}.items())))] = float(value)

    def consumed(name: str, d: dict[str, Any], **labels: str) -> None:
        put(name, d["seats"]["consumed"], product="enterprise", **labels)
        for p in ("code_security", "secret_protection"):
            put(name, d["advanced_security"][p]["active_committers"], product=p, **labels)
        put(name, d["copilot"]["business"], product="copilot_business", **labels)
        put(name, d["copilot"]["enterprise"], product="copilot_enterprise", **labels)

    consumed("seatledger_seats_consumed", doc)
    put("seatledger_seats_purchased", seats["purchased"], product="enterprise")
    put("seatledger_seats_over_limit", seats["over_limit"], product="enterprise")
    for p in ("code_security", "secret_protection"):
        put("seatledger_seats_purchased", ghas[p]["purchased"], product=p)
        put("seatledger_seats_over_limit", ghas[p]["over_limit"], product=p)
        put("seatledger_advanced_security_active_committers", ghas[p]["active_committers"], product=p)
        put("seatledger_advanced_security_maximum_committers", ghas[p]["maximum_committers"], product=p)
        put("seatledger_advanced_security_repositories", ghas[p]["repositories"], product=p)
    if seats["available"] is not None:
        put("seatledger_seats_available", seats["available"])
    put("seatledger_seats_billable_this_month", seats["billable_this_month"])
    if seats["expires_at"]:
        put("seatledger_license_expiry_timestamp_seconds", _epoch(seats["expires_at"]))
    b = cp["breakdown"]
    put("seatledger_copilot_seats", b["active_this_cycle"], state="active")
    put("seatledger_copilot_seats", b["inactive_this_cycle"], state="inactive")
    put("seatledger_copilot_seats_pending_cancellation", b["pending_cancellation"])
    put("seatledger_copilot_seats_pending_invitation", b["pending_invitation"])
    put("seatledger_copilot_seats_added_this_cycle", b["added_this_cycle"])
    for org, org_doc in orgs.items():
        consumed("seatledger_organization_seats_consumed", org_doc, organization=org)
    put("seatledger_verify_differences", drift["differences"])
    put("seatledger_verify_last_check_timestamp_seconds", _epoch(drift["checked_at"]))
    for source, f in doc["sources"].items():
        for when in ("success", "failure"):
            if f[f"last_{when}_at"]:
                put(f"seatledger_source_last_{when}_timestamp_seconds", _epoch(f[f"last_{when}_at"]), source=source)
    put("seatledger_export_queue_depth", queued, status="queued")
    put("seatledger_export_queue_depth", 0, status="running")
    return out


def _volume_purchase_and_a_queued_export(engine: Engine, world: Any) -> None:
    with engine.begin() as conn:
        led = Ledger(conn)
        eid = led.enterprise_id("acme")
        led.set_product(eid, "enterprise", billing="volume", purchased=10, expires_at=dt.date(2027, 3, 31))
        led.set_product(eid, "code_security", billing="volume", purchased=2)
        verify_intervals(conn, "acme")
        request_export(conn, world.users["owner"], report_request(LICENSE_USAGE, "enterprise:acme", None, None))
        record_success(conn, eid, "sync", {"organizations": ["octo", "widgets"]})
    record_failure(engine, eid, "webhook", "bad signature")


def test_every_gauge_of_metrics_equals_summary_json_for_the_same_ledger(
    live_server: Any, api_world: Any, engine: Engine, db_url: str, tmp_path: Path
) -> None:
    _volume_purchase_and_a_queued_export(engine, api_world)
    answer = httpx.get(live_server.url + "/metrics", headers=api_world.auth("billing"), timeout=30)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain; version=")
    doc = _summary(db_url, tmp_path, "--enterprise", "acme")
    orgs = {org: _summary(db_url, tmp_path, "--enterprise", "acme", "--org", org) for org in ("octo", "widgets")}
    drift = httpx.get(live_server.url + "/healthz", timeout=30).json()["intervals"]["acme"]
    assert _samples(answer.text) == _expected(doc, orgs, drift, queued=1)
    assert doc["seats"]["over_limit"] > 0  # the purchase of 10 is exceeded: the gauge is not a zero by chance
    assert doc["sources"]["sync"]["last_success_at"] and doc["sources"]["webhook"]["last_failure_at"]


def test_metrics_of_a_token_show_only_its_own_enterprise(live_server: Any, api_world: Any) -> None:
    with api_world.engine.begin() as conn:
        from seatledger import tokens

        _id, globex = tokens.create_token(conn, "globex", "stranger", "read:enterprise")
    text = httpx.get(live_server.url + "/metrics", headers={"Authorization": f"Bearer {globex}"}).text
    enterprises = {labels for (_n, labels) in _samples(text)}
    assert enterprises and all(("enterprise", "globex") in labels for labels in enterprises)


def test_metrics_need_a_read_enterprise_token_of_an_owner_or_billing_manager(live_server: Any, api_world: Any) -> None:
    url = live_server.url + "/metrics"
    cases = [
        ({}, 401, "Requires authentication"),
        ({"Authorization": "Bearer not-a-token"}, 401, "Bad credentials"),
        (api_world.auth("owner", "read:org"), 403, "read:enterprise"),
        (api_world.auth("alice"), 403, "owner or billing manager"),
    ]
    for headers, status, message in cases:
        answer = httpx.get(url, headers=headers)
        assert answer.status_code == status
        body = answer.json()
        assert set(body) >= {"message", "documentation_url"} and message in body["message"]
    assert httpx.get(url, headers=api_world.auth("owner", "read:enterprise")).status_code == 200


def test_http_requests_are_counted_per_route_template_with_their_durations(live_server: Any, api_world: Any) -> None:
    headers = {**api_world.auth("owner"), "X-GitHub-Api-Version": "2022-11-28"}
    for _ in range(2):
        httpx.get(live_server.url + "/api/v3/enterprises/acme/consumed-licenses", headers=headers)
    httpx.get(live_server.url + "/no/such/page")
    httpx.get(live_server.url + "/static/seatledger.css")
    text = httpx.get(live_server.url + "/metrics", headers=api_world.auth("owner")).text
    samples = _samples(text, gauges_only=False)
    route = "/api/v3/enterprises/{enterprise}/consumed-licenses"
    key = ("seatledger_http_requests_total", (("method", "GET"), ("route", route), ("status", "200")))
    assert samples.get(key) == 2, sorted(k for k in samples if k[0] == "seatledger_http_requests_total")
    count = ("seatledger_http_request_duration_seconds_count", (("method", "GET"), ("route", route)))
    assert samples[count] == 2
    assert (
        samples[("seatledger_http_requests_total", (("method", "GET"), ("route", "unmatched"), ("status", "404")))] == 1
    )
    assert (
        samples[("seatledger_http_requests_total", (("method", "GET"), ("route", "/static/{path}"), ("status", "200")))]
        == 1
    )


def test_the_metrics_port_serves_every_enterprise_without_a_token(engine: Engine, api_world: Any) -> None:
    from seatledger.metrics import serve_metrics_port

    server = serve_metrics_port(engine, "127.0.0.1", 0)
    try:
        text = httpx.get(f"http://127.0.0.1:{server.server_address[1]}/metrics").text
    finally:
        server.shutdown()
        server.server_close()
    consumed = {dict(labels)["enterprise"] for (name, labels) in _samples(text) if name == "seatledger_seats_consumed"}
    assert consumed == {"acme", "globex"}


@pytest.mark.parametrize("args", [["--metrics-port", "70000"]])
def test_a_bad_metrics_port_is_refused_in_one_line(args: list[str]) -> None:
    result = CliRunner().invoke(cli, ["serve", *args])
    assert result.exit_code == 2


def test_every_series_the_grafana_dashboard_queries_is_exposed(engine: Engine, api_world: Any) -> None:
    import re

    _volume_purchase_and_a_queued_export(engine, api_world)  # the expiry and the last check exist
    from prometheus_client import CollectorRegistry

    from seatledger.metrics import exposition
    from seatledger.metrics.http import HttpMetrics

    http = HttpMetrics(CollectorRegistry())
    http.requests.labels("GET", "/", "200").inc()
    http.duration.labels("GET", "/").observe(0.01)
    exposed = {
        s.name
        for f in text_string_to_metric_families(exposition(engine, "acme", http.registry).decode())
        for s in f.samples
    }
    dashboard = (Path(__file__).resolve().parents[2] / "docs" / "grafana" / "seatledger.json").read_text()
    queried = set(re.findall(r"seatledger_[a-z_]+", dashboard)) - {"seatledger"}
    assert queried and queried <= exposed, queried - exposed
