"""A real third-party GitHub client, githubkit with its GHEC 2022-11-28 models, pointed at our
server: it parses every answer with GitHub's own pydantic models (a shape mismatch raises),
and the numbers it reads equal the counting engine's."""

from __future__ import annotations

import pytest

from seatledger.db.clock import utcnow
from seatledger.licensing import advanced_security, copilot, seats
from seatledger.licensing.scope import Scope

try:
    import githubkit_schemas.ghec_v2022_11_28  # noqa: F401
    from githubkit import GitHub, TokenAuthStrategy
except ImportError as exc:  # githubkit 0.16 needs hishel<2, and its GHEC models are a separate package
    pytest.skip(
        f"githubkit with its GHEC 2022-11-28 models is not importable ({exc}); needs the packages "
        "githubkit-schemas-ghec-2022-11-28 and hishel<2",
        allow_module_level=True,
    )

GHEC = "ghec-2022-11-28"


@pytest.fixture
def github(live_server, api_world):
    client = GitHub(TokenAuthStrategy(api_world.token("owner")), base_url=live_server.url + "/api/v3")
    with client:  # the namespace holds the client weakly: keep it alive for the test
        yield client.rest(GHEC)


@pytest.fixture
def github_as_org_owner(live_server, api_world):
    client = GitHub(TokenAuthStrategy(api_world.token("octo_owner")), base_url=live_server.url + "/api/v3")
    with client:  # the namespace holds the client weakly: keep it alive for the test
        yield client.rest(GHEC)


def test_githubkit_reads_consumed_licenses_page_by_page(github, api_world) -> None:
    logins: list[str] = []
    for page in (1, 2, 3):
        data = github.enterprise_admin.get_consumed_licenses("acme", per_page=5, page=page).parsed_data
        logins += [u.github_com_login for u in data.users]
        total = data.total_seats_consumed
    with api_world.engine.connect() as conn:
        engine_total = seats.count_consumed(conn, "acme", as_of=utcnow())
        engine_logins = [p.login for p in seats.iter_licensed_people(conn, "acme", as_of=utcnow())]
    assert total == engine_total == 11
    assert logins == engine_logins


def test_githubkit_reads_license_sync_status(github) -> None:
    data = github.enterprise_admin.get_license_sync_status("acme").parsed_data
    assert [s.hostname for s in data.server_instances] == ["ghes.acme.test", "never.acme.test"]
    assert data.server_instances[0].last_sync.status == "success"


def test_githubkit_reads_advanced_security_committers(github, github_as_org_owner, api_world) -> None:
    ent = github.billing.get_github_advanced_security_billing_ghe(
        "acme", advanced_security_product="secret_protection"
    ).parsed_data
    org = github_as_org_owner.billing.get_github_advanced_security_billing_org("octo").parsed_data
    with api_world.engine.connect() as conn:
        sp = advanced_security.committer_totals(conn, Scope.enterprise("acme"), "secret_protection", as_of=utcnow())
        cs = advanced_security.committer_totals(conn, Scope.org("octo"), "code_security", as_of=utcnow())
    assert ent.total_advanced_security_committers == sp.total_committers == 2
    assert ent.total_count == sp.total_repositories
    assert org.total_advanced_security_committers == cs.total_committers == 3
    assert org.maximum_advanced_security_committers == cs.maximum_committers
    assert [r.name for r in org.repositories] == ["octo/app", "octo/lib"]
    assert org.repositories[0].advanced_security_committers_breakdown[0].user_login == "alice"


def test_githubkit_reads_copilot_seats_and_billing(github, github_as_org_owner, api_world) -> None:
    org_seats = github_as_org_owner.copilot.list_copilot_seats("octo").parsed_data
    details = github_as_org_owner.copilot.get_copilot_organization_details("octo").parsed_data
    ent_seats = github.copilot.list_copilot_seats_for_enterprise("acme").parsed_data
    with api_world.engine.connect() as conn:
        org_total = copilot.copilot_totals(conn, Scope.org("octo"), as_of=utcnow()).breakdown.total
        ent_total = copilot.copilot_totals(conn, Scope.enterprise("acme"), as_of=utcnow()).breakdown.total
    assert org_seats.total_seats == details.seat_breakdown.total == org_total == 3
    assert ent_seats.total_seats == ent_total
    carol = org_seats.seats[2]
    assert carol.assignee.login == "carol" and carol.organization.login == "octo"
    assert carol.assigning_team.slug == "devs"
    assert org_seats.seats[0].last_activity_at is not None and org_seats.seats[0].last_activity_at.tzinfo is not None


def test_githubkit_assigns_and_cancels_seats(github_as_org_owner, api_world) -> None:
    created = github_as_org_owner.copilot.add_copilot_seats_for_users("octo", selected_usernames=["m1"]).parsed_data
    assert created.seats_created == 1
    cancelled = github_as_org_owner.copilot.cancel_copilot_seat_assignment_for_users(
        "octo", selected_usernames=["m1", "alice"]
    ).parsed_data
    assert cancelled.seats_cancelled == 2
