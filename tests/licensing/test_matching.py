"""Matching server accounts and Visual Studio subscribers to cloud people (spec 2.1)."""

from __future__ import annotations

from typing import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from seatledger.db import tables as t
from seatledger.errors import NotFound
from seatledger.licensing import matching, seats
from tests.factories import AS_OF, EnterpriseBuilder


@pytest.fixture
def conn(engine: Engine) -> Iterator[Connection]:
    with engine.begin() as c:
        yield c


def server_match(conn: Connection, account_id: int) -> tuple[int | None, str | None]:
    sa_ = t.server_accounts
    row = conn.execute(sa.select(sa_.c.matched_user_id, sa_.c.match_rule).where(sa_.c.id == account_id)).one()
    return row.matched_user_id, row.match_rule


def vs_match(conn: Connection, vs_id: int) -> tuple[int | None, str | None]:
    v = t.vs_subscriptions
    row = conn.execute(sa.select(v.c.matched_user_id, v.c.match_rule).where(v.c.id == vs_id)).one()
    return row.matched_user_id, row.match_rule


def test_saml_attributes_beat_verified_emails_when_the_enterprise_uses_saml(conn: Connection) -> None:
    b = EnterpriseBuilder(conn, uses_saml=True)
    by_saml = b.member("octo", "saml_person", saml_name_id="Shared@Example.com")
    b.member("octo", "email_person", emails=["shared@example.com"])
    by_scim = b.member("octo", "scim_person", scim_user_name="SCIM@example.com")
    a1 = b.server_account("ghe.example.com", 1, "shared", "shared@example.com")
    a2 = b.server_account("ghe.example.com", 2, "scim", "scim@example.com")
    result = matching.rematch(conn, b.id)
    assert server_match(conn, a1) == (by_saml, "saml")
    assert server_match(conn, a2) == (by_scim, "saml")
    assert (result.server_accounts_matched_saml, result.server_accounts_matched_email) == (2, 0)


def test_verified_email_matches_when_there_is_no_saml_match(conn: Connection) -> None:
    b = EnterpriseBuilder(conn, uses_saml=True)
    alice = b.member("octo", "alice", emails=["alice@example.com"], saml_name_id="someone-else@idp")
    account = b.server_account("ghe.example.com", 1, "alice", "alice@example.com")
    assert matching.rematch(conn, b.id).server_accounts_matched_email == 1
    assert server_match(conn, account) == (alice, "verified_email")


def test_saml_attributes_are_ignored_when_the_enterprise_does_not_use_saml(conn: Connection) -> None:
    b = EnterpriseBuilder(conn, uses_saml=False)
    b.member("octo", "saml_person", saml_name_id="shared@example.com")
    email_person = b.member("octo", "email_person", emails=["shared@example.com"])
    lonely = b.server_account("ghe.example.com", 2, "x", "only-saml@example.com")
    b.member("octo", "other", saml_name_id="only-saml@example.com")
    account = b.server_account("ghe.example.com", 1, "shared", "shared@example.com")
    matching.rematch(conn, b.id)
    assert server_match(conn, account) == (email_person, "verified_email")
    assert server_match(conn, lonely) == (None, None)


def test_an_unverified_email_never_matches(conn: Connection) -> None:
    b = EnterpriseBuilder(conn)
    b.member("octo", "alice", unverified_emails=["alice@example.com"])
    account = b.server_account("ghe.example.com", 1, "alice", "alice@example.com")
    b.vs_subscription("alice@example.com")
    result = matching.rematch(conn, b.id)
    assert server_match(conn, account) == (None, None)
    assert (result.server_accounts_unmatched, result.vs_matched, result.vs_unmatched) == (1, 0, 1)
    assert seats.count_consumed(conn, "acme", as_of=AS_OF) == 2  # alice, and the server-only person


def test_the_same_primary_email_on_two_instances_is_one_person_matched_or_not(conn: Connection) -> None:
    b = EnterpriseBuilder(conn)
    alice = b.member("octo", "alice", emails=["alice@example.com"])
    a1 = b.server_account("ghe1.example.com", 1, "alice", "alice@example.com")
    a2 = b.server_account("ghe2.example.com", 9, "alice-b", "alice@example.com")
    b.server_account("ghe1.example.com", 2, "eve", "eve@example.com")
    b.server_account("ghe2.example.com", 3, "eve", "eve@example.com")
    matching.rematch(conn, b.id)
    assert server_match(conn, a1) == server_match(conn, a2) == (alice, "verified_email")
    assert seats.count_consumed(conn, "acme", as_of=AS_OF) == 2


def test_a_rematch_follows_changed_emails(conn: Connection) -> None:
    b = EnterpriseBuilder(conn)
    account = b.server_account("ghe.example.com", 1, "alice", "alice@example.com")
    assert matching.rematch(conn, b.id).server_accounts_unmatched == 1
    alice = b.member("octo", "alice")
    b.ledger.add_email(alice, "alice@example.com")
    matching.rematch(conn, b.id)
    assert server_match(conn, account) == (alice, "verified_email")


def test_visual_studio_subscriber_matches_the_account_whose_verified_email_is_the_upn(conn: Connection) -> None:
    b = EnterpriseBuilder(conn)
    alice = b.member("octo", "alice", emails=["alice@example.com"], saml_name_id="vs@example.com")
    v1 = b.vs_subscription("ALICE@example.com")
    v2 = b.vs_subscription("vs@example.com")  # a SAML NameID is no match for a personal-account enterprise
    result = matching.rematch(conn, b.id)
    assert vs_match(conn, v1) == (alice, "verified_email")
    assert vs_match(conn, v2) == (None, None)
    assert (result.vs_matched, result.vs_unmatched) == (1, 1)


def test_managed_enterprise_visual_studio_upn_matches_scim_user_name_or_saml_name_id(conn: Connection) -> None:
    b = EnterpriseBuilder(conn, managed=True)
    by_scim = b.member("octo", "a_acme", scim_user_name="a@corp.example")
    by_saml = b.user("b_acme", saml_name_id="B@corp.example")  # unaffiliated: matched too
    b.member("octo", "c_acme", emails=["c@corp.example"])
    v1, v2, v3 = (b.vs_subscription(e) for e in ("a@corp.example", "b@corp.example", "c@corp.example"))
    matching.rematch(conn, b.id)
    assert vs_match(conn, v1) == (by_scim, "scim")
    assert vs_match(conn, v2) == (by_saml, "scim")
    assert vs_match(conn, v3) == (None, None)


def test_a_manual_visual_studio_match_is_kept_by_a_rematch(conn: Connection) -> None:
    b = EnterpriseBuilder(conn)
    bob = b.member("octo", "bob", emails=["bob@example.com"])
    v = b.vs_subscription("bob.vs@example.com")
    vs = t.vs_subscriptions
    conn.execute(sa.update(vs).where(vs.c.id == v).values(matched_user_id=bob, match_rule="manual"))
    assert matching.rematch(conn, b.id).vs_matched == 1
    assert vs_match(conn, v) == (bob, "manual")


def test_rematch_of_an_unknown_enterprise_is_not_found(conn: Connection) -> None:
    with pytest.raises(NotFound):
        matching.rematch(conn, 12345)
