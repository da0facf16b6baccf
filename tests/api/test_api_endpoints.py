"""Each endpoint answers GitHub's JSON shape with the counting engine's numbers."""

from __future__ import annotations

import datetime as dt
import re

import httpx
import sqlalchemy as sa

from seatledger.db import tables as t
from seatledger.db.clock import utcnow
from seatledger.db.ledger import Ledger
from seatledger.licensing import advanced_security, copilot, seats
from seatledger.licensing.scope import Scope

ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")

# Every property of a consumed-licenses user, with its JSON type(s) (spec section 4).
USER_PROPERTY_TYPES: dict[str, tuple[type, ...]] = {
    "github_com_login": (str,),
    "github_com_name": (str, type(None)),
    "enterprise_server_user_ids": (list,),
    "github_com_user": (bool,),
    "enterprise_server_user": (bool, type(None)),
    "visual_studio_subscription_user": (bool,),
    "license_type": (str,),
    "github_com_profile": (str, type(None)),
    "github_com_member_roles": (list,),
    "github_com_enterprise_roles": (list,),
    "github_com_verified_domain_emails": (list,),
    "github_com_saml_name_id": (str, type(None)),
    "github_com_orgs_with_pending_invites": (list,),
    "github_com_two_factor_auth": (bool, type(None)),
    "enterprise_server_emails": (list,),
    "visual_studio_license_status": (str, type(None)),
    "visual_studio_subscription_email": (str, type(None)),
    "total_user_accounts": (int,),
}


def test_consumed_licenses_totals_and_users_equal_the_engine(api: httpx.Client, api_world) -> None:
    body = api.get("/enterprises/acme/consumed-licenses", params={"per_page": 100}, headers=api_world.auth("owner")).json()
    with api_world.engine.connect() as conn:
        totals = seats.seat_totals(conn, "acme", as_of=utcnow())
        people = list(seats.iter_licensed_people(conn, "acme", as_of=utcnow()))
    assert body["total_seats_consumed"] == totals.consumed == len(people) == 11
    assert body["total_seats_purchased"] == totals.purchased
    assert [u["github_com_login"] for u in body["users"]] == [p.login for p in people]


def test_enterprise_can_be_named_by_its_numeric_id(api: httpx.Client, api_world) -> None:
    with api_world.engine.connect() as conn:
        eid = conn.execute(sa.select(t.enterprises.c.id).where(t.enterprises.c.slug == "acme")).scalar_one()
    h = api_world.auth("owner")
    by_id = api.get(f"/enterprises/{eid}/consumed-licenses", headers=h)
    assert by_id.status_code == 200
    assert by_id.json() == api.get("/enterprises/acme/consumed-licenses", headers=h).json()
    assert api.get("/enterprises/99999/consumed-licenses", headers=h).status_code == 404


def test_organization_names_are_not_case_sensitive(api: httpx.Client, api_world) -> None:
    h = api_world.auth("octo_owner")
    assert api.get("/orgs/OcTo/copilot/billing/seats", headers=h).json() == api.get("/orgs/octo/copilot/billing/seats", headers=h).json()
    r = api.post("/orgs/OCTO/copilot/billing/selected_users", json={"selected_usernames": ["m1"]}, headers=h)
    assert r.status_code == 201 and "m1" in _held(api_world, "octo")


def test_consumed_licenses_users_carry_every_documented_property_with_its_type(api: httpx.Client, api_world) -> None:
    body = api.get("/enterprises/acme/consumed-licenses", params={"per_page": 100}, headers=api_world.auth("owner")).json()
    for user in body["users"]:
        assert set(user) == set(USER_PROPERTY_TYPES)
        for name, types in USER_PROPERTY_TYPES.items():
            assert isinstance(user[name], types), (name, user[name])
            if isinstance(user[name], list):
                assert all(isinstance(item, str) for item in user[name]), name
        assert user["license_type"] in ("enterprise", "visual_studio")
    owner = next(u for u in body["users"] if u["github_com_login"] == "owner")
    # Enterprise roles are lower case in the API (the CSV says "Owner").
    assert "owner" in owner["github_com_enterprise_roles"]
    assert all(r == r.lower() and " " not in r for u in body["users"] for r in u["github_com_enterprise_roles"])
    assert owner["github_com_member_roles"] == ["octo:Member"]
    assert owner["github_com_profile"] == "https://github.com/owner"
    assert owner["total_user_accounts"] == 1 and owner["github_com_user"] is True


