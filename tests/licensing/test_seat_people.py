"""The people consuming a seat, described whole (the usage report's and the consumed-licenses
API's rows), and the per-person explanation of why somebody is billable."""

from __future__ import annotations

import datetime as dt
from typing import Iterator

import pytest
from sqlalchemy.engine import Connection, Engine

from seatledger.errors import NotFound
from seatledger.licensing import matching, seats
from tests.factories import AS_OF, T0, EnterpriseBuilder


@pytest.fixture
def conn(engine: Engine) -> Iterator[Connection]:
    with engine.begin() as c:
        yield c


@pytest.fixture
def b(conn: Connection) -> EnterpriseBuilder:
    return EnterpriseBuilder(conn)


def people(conn: Connection, **kw: object) -> dict[str, seats.LicensedPerson]:
    return {p.login or p.key: p for p in seats.iter_licensed_people(conn, "acme", as_of=AS_OF, **kw)}  # type: ignore[arg-type]


def test_member_roles_enterprise_roles_and_pending_invites_describe_each_person(
    conn: Connection, b: EnterpriseBuilder
) -> None:
    b.member(
        "org1", "alice", "owner", two_factor=True, two_factor_required_by=dt.date(2026, 4, 1), saml_name_id="alice@idp"
    )
    b.member("org2", "alice", "member")
    b.collaborator("org1", "r1", "alice")  # a member's own repo access is not an outside-collaborator role
    b.collaborator("org2", "secret", "carol", two_factor=False)
    b.enterprise_role("alice", "owner")
    b.invite("org3", login="alice")
    b.invite("org3", repo="x", login="carol")  # a repository invitation is not an org invite
    p = people(conn)
    alice, carol = p["alice"], p["carol"]
    assert alice.member_roles == ("org1:Owner", "org2:Member")
    assert alice.enterprise_roles == ("Member", "Owner")
    assert alice.orgs_with_pending_invites == ("org3",)
    assert alice.reasons == ("org_member", "org_owner", "outside_collaborator", "pending_invitation")
    assert (alice.name, alice.saml_name_id, alice.two_factor, alice.two_factor_required_by) == (
        "Alice",
        "alice@idp",
        True,
        dt.date(2026, 4, 1),
    )
    assert (alice.github_com_user, alice.total_user_accounts, alice.license_type) == (True, 1, "Enterprise")
    assert carol.member_roles == ("org2/secret:Collaborator",)
    assert carol.enterprise_roles == ("Outside collaborator",)
    assert (carol.orgs_with_pending_invites, carol.two_factor) == ((), False)


def test_managed_enterprise_labels_collaborators_repository_collaborators(conn: Connection) -> None:
    b = EnterpriseBuilder(conn, managed=True)
    b.collaborator("octo", "secret", "carol_acme")
    assert people(conn)["carol_acme"].enterprise_roles == ("Repository collaborator",)


def test_verified_domain_emails_are_listed_and_other_emails_are_not(conn: Connection, b: EnterpriseBuilder) -> None:
    b.member("octo", "alice", emails=["alice@gmail.com"], verified_domain_emails=["alice@acme.com", "a@acme.com"])
    assert people(conn)["alice"].verified_domain_emails == ("a@acme.com", "alice@acme.com")


def test_license_started_at_is_the_earliest_start_among_reasons_holding_now(
    conn: Connection, b: EnterpriseBuilder
) -> None:
    b.member("octo", "alice", since=T0 + dt.timedelta(days=30))
    b.member("old", "alice", since=T0, until=T0 + dt.timedelta(days=5))  # ended: not a reason now
    b.collaborator("other", "r", "alice", since=T0 + dt.timedelta(days=10))
    p = people(conn)["alice"]
    assert (p.license_started_at, p.license_ended_at) == (T0 + dt.timedelta(days=10), None)


