"""Who may call what: 401 without valid credentials, 404 for what the caller may not see,
403 for a missing scope or role — each answered with GitHub's JSON error body."""

from __future__ import annotations

import datetime as dt

import httpx
import sqlalchemy as sa

from seatledger import tokens
from seatledger.db import tables as t

ENTERPRISE_PATHS = [
    "/enterprises/acme/consumed-licenses",
    "/enterprises/acme/license-sync-status",
    "/enterprises/acme/settings/billing/advanced-security",
    "/enterprises/acme/copilot/billing/seats",
]
ORG_PATHS = [
    "/orgs/octo/settings/billing/advanced-security",
    "/orgs/octo/copilot/billing",
    "/orgs/octo/copilot/billing/seats",
]
ALL_GET_PATHS = [*ENTERPRISE_PATHS, *ORG_PATHS, "/enterprise/settings/license"]


def assert_github_error(response: httpx.Response, status: int, message: str | None = None) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) >= {"message", "documentation_url"} and "detail" not in body
    assert body["documentation_url"].startswith("https://docs.github.com/")
    if message is not None:
        assert body["message"] == message


def test_every_endpoint_requires_authentication(api: httpx.Client) -> None:
    for path in ALL_GET_PATHS:
        assert_github_error(api.get(path), 401, "Requires authentication")


def test_unknown_or_malformed_token_is_bad_credentials(api: httpx.Client, api_world) -> None:
    well_formed_but_unknown = tokens.generate_token()
    for header in (f"Bearer {well_formed_but_unknown}", "Bearer ghp_nonsense", "Basic Zm9vOmJhcg==", "Bearer"):
        r = api.get("/enterprises/acme/consumed-licenses", headers={"Authorization": header})
        assert_github_error(r, 401, "Bad credentials")


def test_token_scheme_is_accepted_as_well_as_bearer(api: httpx.Client, api_world) -> None:
    token = api_world.token("owner")
    for header in (f"token {token}", f"Bearer {token}", f"bearer {token}"):
        assert api.get("/enterprises/acme/consumed-licenses", headers={"Authorization": header}).status_code == 200


def test_expired_token_is_refused(api: httpx.Client, api_world) -> None:
    headers = api_world.auth("owner", expires_in_days=1)
    assert api.get("/enterprises/acme/consumed-licenses", headers=headers).status_code == 200
    with api_world.engine.begin() as conn:
        conn.execute(sa.update(t.api_tokens).values(expires_at=dt.datetime(2020, 1, 1)))
    assert_github_error(api.get("/enterprises/acme/consumed-licenses", headers=headers), 401, "Bad credentials")


def test_revoked_token_is_refused(api: httpx.Client, api_world) -> None:
    headers = api_world.auth("owner")
    assert api.get("/enterprises/acme/license-sync-status", headers=headers).status_code == 200
    with api_world.engine.begin() as conn:
        (info,) = tokens.list_tokens(conn, login="owner")
        tokens.revoke_token(conn, info.id)
    assert_github_error(api.get("/enterprises/acme/license-sync-status", headers=headers), 401, "Bad credentials")


SCOPE_CASES = [
    ("/enterprises/acme/consumed-licenses", "owner", "read:org", "read:enterprise"),
    ("/enterprises/acme/license-sync-status", "owner", "manage_billing:copilot", "read:enterprise"),
    (
        "/enterprises/acme/settings/billing/advanced-security",
        "billing",
        "read:org",
        "read:enterprise, manage_billing:enterprise",
    ),
    ("/enterprises/acme/copilot/billing/seats", "billing", "read:org", "manage_billing:copilot, read:enterprise"),
    ("/orgs/octo/settings/billing/advanced-security", "octo_owner", "read:enterprise", "read:org, admin:org"),
    ("/orgs/octo/copilot/billing", "octo_owner", "read:enterprise", "manage_billing:copilot, read:org"),
    ("/orgs/octo/copilot/billing/seats", "octo_owner", "read:enterprise", "manage_billing:copilot, read:org"),
    ("/enterprise/settings/license", "owner", "read:org", "read:enterprise, site_admin"),
]


def test_token_without_an_accepted_scope_gets_403_naming_the_scopes(api: httpx.Client, api_world) -> None:
    for path, who, scopes, accepted in SCOPE_CASES:
        r = api.get(path, headers=api_world.auth(who, scopes))
        assert_github_error(r, 403)
        assert r.headers["X-Accepted-OAuth-Scopes"] == accepted, path
        assert r.headers["X-OAuth-Scopes"] == scopes, path
        # The same caller with the right scope is answered: the scope was what was missing.
        assert api.get(path, headers=api_world.auth(who)).status_code == 200, path


