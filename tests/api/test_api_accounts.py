"""GitHub's nested account objects (``api/accounts.py``): a Copilot seat names its person,
organization and team as GitHub's simple-user, organization-simple, team and enterprise-team."""

from __future__ import annotations

import datetime as dt
import re

import httpx

from seatledger.api.accounts import node_id
from seatledger.db.ledger import Ledger

ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def test_copilot_seats_nest_github_user_org_and_team_objects(api: httpx.Client, api_world) -> None:
    r = api.get("/orgs/octo/copilot/billing/seats", headers=api_world.auth("octo_owner"))
    body = r.json()
    assert body["total_seats"] == 3
    alice, bob, carol = body["seats"]
    assert alice["assignee"]["login"] == "alice" and alice["assignee"]["type"] == "User"
    assert alice["assignee"]["id"] == api_world.users["alice"]
    assert alice["assignee"]["site_admin"] is False
    assert alice["assignee"]["url"].endswith("/api/v3/users/alice")
    assert alice["organization"]["login"] == "octo" and alice["organization"]["id"] == api_world.orgs["octo"]
    assert alice["assigning_team"] is None and bob["assigning_team"] is None
    assert carol["assigning_team"]["slug"] == "devs" and carol["assigning_team"]["type"] == "organization"
    assert carol["assigning_team"]["name"] == "Developers"
    assert alice["last_activity_editor"] == "vscode/1.90.0/copilot/1.200.0"
    assert ISO_Z.match(alice["last_activity_at"]) and ISO_Z.match(alice["created_at"])
    assert alice["created_at"] == "2024-01-01T00:00:00Z"
    assert bob["last_activity_at"] is None and bob["pending_cancellation_date"] is None
    assert {s["plan_type"] for s in body["seats"]} == {"business"}


def test_seat_granted_through_an_enterprise_team_names_it_as_an_enterprise_team(api: httpx.Client, api_world) -> None:
    with api_world.engine.begin() as conn:
        led = Ledger(conn)
        team = led.add_team(
            led.enterprise_id("acme"),
            "all-devs",
            name="All developers",
            members=[api_world.users["m5"]],
            created_at=dt.datetime(2024, 3, 1),
        )
        led.add_copilot_seat(
            api_world.orgs["octo"], api_world.users["m5"], assigning_team_id=team, created_at=dt.datetime(2024, 3, 2)
        )
    seats_ = api.get("/orgs/octo/copilot/billing/seats", headers=api_world.auth("octo_owner")).json()["seats"]
    m5 = next(s for s in seats_ if s["assignee"]["login"] == "m5")
    team_obj = m5["assigning_team"]
    assert team_obj["slug"] == "all-devs" and team_obj["name"] == "All developers"
    assert "type" not in team_obj and team_obj["group_id"] is None  # GitHub's enterprise-team shape
    assert team_obj["created_at"] == "2024-03-01T00:00:00Z"


def test_node_ids_are_githubs_legacy_global_ids() -> None:
    # Values github.com answers: user 1 (mojombo), organization 9919 (github), the docs' team 1.
    assert node_id("User", 1) == "MDQ6VXNlcjE="
    assert node_id("Organization", 9919) == "MDEyOk9yZ2FuaXphdGlvbjk5MTk="
    assert node_id("Team", 1) == "MDQ6VGVhbTE="
