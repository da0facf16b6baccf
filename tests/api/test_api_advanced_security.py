"""The Advanced Security active committers of an enterprise and an organization
(``api/advanced_security.py``): the counting engine's numbers in GitHub's shape."""

from __future__ import annotations

import datetime as dt

import httpx

from seatledger.db.clock import utcnow
from seatledger.licensing import advanced_security
from seatledger.licensing.scope import Scope


def test_advanced_security_enterprise_totals_equal_the_engine_per_product(api: httpx.Client, api_world) -> None:
    for product in ("code_security", "secret_protection"):
        body = api.get(
            "/enterprises/acme/settings/billing/advanced-security",
            params={"advanced_security_product": product},
            headers=api_world.auth("billing"),
        ).json()
        with api_world.engine.connect() as conn:
            totals = advanced_security.committer_totals(conn, Scope.enterprise("acme"), product, as_of=utcnow())
            repos = list(
                advanced_security.iter_repository_committers(conn, Scope.enterprise("acme"), product, as_of=utcnow())
            )
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
    cs = api.get(
        "/enterprises/acme/settings/billing/advanced-security?advanced_security_product=code_security", headers=h
    ).json()
    sp = api.get(
        "/enterprises/acme/settings/billing/advanced-security?advanced_security_product=secret_protection", headers=h
    ).json()
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