def test_broader_scope_includes_the_narrower_one(api: httpx.Client, api_world) -> None:
    assert (
        api.get("/enterprises/acme/consumed-licenses", headers=api_world.auth("owner", "admin:enterprise")).status_code
        == 200
    )
    assert (
        api.get("/orgs/octo/copilot/billing/seats", headers=api_world.auth("octo_owner", "admin:org")).status_code
        == 200
    )


WRONG_ROLE_CASES = [
    ("/enterprises/acme/consumed-licenses", "billing"),  # enterprise owners only
    ("/enterprises/acme/consumed-licenses", "alice"),
    ("/enterprises/acme/license-sync-status", "octo_owner"),
    ("/enterprises/acme/settings/billing/advanced-security", "alice"),
    ("/enterprises/acme/copilot/billing/seats", "octo_owner"),
    ("/orgs/octo/copilot/billing", "alice"),  # a member, not an owner
    ("/orgs/octo/copilot/billing/seats", "owner"),  # enterprise owner is not an org owner
    ("/orgs/octo/copilot/billing/seats", "w_owner"),  # owner of another org
    ("/orgs/octo/settings/billing/advanced-security", "alice"),
]


def test_caller_without_the_role_gets_403(api: httpx.Client, api_world) -> None:
    for path, who in WRONG_ROLE_CASES:
        r = api.get(path, headers=api_world.auth(who))
        assert_github_error(r, 403)
        assert r.json()["message"].startswith("Must be "), (path, who)


ALLOWED_CASES = [
    ("/enterprises/acme/settings/billing/advanced-security", "billing"),
    ("/enterprises/acme/copilot/billing/seats", "billing"),
    ("/orgs/octo/settings/billing/advanced-security", "owner"),  # enterprise owner reads an org's GHAS
    ("/orgs/octo/settings/billing/advanced-security", "billing"),
    ("/orgs/octo/settings/billing/advanced-security", "octo_owner"),
    ("/orgs/octo/copilot/billing/seats", "octo_owner"),
]


def test_caller_with_the_role_is_answered(api: httpx.Client, api_world) -> None:
    for path, who in ALLOWED_CASES:
        assert api.get(path, headers=api_world.auth(who)).status_code == 200, (path, who)


UNKNOWN_PATHS = [
    "/enterprises/nope/consumed-licenses",
    "/enterprises/nope/license-sync-status",
    "/enterprises/nope/settings/billing/advanced-security",
    "/enterprises/nope/copilot/billing/seats",
    "/orgs/nope/settings/billing/advanced-security",
    "/orgs/nope/copilot/billing",
    "/orgs/nope/copilot/billing/seats",
    "/orgs/bad%00name/copilot/billing",  # not even storable in PostgreSQL: still a 404
    "/enterprises/bad%01name/consumed-licenses",
]


def test_unknown_enterprise_or_org_is_404(api: httpx.Client, api_world) -> None:
    for path in UNKNOWN_PATHS:
        assert_github_error(api.get(path, headers=api_world.auth("owner")), 404, "Not Found")


def test_another_enterprises_resources_are_hidden_as_404_even_without_scope(api: httpx.Client, api_world) -> None:
    # Same answer as for a name that does not exist: the caller learns nothing.
    for path in (
        "/enterprises/globex/consumed-licenses",
        "/enterprises/globex/copilot/billing/seats",
        "/orgs/gadgets/copilot/billing/seats",
        "/orgs/gadgets/settings/billing/advanced-security",
    ):
        assert_github_error(api.get(path, headers=api_world.auth("owner")), 404, "Not Found")
        assert_github_error(api.get(path, headers=api_world.auth("owner", "user")), 404, "Not Found")


def test_seat_changes_need_an_org_owner_with_a_write_scope(api: httpx.Client, api_world) -> None:
    body = {"selected_usernames": ["m1"]}
    r = api.post(
        "/orgs/octo/copilot/billing/selected_users", json=body, headers=api_world.auth("octo_owner", "read:org")
    )
    assert_github_error(r, 403)
    assert r.headers["X-Accepted-OAuth-Scopes"] == "manage_billing:copilot, admin:org"
    assert_github_error(
        api.post("/orgs/octo/copilot/billing/selected_users", json=body, headers=api_world.auth("alice")), 403
    )
    assert_github_error(api.post("/orgs/octo/copilot/billing/selected_users", json=body), 401)
    assert_github_error(
        api.post("/orgs/gadgets/copilot/billing/selected_users", json=body, headers=api_world.auth("owner")), 404
    )