def test_server_accounts_give_server_ids_emails_and_the_account_count(conn: Connection, b: EnterpriseBuilder) -> None:
    b.member("octo", "alice", emails=["alice@example.com"])
    b.server_account("ghe1.example.com", 11, "alice", "alice@example.com", code_security_user=True)
    b.server_account("ghe2.example.com", 22, "alice2", "alice@example.com", secret_protection_user=True)
    b.server_account("ghe2.example.com", 33, "eve", "eve@example.com")
    matching.rematch(conn, b.id)
    p = people(conn)
    alice, eve = p["alice"], p["server:eve@example.com"]
    assert alice.server_user_ids == ("ghe1.example.com:11", "ghe2.example.com:22")
    assert alice.server_code_security_user_ids == ("ghe1.example.com:11",)
    assert alice.server_secret_protection_user_ids == ("ghe2.example.com:22",)
    assert (alice.total_user_accounts, alice.enterprise_server_user) == (3, True)
    assert (eve.login, eve.user_id, eve.github_com_user, eve.total_user_accounts) == (None, None, False, 1)
    assert eve.server_primary_emails == ("eve@example.com",)


def test_visual_studio_fields_show_the_matched_subscription(conn: Connection, b: EnterpriseBuilder) -> None:
    b.member("octo", "alice", emails=["alice@example.com"])
    b.vs_subscription("alice@example.com")
    b.invite("octo", email="pending@example.com")
    b.vs_subscription("pending@example.com")
    matching.rematch(conn, b.id)
    p = people(conn)
    alice, pending = p["alice"], p["invite:pending@example.com"]
    assert alice.visual_studio_subscription_user is True
    assert (alice.visual_studio_subscription_email, alice.visual_studio_license_status) == (
        "alice@example.com",
        "Matched",
    )
    assert pending.license_type == "Enterprise"
    assert (pending.visual_studio_subscription_email, pending.visual_studio_license_status) == (
        "pending@example.com",
        "Pending Invitation",
    )


def test_cost_center_is_the_direct_one_then_the_enterprise_team_then_the_oldest_granting_org(
    conn: Connection, b: EnterpriseBuilder
) -> None:
    old = b.org("old", created_at=T0 - dt.timedelta(days=100))
    b.org("young", created_at=T0)
    direct = b.member("young", "direct")
    b.member("old", "direct")
    teamed = b.member("young", "teamed")
    b.member("old", "byorg")
    b.member("young", "byorg")
    b.member("young", "nothing")
    cc_user = b.ledger.add_cost_center(b.id, "Direct CC", created_at=T0)
    cc_team1 = b.ledger.add_cost_center(b.id, "First team CC", created_at=T0)
    cc_team2 = b.ledger.add_cost_center(b.id, "Second team CC", created_at=T0)
    cc_org = b.ledger.add_cost_center(b.id, "Old org CC", created_at=T0)
    b.ledger.add_cost_center_resource(cc_user, "User", direct, started_at=T0)
    b.ledger.add_cost_center_resource(cc_org, "Org", old, started_at=T0)
    second = b.ledger.add_team(b.id, "second", members=[teamed, direct], created_at=T0 + dt.timedelta(days=1))
    first = b.ledger.add_team(b.id, "first", members=[teamed], created_at=T0)
    b.ledger.add_cost_center_resource(cc_team2, "Team", second, started_at=T0)
    b.ledger.add_cost_center_resource(cc_team1, "Team", first, started_at=T0)
    p = people(conn)
    assert p["direct"].cost_center == "Direct CC"
    assert p["teamed"].cost_center == "First team CC"
    assert p["byorg"].cost_center == "Old org CC"
    assert p["nothing"].cost_center is None


