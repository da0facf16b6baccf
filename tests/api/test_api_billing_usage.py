"""The billing usage endpoints over a real server: JSON equals the CSV, filters add up,
bad input gets GitHub's error body, report exports. Its ``world`` and ``api`` fixtures serve
the cost centers' tests too (test_api_billing_cost_centers.py)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Iterator

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tests.billing_scenario import LONG_AGO, build_acme
from seatledger import tokens
from seatledger.app import create_app
from seatledger.config import Settings
from seatledger.db import tables as t
from seatledger.db.ledger import Ledger
from seatledger.exports.catalog import USAGE, UsageParams, report_request
from seatledger.exports.jobs import request_export
from seatledger.licensing.scope import Scope
from seatledger.reports.usage import iter_report
from livesupport import LiveServer

TODAY = dt.date(2026, 4, 15)  # the API's "today" in these tests
SCOPES = "manage_billing:enterprise,admin:org"


@pytest.fixture
def world(engine: Engine) -> dict[str, str]:
    """acme (see billing_scenario) plus 'boss' (enterprise owner, in no org: consumes nothing)
    and tokens: boss, ann (a plain member)."""
    with engine.begin() as conn:
        acme = build_acme(conn)
        led = Ledger(conn)
        boss = led.add_user(acme.enterprise_id, "boss", emails=["boss@acme.test"], created_at=LONG_AGO)
        led.add_enterprise_role(acme.enterprise_id, boss, "owner", started_at=LONG_AGO)
        return {
            "boss": tokens.create_token(conn, "acme", "boss", SCOPES)[1],
            "ann": tokens.create_token(conn, "acme", "ann", SCOPES)[1],
        }


@pytest.fixture
def api(settings: Settings, engine: Engine, world: dict[str, str]) -> Iterator[httpx.Client]:
    app = create_app(settings, engine)
    app.state.billing_clock = lambda: TODAY
    with (
        LiveServer(app) as server,
        httpx.Client(
            base_url=server.url + "/api/v3",
            headers={
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": "2022-11-28",
                "Authorization": f"Bearer {world['boss']}",
            },
            timeout=60,
        ) as client,
    ):
        yield client


def _csv(engine: Engine, scope: Scope) -> list[dict[str, str]]:
    with engine.connect() as conn:
        body = b"".join(
            iter_report(
                conn, scope, dt.date(2026, 3, 1), dt.date(2026, 3, 31), "summarized", as_of=dt.datetime(2026, 4, 15)
            )
        )
    return list(csv.DictReader(io.StringIO(body.decode())))


def test_enterprise_usage_json_equals_the_summarized_csv_for_the_month(api: httpx.Client, engine: Engine) -> None:
    response = api.get("/enterprises/acme/settings/billing/usage", params={"year": 2026, "month": 3})
    assert response.status_code == 200, response.text
    items = response.json()["usageItems"]
    rows = _csv(engine, Scope.enterprise("acme"))
    assert len(items) == len(rows) > 31
    for item, row in zip(items, rows):
        assert (
            item["date"],
            item["product"],
            item["sku"],
            item["quantity"],
            item["unitType"],
            item["organizationName"],
        ) == (row["date"], row["product"], row["sku"], int(row["quantity"]), row["unit_type"], row["organization"])
        for key, column in (
            ("pricePerUnit", "applied_cost_per_quantity"),
            ("grossAmount", "gross_amount"),
            ("discountAmount", "discount_amount"),
            ("netAmount", "net_amount"),
        ):
            assert Decimal(str(item[key])) == Decimal(row[column])
    ghec = sum(Decimal(str(i["netAmount"])) for i in items if i["sku"] == "ghec_licenses")
    assert ghec == Decimal("98.90")


def test_organization_usage_adds_up_to_the_enterprise_usage(api: httpx.Client, engine: Engine) -> None:
    whole = api.get("/enterprises/acme/settings/billing/usage", params={"year": 2026, "month": 3}).json()
    parts = [
        api.get(f"/organizations/{org}/settings/billing/usage", params={"year": 2026, "month": 3}).json()
        for org in ("alpha", "beta")
    ]
    total = sum(Decimal(str(i["netAmount"])) for i in whole["usageItems"])
    assert sum(Decimal(str(i["netAmount"])) for p in parts for i in p["usageItems"]) == total
    assert {i["organizationName"] for i in parts[1]["usageItems"]} == {"beta"}
    assert len(_csv(engine, Scope.org("beta"))) == len(parts[1]["usageItems"])


def test_usage_summary_totals_per_sku_with_filters(api: httpx.Client) -> None:
    base = "/enterprises/acme/settings/billing/usage/summary"
    body = api.get(base, params={"year": 2026, "month": 3}).json()
    assert body["timePeriod"] == {"year": 2026, "month": 3}
    assert body["enterprise"] == "acme"
    ghec = next(i for i in body["usageItems"] if i["sku"] == "ghec_licenses")
    assert (ghec["grossQuantity"], ghec["netAmount"], ghec["pricePerUnit"], ghec["unitType"]) == (
        4.7097,
        98.9,
        21,
        "user-months",
    )
    only = api.get(base, params={"year": 2026, "month": 3, "sku": "Copilot Business"}).json()
    assert [(i["sku"], i["netAmount"]) for i in only["usageItems"]] == [("copilot_for_business", 28.81)]
    ghas = api.get(base, params={"year": 2026, "month": 3, "product": "ghas", "organization": "alpha"}).json()
    assert [(i["sku"], i["netAmount"]) for i in ghas["usageItems"]] == [("ghas_code_security_licenses", 56.13)]
    none = api.get(base, params={"year": 2026, "month": 3, "cost_center_id": "none"}).json()
    assert sum(i["netAmount"] for i in none["usageItems"]) == pytest.approx(
        sum(i["netAmount"] for i in body["usageItems"])
    )
    assert api.get(base, params={"year": 2026, "month": 3, "repository": "alpha/app"}).json()["usageItems"] == []
    org = api.get("/organizations/beta/settings/billing/usage/summary", params={"year": 2026, "month": 3}).json()
    assert [(i["sku"], i["netAmount"]) for i in org["usageItems"]] == [("ghec_licenses", 14.9)]


BAD_QUERIES = [
    ("/enterprises/acme/settings/billing/usage", {"month": 13}, 422),
    ("/enterprises/acme/settings/billing/usage", {"year": 2026, "month": 2, "day": 30}, 400),
    ("/enterprises/acme/settings/billing/usage", {"year": 2023}, 400),
    ("/enterprises/acme/settings/billing/usage", {"cost_center_id": "no-such-center"}, 400),
    ("/enterprises/acme/settings/billing/usage/summary", {"sku": "actions_linux"}, 422),
    ("/enterprises/acme/settings/billing/usage/summary", {"product": "sandwich"}, 422),
    ("/enterprises/acme/settings/billing/usage/summary", {"organization": "nope"}, 400),
    ("/enterprises/acme/settings/billing/usage/summary", {"repository": "no-slash"}, 422),
    ("/organizations/alpha/settings/billing/usage/summary", {"month": 0}, 422),
]


def test_bad_parameters_get_githubs_error_body_never_a_500(api: httpx.Client) -> None:
    for path, params, status in BAD_QUERIES:  # one server for all cases: each is one request
        response = api.get(path, params=params)
        assert response.status_code == status, (path, params, response.text)
        body = response.json()
        assert set(body) >= {"message", "documentation_url"} and body["message"], (path, params)


def test_a_day_without_a_month_is_that_day_of_the_current_month_as_on_github(api: httpx.Client) -> None:
    # GitHub: "If no year or month is specified, the default year and month are used."
    alone = api.get("/enterprises/acme/settings/billing/usage", params={"day": 3})
    assert alone.status_code == 200, alone.text
    day = alone.json()["usageItems"][0]["date"]
    year, month = int(day[:4]), int(day[5:7])
    explicit = api.get("/enterprises/acme/settings/billing/usage", params={"year": year, "month": month, "day": 3})
    assert alone.json() == explicit.json() and day.endswith("-03")


def test_an_empty_organization_filter_narrows_nothing_as_on_github(api: httpx.Client) -> None:
    path = "/enterprises/acme/settings/billing/usage/summary"
    empty, absent = api.get(path, params={"organization": ""}), api.get(path)
    assert empty.status_code == 200, empty.text
    assert empty.json() == absent.json()


def test_a_member_who_is_not_an_owner_is_refused(api: httpx.Client, world: dict[str, str]) -> None:
    headers = {"Authorization": f"Bearer {world['ann']}"}
    assert api.get("/enterprises/acme/settings/billing/usage", headers=headers).status_code == 403
    assert api.get("/organizations/alpha/settings/billing/usage", headers=headers).status_code == 403


BAD_EXPORTS = [
    ({"report_type": "detailed", "start_date": "2026-02-01", "end_date": "2026-03-31"}, 400),
    ({"report_type": "summarized", "start_date": "2024-01-01", "end_date": "2026-03-31"}, 400),
    ({"report_type": "summarized", "start_date": "2026-03-31", "end_date": "2026-03-01"}, 400),
    ({"report_type": "premium_request", "start_date": "2026-03-01"}, 400),
    ({"report_type": "weekly", "start_date": "2026-03-01"}, 422),
    ({"report_type": "summarized", "start_date": "March"}, 422),
]


def test_report_export_requests_outside_the_limits_are_refused(api: httpx.Client, engine: Engine) -> None:
    for body, status in BAD_EXPORTS:
        response = api.post("/enterprises/acme/settings/billing/reports", json=body)
        assert response.status_code == status, (body, response.text)
        assert "documentation_url" in response.json()
    assert api.get("/enterprises/acme/settings/billing/reports").json() == {"usage_report_exports": []}
    # one request per account at a time: a usage export of boss still queued (here one asked for
    # on the web's usage page) refuses another
    with engine.begin() as conn:
        boss = conn.execute(sa.select(t.users.c.id).where(t.users.c.login == "boss")).scalar_one()
        wanted = report_request(
            USAGE, "enterprise:acme", None, UsageParams.parse("summarized", "2026-03-01", "2026-03-31")
        )
        pending = request_export(conn, boss, wanted)
    busy = api.post(
        "/enterprises/acme/settings/billing/reports",
        json={"report_type": "summarized", "start_date": "2026-03-01", "end_date": "2026-03-31"},
    )
    assert busy.status_code == 400 and f"export #{pending} is still being prepared" in busy.json()["message"]


def test_report_export_runs_in_the_background_and_serves_the_csv(api: httpx.Client, engine: Engine) -> None:
    created = api.post(
        "/enterprises/acme/settings/billing/reports",
        json={"report_type": "summarized", "start_date": "2026-03-01", "end_date": "2026-03-31"},
    )
    assert created.status_code == 202, created.text
    export = created.json()
    assert (export["status"], export["actor"], export["start_date"], "download_urls" in export) == (
        "processing",
        "boss",
        "2026-03-01",
        False,
    )
    url = f"/enterprises/acme/settings/billing/reports/{export['id']}"
    for _ in range(2000):  # each request is a real round trip; the export finishes in well under that
        current = api.get(url).json()
        if current["status"] != "processing":
            break
    assert current["status"] == "completed"
    listed = api.get("/enterprises/acme/settings/billing/reports").json()["usage_report_exports"]
    assert [e["id"] for e in listed] == [export["id"]]
    download = api.get(current["download_urls"][0])
    assert download.status_code == 200
    rows = list(csv.DictReader(io.StringIO(download.text)))
    assert rows == _csv(engine, Scope.enterprise("acme"))
    assert api.get("/enterprises/acme/settings/billing/reports/not-an-id").status_code == 404