def test_consumed_licenses_show_a_visual_studio_match_as_visual_studio(api: httpx.Client, api_world) -> None:
    with api_world.engine.begin() as conn:
        led = Ledger(conn)
        eid = led.enterprise_id("acme")
        led.add_vs_subscription(eid, "alice@acme.test", created_at=dt.datetime(2024, 1, 1))
        from seatledger.licensing.matching import rematch

        rematch(conn, eid)
    body = api.get("/enterprises/acme/consumed-licenses", params={"per_page": 100}, headers=api_world.auth("owner")).json()
    alice = next(u for u in body["users"] if u["github_com_login"] == "alice")
    assert alice["license_type"] == "visual_studio"
    assert alice["visual_studio_subscription_user"] is True
    assert alice["visual_studio_subscription_email"] == "alice@acme.test"


def test_license_sync_status_reports_each_servers_latest_sync(api: httpx.Client, api_world) -> None:
    body = api.get("/enterprises/acme/license-sync-status", headers=api_world.auth("owner")).json()
    assert body == {
        "server_instances": [
            {
                "server_id": "11111111-2222-3333-4444-555555555555",
                "hostname": "ghes.acme.test",
                "last_sync": {"date": "2024-02-01T08:30:00Z", "status": "success", "error": ""},
            },
            # Never synced: no last_sync object (GitHub's schema has no null for it).
            {"server_id": "99999999-0000-0000-0000-000000000000", "hostname": "never.acme.test"},
        ]
    }


def test_server_license_for_metered_billing_has_as_many_seats_as_used(api: httpx.Client, api_world) -> None:
    body = api.get("/enterprise/settings/license", headers=api_world.auth("owner")).json()
    assert body == {
        "seats": 11, "seats_used": 11, "seats_available": 0, "kind": "metered",
        "days_until_expiration": None, "expire_at": None,
    }


def test_server_license_for_volume_billing_counts_down_to_the_expiry(api: httpx.Client, api_world) -> None:
    expires = utcnow().date() + dt.timedelta(days=40)
    with api_world.engine.begin() as conn:
        led = Ledger(conn)
        led.set_product(led.enterprise_id("acme"), t.PRODUCT_ENTERPRISE, billing="volume", purchased=25, expires_at=expires)
    body = api.get("/enterprise/settings/license", headers=api_world.auth("owner")).json()
    assert body == {
        "seats": 25, "seats_used": 11, "seats_available": 14, "kind": "volume",
        "days_until_expiration": 40, "expire_at": expires.isoformat() + "T00:00:00Z",
    }
    consumed = api.get("/enterprises/acme/consumed-licenses", headers=api_world.auth("owner")).json()
    assert consumed["total_seats_purchased"] == 25


def test_advanced_security_enterprise_totals_equal_the_engine_per_product(api: httpx.Client, api_world) -> None:
    for product in ("code_security", "secret_protection"):
        body = api.get(
            "/enterprises/acme/settings/billing/advanced-security",
            params={"advanced_security_product": product}, headers=api_world.auth("billing"),
        ).json()
        with api_world.engine.connect() as conn:
            totals = advanced_security.committer_totals(conn, Scope.enterprise("acme"), product, as_of=utcnow())
            repos = list(advanced_security.iter_repository_committers(conn, Scope.enterprise("acme"), product, as_of=utcnow()))
        assert body["total_advanced_security_committers"] == totals.total_committers
        assert body["total_count"] == totals.total_repositories == len(repos)
        assert body["maximum_advanced_security_committers"] == totals.maximum_committers
        assert body["purchased_advanced_security_committers"] == totals.purchased
        assert [r["name"] for r in body["repositories"]] == [r.repository for r in repos]
    # Code Security: alice, bob, carol, w_owner in three repos; alice counts once.
    cs = api.get("/enterprises/acme/settings/billing/advanced-security", headers=api_world.auth("owner")).json()
    assert (cs["total_advanced_security_committers"], cs["total_count"]) == (4, 3)
    assert sum(r["advanced_security_committers"] for r in cs["repositories"]) == 5