def test_people_are_ordered_by_login_then_others_by_key_and_page_through_batches(
    conn: Connection, b: EnterpriseBuilder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(seats, "PEOPLE_BATCH", 2)  # several batches out of a handful of people
    for login in ("zed", "Bob", "alice", "_under", "carol-x", "carol"):
        b.member("octo", login)
    b.invite("octo", email="b@example.com")
    b.invite("octo", email="a@example.com")
    b.server_account("ghe.example.com", 1, "eve", "eve@example.com")
    order = [p.login or p.key for p in seats.iter_licensed_people(conn, "acme", as_of=AS_OF)]
    assert order == [
        "Bob",
        "_under",
        "alice",
        "carol",
        "carol-x",
        "zed",  # byte order: the same on both databases
        "invite:a@example.com",
        "invite:b@example.com",
        "server:eve@example.com",
    ]
    pages = [
        [p.login or p.key for p in seats.iter_licensed_people(conn, "acme", as_of=AS_OF, offset=o, limit=4)]
        for o in (0, 4, 8)
    ]
    assert sum(pages, []) == order


def test_advanced_security_committer_flags_come_from_the_advanced_security_engine(
    conn: Connection, b: EnterpriseBuilder
) -> None:
    alice = b.member("octo", "alice", emails=["alice@example.com"])
    b.member("octo", "bob", emails=["bob@example.com"])
    repo = b.repo("octo", "scanned", code_security=True)
    b.ledger.add_commits(
        repo,
        [
            {
                "sha": "a1",
                "author_email": "alice@example.com",
                "author_date": AS_OF - dt.timedelta(days=3),
                "pushed_at": AS_OF - dt.timedelta(days=2),
            }
        ],
    )
    p = people(conn)
    assert alice == p["alice"].user_id
    assert (p["alice"].code_security_user, p["alice"].secret_protection_user) == (True, False)
    assert (p["bob"].code_security_user, p["bob"].secret_protection_user) == (False, False)
    b.member("octo", "after")  # the connection still writes normally afterwards (no streaming left on)


def test_the_whole_list_counts_its_committers_on_a_connection_of_its_own_beside_the_ordered_statement(
    engine: Engine,
) -> None:
    import threading

    from sqlalchemy import event

    with engine.begin() as c:  # committed: another connection sees it
        b = EnterpriseBuilder(c)
        b.member("octo", "alice", emails=["alice@example.com"])
        b.member("octo", "bob", emails=["bob@example.com"])
        repo = b.repo("octo", "scanned", secret_protection=True)
        b.ledger.add_commits(
            repo,
            [
                {
                    "sha": "b1",
                    "author_email": "bob@example.com",
                    "author_date": AS_OF - dt.timedelta(days=3),
                    "pushed_at": AS_OF - dt.timedelta(days=2),
                }
            ],
        )
    checked_out_by: list[str] = []

    def checkout(*_: object) -> None:
        checked_out_by.append(threading.current_thread().name)

    event.listen(engine, "checkout", checkout)
    try:
        with engine.connect() as conn:
            p = people(conn)
    finally:
        event.remove(engine, "checkout", checkout)
    assert (p["bob"].code_security_user, p["bob"].secret_protection_user) == (False, True)
    assert (p["alice"].code_security_user, p["alice"].secret_protection_user) == (False, False)
    assert [name for name in checked_out_by if name.startswith("committers")]  # the side connection's thread


# -- explanation ------------------------------------------------------------------------------
def test_explain_names_every_rule_that_makes_a_person_billable(conn: Connection, b: EnterpriseBuilder) -> None:
    b.member("octo", "alice", "owner", emails=["alice@example.com"])
    b.collaborator("other", "secret", "alice")
    b.invite("third", login="alice")
    b.server_account("ghe.example.com", 7, "alice", "alice@example.com")
    b.vs_subscription("alice@example.com")
    matching.rematch(conn, b.id)
    got = {r.reason: r for r in seats.explain(conn, "acme", "alice", AS_OF)}
    assert sorted(got) == ["org_owner", "outside_collaborator", "pending_invitation", "server_user", "visual_studio"]
    assert got["org_owner"].organization == "octo"
    assert got["org_owner"].detail == "owner of organization octo since 2026-01-01"
    assert got["outside_collaborator"].repository == "other/secret"
    assert got["pending_invitation"].invitation_id is not None and got["pending_invitation"].organization == "third"
    assert got["server_user"].server_account == "ghe.example.com:7"
    assert "matched by verified email" in got["server_user"].detail
    assert got["visual_studio"].visual_studio_email == "alice@example.com"


def test_explain_finds_server_only_and_invited_people_by_email(conn: Connection, b: EnterpriseBuilder) -> None:
    b.server_account("ghe.example.com", 7, "eve", "eve@example.com")
    b.invite("octo", email="new@example.com")
    (server,) = seats.explain(conn, "acme", "EVE@example.com", AS_OF)
    (invite,) = seats.explain(conn, "acme", "new@example.com", AS_OF)
    assert (server.reason, server.person_key) == ("server_user", "server:eve@example.com")
    assert (invite.reason, invite.person_key) == ("pending_invitation", "invite:new@example.com")
    assert "sent to new@example.com" in invite.detail


def test_explain_is_empty_for_someone_who_does_not_consume_and_unknown_logins_are_not_found(
    conn: Connection, b: EnterpriseBuilder
) -> None:
    b.member("octo", "payer", "billing_manager")
    assert seats.explain(conn, "acme", "payer", AS_OF) == []
    with pytest.raises(NotFound):
        seats.explain(conn, "acme", "nobody", AS_OF)
