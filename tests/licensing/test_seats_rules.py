"""Who consumes an Enterprise seat and who does not (spec 2.1), one rule per test, each on a
small hand-made ledger at a fixed instant, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from typing import Iterator

import pytest
from sqlalchemy.engine import Connection, Engine

from seatledger.licensing import matching, seats
from tests.factories import AS_OF, T0, EnterpriseBuilder

LATER = AS_OF + dt.timedelta(days=1)
EARLIER = AS_OF - dt.timedelta(days=1)


@pytest.fixture
def conn(engine: Engine) -> Iterator[Connection]:
    with engine.begin() as c:
        yield c


@pytest.fixture
def b(conn: Connection) -> EnterpriseBuilder:
    return EnterpriseBuilder(conn)


def consumers(conn: Connection, slug: str = "acme", *, as_of: dt.datetime = AS_OF, **kw: object) -> list[str]:
    """Login (or key, for people without a cloud login) of everyone consuming; also checks
    that the streamed people and the SQL count agree."""
    people = list(seats.iter_licensed_people(conn, slug, as_of=as_of, **kw))  # type: ignore[arg-type]
    assert seats.count_consumed(conn, slug, as_of=as_of, **kw) == len(people)  # type: ignore[arg-type]
    return [p.login or p.key for p in people]


# -- consumes ---------------------------------------------------------------------------------
def test_org_members_and_owners_consume(conn: Connection, b: EnterpriseBuilder) -> None:
    b.member("octo", "alice", "owner")
    b.member("octo", "bob", "member")
    b.member("other", "bob", "member")  # two orgs, still one license
    assert consumers(conn) == ["alice", "bob"]


def test_dormant_user_in_an_org_consumes(conn: Connection, b: EnterpriseBuilder) -> None:
    b.member("octo", "sleepy", dormant=True)
    assert consumers(conn) == ["sleepy"]


def test_enterprise_owner_in_an_org_consumes_and_in_no_org_does_not(conn: Connection, b: EnterpriseBuilder) -> None:
    b.enterprise_role("boss", "owner")
    b.member("octo", "boss")
    b.enterprise_role("ghost", "owner")
    assert consumers(conn) == ["boss"]


def test_outside_collaborator_on_private_and_internal_repos_consumes_once_per_person(
    conn: Connection, b: EnterpriseBuilder
) -> None:
    b.collaborator("octo", "secret", "carol")
    b.collaborator("octo", "inner", "carol", visibility="internal")
    b.collaborator("other", "vault", "carol")
    assert consumers(conn) == ["carol"]


def test_outside_collaborator_on_a_public_repo_or_a_fork_does_not_consume(
    conn: Connection, b: EnterpriseBuilder
) -> None:
    b.collaborator("octo", "open", "pub", visibility="public")
    b.collaborator("octo", "forked", "forker", is_fork=True)
    assert consumers(conn) == []


def test_pending_org_invitation_to_an_unknown_email_consumes_as_its_own_person(
    conn: Connection, b: EnterpriseBuilder
) -> None:
    b.invite("octo", email="New.Person@Example.com")
    b.invite("other", email="new.person@example.com")  # same person invited twice: one seat
    assert consumers(conn) == ["invite:new.person@example.com"]


def test_pending_org_invitation_to_someone_already_consuming_costs_no_extra_license(
    conn: Connection, b: EnterpriseBuilder
) -> None:
    b.member("octo", "alice", emails=["alice@example.com"])
    b.invite("other", login="alice")  # by username
    b.invite("third", email="alice@example.com")  # by a verified email
    assert consumers(conn) == ["alice"]


def test_pending_org_invitation_by_username_makes_a_known_user_consume(conn: Connection, b: EnterpriseBuilder) -> None:
    b.user("newbie")  # in the enterprise, in no org yet
    b.invite("octo", login="newbie")
    assert consumers(conn) == ["newbie"]


def test_pending_org_invitation_to_an_unverified_email_is_a_separate_person(
    conn: Connection, b: EnterpriseBuilder
) -> None:
    b.member("octo", "alice", unverified_emails=["maybe@example.com"])
    b.invite("octo", email="maybe@example.com")
    assert consumers(conn) == ["alice", "invite:maybe@example.com"]


def test_pending_repository_invitation_by_username_costs_no_extra_license(
    conn: Connection, b: EnterpriseBuilder
) -> None:
    b.member("octo", "alice")
    b.invite("octo", repo="secret", login="alice")
    b.user("outsider")
    b.invite("octo", repo="secret", login="outsider")  # not yet consuming: now they do
    assert consumers(conn) == ["alice", "outsider"]


def test_pending_repository_invitation_by_email_takes_a_temporary_seat_even_with_access(
    conn: Connection, b: EnterpriseBuilder
) -> None:
    b.member("octo", "alice", emails=["alice@example.com"])
    b.invite("octo", repo="secret", email="alice@example.com")
    assert consumers(conn) == ["alice", "invite:alice@example.com"]


def test_invitation_consumes_only_while_pending(conn: Connection, b: EnterpriseBuilder) -> None:
    b.invite("octo", email="future@example.com", created_at=LATER)
    b.invite("octo", email="accepted-before@example.com", status="accepted", resolved_at=EARLIER)
    b.invite("octo", email="accepted-after@example.com", status="accepted", resolved_at=LATER)
    assert consumers(conn) == ["invite:accepted-after@example.com"]


def test_failed_invitation_does_not_consume(conn: Connection, b: EnterpriseBuilder) -> None:
    b.invite("octo", email="bounced@example.com", status="failed", resolved_at=EARLIER)
    b.invite("octo", email="undated@example.com", status="failed")
    assert consumers(conn) == []


def test_billing_manager_invitation_and_public_repo_invitation_do_not_consume(
    conn: Connection, b: EnterpriseBuilder
) -> None:
    b.invite("octo", email="money@example.com", role="billing_manager")
    b.invite("octo", repo="open", visibility="public", email="visitor@example.com")
    assert consumers(conn) == []


def test_metered_setting_decides_whether_pending_org_invitations_consume(conn: Connection) -> None:
    b = EnterpriseBuilder(conn, pending_invites_consume_metered=False)
    b.invite("octo", email="org-invite@example.com")
    b.invite("octo", repo="secret", email="repo-invite@example.com")
    # Metered (no product row) with the setting off: only the repository invitation consumes.
    assert consumers(conn) == ["invite:repo-invite@example.com"]
    b.volume(10)  # volume billing: pending org invitations always consume
    assert consumers(conn) == ["invite:org-invite@example.com", "invite:repo-invite@example.com"]


def test_managed_user_enterprise_invitations_never_consume(conn: Connection) -> None:
    b = EnterpriseBuilder(conn, managed=True)
    b.invite("octo", email="someone@example.com")
    b.invite("octo", repo="secret", email="other@example.com")
    b.member("octo", "alice_acme")
    assert consumers(conn) == ["alice_acme"]


# -- does not consume -------------------------------------------------------------------------
def test_billing_managers_do_not_consume(conn: Connection, b: EnterpriseBuilder) -> None:
    b.enterprise_role("payer", "billing_manager")
    b.member("octo", "orgpayer", "billing_manager")
    assert consumers(conn) == []


def test_suspended_user_stops_consuming_when_suspended(conn: Connection, b: EnterpriseBuilder) -> None:
    b.member("octo", "gone", suspended_at=EARLIER)
    b.member("octo", "soon", suspended_at=LATER)
    assert consumers(conn) == ["soon"]
    assert consumers(conn, as_of=EARLIER - dt.timedelta(hours=1)) == ["gone", "soon"]


def test_bots_do_not_consume(conn: Connection, b: EnterpriseBuilder) -> None:
    b.member("octo", "dependabot", is_bot=True)
    assert consumers(conn) == []


def test_the_user_who_set_up_the_enterprise_does_not_consume(conn: Connection, b: EnterpriseBuilder) -> None:
    setup = b.member("octo", "acme_admin", "owner")
    b.ledger.set_setup_user(b.id, setup)
    assert consumers(conn) == []


def test_ended_membership_does_not_consume(conn: Connection, b: EnterpriseBuilder) -> None:
    b.member("octo", "left", until=EARLIER)
    b.member("octo", "leaving", until=LATER)
    b.member("octo", "joining", since=LATER)
    assert consumers(conn) == ["leaving"]


def test_an_enterprise_counts_only_its_own_people(conn: Connection, b: EnterpriseBuilder) -> None:
    b.member("octo", "alice")
    other = EnterpriseBuilder(conn, "globex")
    other.member("gx", "zed")
    assert consumers(conn) == ["alice"]
    assert consumers(conn, "globex") == ["zed"]


# -- server accounts --------------------------------------------------------------------------
def test_active_server_accounts_consume(conn: Connection, b: EnterpriseBuilder) -> None:
    b.server_account("ghe.example.com", 5, "eve", "eve@example.com", dormant=True)
    assert consumers(conn) == ["server:eve@example.com"]


def test_suspended_server_accounts_and_the_scim_setup_user_do_not_consume(
    conn: Connection, b: EnterpriseBuilder
) -> None:
    b.server_account("ghe.example.com", 5, "away", "away@example.com", suspended=True)
    b.server_account("ghe.example.com", 6, "scim-admin", "scim@example.com")
    assert consumers(conn) == []


def test_server_account_matched_to_a_cloud_user_is_one_license(conn: Connection, b: EnterpriseBuilder) -> None:
    b.member("octo", "alice", emails=["alice@example.com"])
    b.server_account("ghe.example.com", 5, "alice", "alice@example.com")
    matching.rematch(conn, b.id)
    assert consumers(conn) == ["alice"]


def test_unmatched_server_accounts_sharing_a_primary_email_across_instances_are_one_person(
    conn: Connection, b: EnterpriseBuilder
) -> None:
    b.server_account("ghe1.example.com", 5, "eve", "eve@example.com")
    b.server_account("ghe2.example.com", 77, "eve-b", "eve@example.com")
    b.server_account("ghe2.example.com", 78, "frank", "frank@example.com")
    matching.rematch(conn, b.id)
    assert consumers(conn) == ["server:eve@example.com", "server:frank@example.com"]


# -- Visual Studio ----------------------------------------------------------------------------
def test_visual_studio_subscriber_matched_to_a_user_consumes_a_vs_license_even_in_no_org(
    conn: Connection, b: EnterpriseBuilder
) -> None:
    b.user("unaffiliated", emails=["vs@example.com"])
    b.member("octo", "alice", emails=["alice@example.com"])
    b.vs_subscription("vs@example.com")
    b.vs_subscription("alice@example.com")
    matching.rematch(conn, b.id)
    people = {p.login: p for p in seats.iter_licensed_people(conn, "acme", as_of=AS_OF)}
    assert sorted(people) == ["alice", "unaffiliated"]
    assert {p.license_type for p in people.values()} == {seats.LICENSE_TYPE_VISUAL_STUDIO}


def test_unmatched_or_inactive_visual_studio_subscribers_do_not_consume(conn: Connection, b: EnterpriseBuilder) -> None:
    b.vs_subscription("nobody@example.com")
    b.user("lapsed", emails=["lapsed@example.com"])
    b.vs_subscription("lapsed@example.com", status="inactive")
    matching.rematch(conn, b.id)
    assert consumers(conn) == []


def test_server_only_visual_studio_subscriber_matches_by_server_primary_email(
    conn: Connection, b: EnterpriseBuilder
) -> None:
    b.server_account("ghe.example.com", 5, "eve", "eve@example.com")
    b.vs_subscription("eve@example.com")
    matching.rematch(conn, b.id)
    (person,) = list(seats.iter_licensed_people(conn, "acme", as_of=AS_OF))
    assert person.key == "server:eve@example.com"
    assert person.license_type == seats.LICENSE_TYPE_VISUAL_STUDIO
    assert seats.count_consumed(conn, "acme", as_of=AS_OF) == 1


def test_counting_at_a_past_instant_uses_what_held_then(conn: Connection, b: EnterpriseBuilder) -> None:
    b.member("octo", "early", until=T0 + dt.timedelta(days=10))
    b.member("octo", "late", since=T0 + dt.timedelta(days=20))
    assert consumers(conn, as_of=T0 + dt.timedelta(days=5)) == ["early"]
    assert consumers(conn, as_of=T0 + dt.timedelta(days=25)) == ["late"]


def test_an_invitation_to_a_bot_or_the_setup_user_does_not_consume(conn: Connection, b: EnterpriseBuilder) -> None:
    b.user("robot", is_bot=True, emails=["robot@example.com"])
    setup = b.user("acme_admin")
    b.ledger.set_setup_user(b.id, setup)
    b.invite("octo", login="robot")
    b.invite("octo", email="robot@example.com")
    b.invite("octo", login="acme_admin")
    assert consumers(conn) == []