def test_advanced_security_without_a_product_answers_for_code_security(api: httpx.Client, api_world) -> None:
    h = api_world.auth("owner")
    default = api.get("/enterprises/acme/settings/billing/advanced-security", headers=h).json()
    cs = api.get("/enterprises/acme/settings/billing/advanced-security?advanced_security_product=code_security", headers=h).json()
    sp = api.get("/enterprises/acme/settings/billing/advanced-security?advanced_security_product=secret_protection", headers=h).json()
    assert default == cs != sp
    assert (sp["total_advanced_security_committers"], sp["total_count"]) == (2, 1)


def test_advanced_security_org_breakdown_names_login_date_and_email(api: httpx.Client, api_world) -> None:
    body = api.get("/orgs/octo/settings/billing/advanced-security", headers=api_world.auth("octo_owner")).json()
    assert body["total_advanced_security_committers"] == 3  # alice, bob, carol; not w_owner of widgets
    assert body["total_count"] == 2
    app = body["repositories"][0]
    assert app["name"] == "octo/app" and app["advanced_security_committers"] == 2
    alice = app["advanced_security_committers_breakdown"][0]
    expected_day = (api_world.built_at - dt.timedelta(days=5)).date().isoformat()
    assert alice == {"user_login": "alice", "last_pushed_date": expected_day, "last_pushed_email": "alice@acme.test"}


def test_copilot_org_billing_breakdown_equals_the_engine(api: httpx.Client, api_world) -> None:
    body = api.get("/orgs/octo/copilot/billing", headers=api_world.auth("octo_owner")).json()
    with api_world.engine.connect() as conn:
        b = copilot.copilot_totals(conn, Scope.org("octo"), as_of=utcnow()).breakdown
    assert body["seat_breakdown"] == {
        "total": b.total, "added_this_cycle": b.added_this_cycle, "pending_cancellation": b.pending_cancellation,
        "pending_invitation": b.pending_invitation, "active_this_cycle": b.active_this_cycle,
        "inactive_this_cycle": b.inactive_this_cycle,
    }
    assert body["seat_breakdown"]["total"] == 3
    assert body["plan_type"] == "business"
    assert body["seat_management_setting"] == "assign_selected"


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


def test_enterprise_copilot_seats_count_each_person_once_across_orgs(api: httpx.Client, api_world) -> None:
    with api_world.engine.begin() as conn:
        Ledger(conn).add_copilot_seat(api_world.orgs["widgets"], api_world.users["alice"], created_at=dt.datetime(2024, 1, 1))
    body = api.get("/enterprises/acme/copilot/billing/seats", headers=api_world.auth("billing")).json()
    with api_world.engine.connect() as conn:
        total = copilot.copilot_totals(conn, Scope.enterprise("acme"), as_of=utcnow()).breakdown.total
    assert body["total_seats"] == total == 3
    assert sorted(s["assignee"]["login"] for s in body["seats"]) == ["alice", "bob", "carol"]


def _held(api_world, org: str) -> dict[str, object]:
    """login → pending_cancellation_date of the seats held now in ``org``."""
    with api_world.engine.connect() as conn:
        return {s.login: s.pending_cancellation_date for s in copilot.iter_copilot_seats(conn, Scope.org(org), as_of=utcnow())}


def test_assigning_users_creates_seats_in_the_ledger(api: httpx.Client, api_world) -> None:
    h = api_world.auth("octo_owner")
    r = api.post("/orgs/octo/copilot/billing/selected_users", json={"selected_usernames": ["m1", "m2", "alice"]}, headers=h)
    assert r.status_code == 201
    assert r.json() == {"seats_created": 2}  # alice already holds one
    assert set(_held(api_world, "octo")) == {"alice", "bob", "carol", "m1", "m2"}
    seats_now = api.get("/orgs/octo/copilot/billing/seats", headers=h).json()
    assert seats_now["total_seats"] == 5


