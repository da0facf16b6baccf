"""People known only by an email: the login it gives (or none rather than a guess), a login
free in the enterprise, and which emails are already somebody's verified email."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from seatledger.ingest.identities import login_from_identity, unique_login, verified_email_owners
from tests.factories import EnterpriseBuilder


@pytest.mark.parametrize(
    ("email", "login"),
    [
        ("Jane.Doe@x.test", "jane-doe"),
        ("jane+ci@x.test", "jane"),  # sub-addressing
        ("12345+OctoCat@users.noreply.github.com", "octocat"),
        ("a__b--c@x.test", "a-b-c"),
        ("=cmd@x.test", None),
        ("-lead@x.test", None),
        ("jöhn@x.test", None),
        ("x" * 40 + "@x.test", None),
        ("no-at-sign", None),
    ],
)
def test_an_email_gives_a_login_only_when_it_spells_a_github_one(email: str, login: str | None) -> None:
    assert login_from_identity(email) == login


def test_a_taken_login_gets_the_next_free_number(engine: Engine) -> None:
    with engine.begin() as conn:
        b = EnterpriseBuilder(conn)
        assert unique_login(conn, b.id, "jane") == "jane"
        b.user("jane"), b.user("jane-2")
        assert unique_login(conn, b.id, "jane") == "jane-3"
        other = EnterpriseBuilder(conn, "other")
        assert unique_login(conn, other.id, "jane") == "jane"  # per enterprise


def test_only_verified_emails_of_the_enterprises_accounts_have_owners(engine: Engine) -> None:
    with engine.begin() as conn:
        b = EnterpriseBuilder(conn)
        ann = b.user("ann", emails=["ann@x.test"], unverified_emails=["maybe@x.test"])
        EnterpriseBuilder(conn, "other").user("zed", emails=["zed@x.test"])
        emails = ["ann@x.test", "maybe@x.test", "zed@x.test", "nobody@x.test"]
        assert verified_email_owners(conn, b.id, emails) == {"ann@x.test": ann}
