"""consumed-licenses answers GitHub's JSON shape with the counting engine's numbers, and an
enterprise or organization is found by its id or its name in any case. (The other endpoints'
tests sit in ``test_api_<module>.py``.)"""

from __future__ import annotations

import datetime as dt

import httpx
import sqlalchemy as sa

from seatledger.db import tables as t
from seatledger.db.clock import utcnow
from seatledger.db.ledger import Ledger
from seatledger.licensing import seats
from test_api_copilot import _held

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
    body = api.get(
        "/enterprises/acme/consumed-licenses", params={"per_page": 100}, headers=api_world.auth("owner")
    ).json()
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
    assert (
        api.get("/orgs/OcTo/copilot/billing/seats", headers=h).json()
        == api.get("/orgs/octo/copilot/billing/seats", headers=h).json()
    )
    r = api.post("/orgs/OCTO/copilot/billing/selected_users", json={"selected_usernames": ["m1"]}, headers=h)
    assert r.status_code == 201 and "m1" in _held(api_world, "octo")


def test_consumed_licenses_users_carry_every_documented_property_with_its_type(api: httpx.Client, api_world) -> None:
    body = api.get(
        "/enterprises/acme/consumed-licenses", params={"per_page": 100}, headers=api_world.auth("owner")
    ).json()
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
    body = api.get(
        "/enterprises/acme/consumed-licenses", params={"per_page": 100}, headers=api_world.auth("owner")
    ).json()
    alice = next(u for u in body["users"] if u["github_com_login"] == "alice")
    assert alice["license_type"] == "visual_studio"
    assert alice["visual_studio_subscription_user"] is True
    assert alice["visual_studio_subscription_email"] == "alice@acme.test"