def test_cancelling_users_sets_pending_cancellation_to_the_next_cycle(api: httpx.Client, api_world) -> None:
    h = api_world.auth("octo_owner")
    r = api.request("DELETE", "/orgs/octo/copilot/billing/selected_users", json={"selected_usernames": ["bob"]}, headers=h)
    assert r.status_code == 200 and r.json() == {"seats_cancelled": 1}
    now = utcnow()
    next_cycle = dt.date(now.year + (now.month == 12), now.month % 12 + 1, 1)
    assert _held(api_world, "octo")["bob"] == next_cycle  # still held until then
    bob = next(s for s in api.get("/orgs/octo/copilot/billing/seats", headers=h).json()["seats"] if s["assignee"]["login"] == "bob")
    assert bob["pending_cancellation_date"] == next_cycle.isoformat()
    again = api.request("DELETE", "/orgs/octo/copilot/billing/selected_users", json={"selected_usernames": ["bob"]}, headers=h)
    assert again.json() == {"seats_cancelled": 0}


def test_assigning_and_cancelling_teams_goes_through_their_members(api: httpx.Client, api_world) -> None:
    h = api_world.auth("octo_owner")
    with api_world.engine.begin() as conn:
        Ledger(conn).add_team(
            conn.execute(sa.select(t.enterprises.c.id).where(t.enterprises.c.slug == "acme")).scalar_one(),
            "infra", org_id=api_world.orgs["octo"], members=[api_world.users["m3"], api_world.users["m4"]],
        )
    created = api.post("/orgs/octo/copilot/billing/selected_teams", json={"selected_teams": ["infra"]}, headers=h)
    assert created.status_code == 201 and created.json() == {"seats_created": 2}
    cancelled = api.request("DELETE", "/orgs/octo/copilot/billing/selected_teams", json={"selected_teams": ["infra"]}, headers=h)
    assert cancelled.status_code == 200 and cancelled.json() == {"seats_cancelled": 2}
    held = _held(api_world, "octo")
    assert held["m3"] is not None and held["m4"] is not None and held["carol"] is None


def test_seat_changes_with_unknown_names_or_empty_lists_are_422_and_change_nothing(api: httpx.Client, api_world) -> None:
    h = api_world.auth("octo_owner")
    for path, body in (
        ("/orgs/octo/copilot/billing/selected_users", {"selected_usernames": ["m1", "ghost"]}),
        ("/orgs/octo/copilot/billing/selected_users", {"selected_usernames": []}),
        ("/orgs/octo/copilot/billing/selected_users", {}),
        ("/orgs/octo/copilot/billing/selected_teams", {"selected_teams": ["nope"]}),
        ("/orgs/octo/copilot/billing/selected_users", {"selected_usernames": ["nul\u0000byte"]}),
    ):
        r = api.post(path, json=body, headers=h)
        assert r.status_code == 422, (path, body, r.text)
        assert "message" in r.json() and "detail" not in r.json()
    r = api.post("/orgs/octo/copilot/billing/selected_users", content=b"{not json", headers={**h, "Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["message"] == "Problems parsing JSON"
    assert set(_held(api_world, "octo")) == {"alice", "bob", "carol"}


def test_seat_granted_through_an_enterprise_team_names_it_as_an_enterprise_team(api: httpx.Client, api_world) -> None:
    with api_world.engine.begin() as conn:
        led = Ledger(conn)
        team = led.add_team(led.enterprise_id("acme"), "all-devs", name="All developers",
                            members=[api_world.users["m5"]], created_at=dt.datetime(2024, 3, 1))
        led.add_copilot_seat(api_world.orgs["octo"], api_world.users["m5"], assigning_team_id=team,
                             created_at=dt.datetime(2024, 3, 2))
    seats_ = api.get("/orgs/octo/copilot/billing/seats", headers=api_world.auth("octo_owner")).json()["seats"]
    m5 = next(s for s in seats_ if s["assignee"]["login"] == "m5")
    team_obj = m5["assigning_team"]
    assert team_obj["slug"] == "all-devs" and team_obj["name"] == "All developers"
    assert "type" not in team_obj and team_obj["group_id"] is None  # GitHub's enterprise-team shape
    assert team_obj["created_at"] == "2024-03-01T00:00:00Z"
