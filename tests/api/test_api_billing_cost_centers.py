"""Enterprise cost centers over a real server (``api/billing_cost_centers.py``): created,
given resources, a resource moved from one to another, renamed, archived and listed by state,
in GitHub's JSON."""

from __future__ import annotations

import httpx

from test_api_billing_usage import api, world  # noqa: F401  (the billing scenario's server and tokens)


def test_cost_center_endpoints_create_assign_move_rename_and_delete(api: httpx.Client) -> None:  # noqa: F811
    base = "/enterprises/acme/settings/billing/cost-centers"
    first = api.post(base, json={"name": "Platform"}).json()
    second = api.post(base, json={"name": "Research"}).json()
    assert (first["state"], first["resources"]) == ("active", [])
    added = api.post(
        f"{base}/{first['id']}/resource",
        json={"users": ["ann"], "organizations": ["beta"], "repositories": ["alpha/app"]},
    )
    assert added.json() == {"message": "Resources successfully added to the cost center."}
    moved = api.post(f"{base}/{second['id']}/resource", json={"users": ["ann"]}).json()
    assert moved["reassigned_resources"] == [
        {"resource_type": "user", "name": "ann", "previous_cost_center": "Platform"}
    ]
    got = api.get(f"{base}/{first['id']}").json()
    assert sorted((r["type"], r["name"]) for r in got["resources"]) == [("Org", "beta"), ("Repo", "alpha/app")]
    assert api.patch(f"{base}/{first['id']}", json={"name": "Platform Eng"}).json()["name"] == "Platform Eng"
    removed = api.request("DELETE", f"{base}/{first['id']}/resource", json={"repositories": ["alpha/app"]})
    assert removed.json() == {"message": "Resources successfully removed from the cost center."}
    deleted = api.delete(f"{base}/{second['id']}").json()
    assert (deleted["costCenterState"], deleted["name"]) == ("CostCenterArchived", "Research")
    assert [c["name"] for c in api.get(base, params={"state": "active"}).json()["costCenters"]] == ["Platform Eng"]
    gone = api.get(base, params={"state": "deleted"}).json()["costCenters"]
    assert [(c["name"], c["state"], c["resources"]) for c in gone] == [
        ("Research", "deleted", [{"type": "User", "name": "ann"}])
    ]
    bad = api.post(f"{base}/{first['id']}/resource", json={"users": ["nobody"]})
    assert bad.status_code == 422 and "nobody" in bad.json()["message"]
    assert api.get(f"{base}/no-such-id").status_code == 404
    assert api.post(base, json={"name": ""}).status_code == 422
