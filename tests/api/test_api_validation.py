"""Values no endpoint can use get GitHub's error body with a 4xx, never a 500, and the same
answer on both databases."""

from __future__ import annotations

import httpx
import sqlalchemy as sa

from seatledger import validation
from seatledger.db import tables as t

COST_CENTERS = "/enterprises/acme/settings/billing/cost-centers"


def _is_github_error(response: httpx.Response) -> bool:
    body = response.json()
    return set(body) >= {"message", "documentation_url"} and bool(body["message"])


def _schema(client: httpx.Client) -> dict:
    return httpx.get(str(client.base_url).rstrip("/").removesuffix("/api/v3") + "/openapi.json", timeout=30).json()


def _get_paths(client: httpx.Client, parameter: str) -> list[str]:
    return [
        path.removeprefix("/api/v3")
        for path, operations in _schema(client)["paths"].items()
        if "get" in operations and "{" + parameter + "}" in path
    ]


def test_a_non_ascii_digit_enterprise_is_404_on_every_enterprise_endpoint(api: httpx.Client, api_world) -> None:
    # "³".isdigit() is True but int("³") fails: the numeric-id lookup must not take it.
    headers = api_world.auth("owner")
    paths = _get_paths(api, "enterprise")
    assert len(paths) >= 8
    for path in paths:
        for name in ("³", "٣", "9" * 30):
            url = path.replace("{enterprise}", name).replace("{cost_center_id}", "x").replace("{report_id}", "x")
            r = api.get(url, headers=headers)
            assert r.status_code == 404 and _is_github_error(r), (url, r.status_code, r.text)


def test_an_enterprise_is_found_by_its_ascii_numeric_id(api: httpx.Client, api_world) -> None:
    with api_world.engine.connect() as conn:
        eid = conn.execute(sa.select(t.enterprises.c.id).where(t.enterprises.c.slug == "acme")).scalar_one()
    r = api.get(f"/enterprises/{eid}/consumed-licenses", headers=api_world.auth("owner"))
    assert r.status_code == 200, r.text


def test_an_empty_api_version_header_is_400_as_on_github(api: httpx.Client, api_world) -> None:
    r = api.get("/enterprises/acme/consumed-licenses", headers={**api_world.auth("owner"), "X-GitHub-Api-Version": ""})
    assert r.status_code == 400 and "Invalid API version" in r.json()["message"]


def test_a_cost_center_name_with_a_nul_byte_or_too_long_is_422_and_not_stored(api: httpx.Client, api_world) -> None:
    headers = api_world.auth("owner")
    for name in ("ops\x00", "o" * 100_000, "o" * (validation.NAME_MAX + 1)):
        r = api.post(COST_CENTERS, json={"name": name}, headers=headers)
        assert r.status_code == 422 and _is_github_error(r), r.text
    for resources in ({"users": ["a\x00"]}, {"organizations": ["o" * 1000]}, {"repositories": ["x" * 500]}):
        created = api.post(COST_CENTERS, json={"name": "ops"}, headers=headers).json()
        r = api.post(f"{COST_CENTERS}/{created['id']}/resource", json=resources, headers=headers)
        assert r.status_code == 422 and _is_github_error(r), r.text
        api.delete(f"{COST_CENTERS}/{created['id']}", headers=headers)
    with api_world.engine.connect() as conn:
        names = set(conn.execute(sa.select(t.cost_centers.c.name)).scalars())
    assert names <= {"ops"}


def test_an_export_of_dates_outside_the_ledgers_years_is_422(api: httpx.Client, api_world) -> None:
    for start in ("0001-01-01", "9999-12-31"):
        r = api.post(
            "/enterprises/acme/settings/billing/reports",
            headers=api_world.auth("owner"),
            json={"report_type": "summarized", "start_date": start},
        )
        assert r.status_code == 422 and _is_github_error(r), r.text
