"""The license usage report's whole-enterprise path (one ordered statement, ``stream_all``)
describes every person exactly as the per-batch path (``describe_keys``: the same statement
restricted to each batch of people) does, on a ledger full of edge cases, for the enterprise
and each org."""

from __future__ import annotations

import csv
import datetime as dt
import io
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import Connection, Engine

from seatledger.licensing import Scope, matching, seats
from seatledger.licensing import seat_people
from seatledger.licensing.seat_policy import policy_for
from seatledger.licensing.scope import get_enterprise, org_id_in
from seatledger.reports import write_report

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.factories import AS_OF, T0, EnterpriseBuilder  # noqa: E402

DAY = dt.timedelta(days=1)


def build_rich_ledger(conn: Connection) -> EnterpriseBuilder:
    b = EnterpriseBuilder(conn)
    old = b.org("old-org", created_at=T0 - 100 * DAY)
    b.org("young-org", created_at=T0)
    # members, owners, several orgs, an owner of the enterprise, 2FA and SAML details
    b.member(
        "old-org",
        "alice",
        "owner",
        emails=["alice@example.com"],
        verified_domain_emails=["b@acme.test", "a@acme.test"],
        saml_name_id="alice@idp",
        two_factor_required_by=dt.date(2026, 4, 1),
    )
    b.member("young-org", "alice")
    b.enterprise_role("alice", "owner")
    b.enterprise_role("owner-only", "owner")  # an enterprise owner consuming nothing: no row
    b.member("young-org", "Bob", name='=HYPERLINK("x")', two_factor=None)
    b.member("young-org", "_under", since=T0 + 30 * DAY)
    b.member("young-org", "zoë", name='Zoë, "Z"')
    b.member("old-org", "ended", until=AS_OF - DAY)  # no longer a member: not a person now
    b.member("old-org", "payer", "billing_manager")  # never consumes
    b.member("old-org", "robot", is_bot=True)
    b.member("old-org", "gone", suspended_at=AS_OF - DAY)
    b.member("old-org", "later-suspended", suspended_at=AS_OF + DAY)
    # collaborators: own org's repo (no role), another org's repo, public and fork repos (free)
    b.collaborator("old-org", "secret", "alice")
    b.collaborator("young-org", "vault", "Bob")
    b.collaborator("old-org", "secret", "carol", two_factor=False)
    b.collaborator("young-org", "internal", "carol", visibility="internal", since=T0 - 10 * DAY)
    b.collaborator("young-org", "open", "dave", visibility="public")
    b.collaborator("young-org", "fork", "erin", is_fork=True)
    # invitations: to a known login, a login the ledger does not know, emails, a repository
    b.invite("young-org", login="carol")
    b.invite("young-org", login="ghost-login")
    b.invite("old-org", email="new@example.com")
    b.invite("old-org", email="vs-invite@example.com")
    b.invite("young-org", email="=evil@example.com", repo="vault")
    b.invite("old-org", email="alice@example.com")  # resolves to alice by her verified email
    b.invite("old-org", email="failed@example.com", status="failed")
    b.invite("old-org", email="accepted@example.com", status="accepted", resolved_at=AS_OF - DAY)
    # server accounts: matched by email, unmatched sharing an email across instances, no email
    b.server_account("ghe1.example.com", 11, "alice", "alice@example.com", code_security_user=True)
    b.server_account("ghe2.example.com", 22, "alice2", "alice@example.com", secret_protection_user=True)
    b.server_account(
        "ghe1.example.com", 33, "eve", "eve@example.com", code_security_user=True, secret_protection_user=True
    )
    b.server_account("ghe2.example.com", 44, "eve", "eve@example.com")
    b.server_account("ghe2.example.com", 55, "nomail", None)
    b.server_account("ghe2.example.com", 66, "off", "off@example.com", suspended=True)
    b.server_account("ghe2.example.com", 77, "scim", "scim@example.com", is_scim_setup_user=True)
    # Visual Studio: matched to a cloud account, known only from a server, pending an invitation
    b.user("vs-user", emails=["vs-user@example.com"])
    b.member("old-org", "vs-user")
    b.vs_subscription("vs-user@example.com")
    b.vs_subscription("eve@example.com")
    b.vs_subscription("vs-invite@example.com")
    b.vs_subscription("nobody@example.com")
    b.vs_subscription("inactive@example.com", status="inactive")
    # cost centers: direct, enterprise team, the oldest granting org
    cc_user = b.ledger.add_cost_center(b.id, "Direct, CC", created_at=T0)
    cc_team = b.ledger.add_cost_center(b.id, "Team CC", created_at=T0)
    cc_org = b.ledger.add_cost_center(b.id, "@Old org CC", created_at=T0)
    b.ledger.add_cost_center_resource(cc_user, "User", b.users["Bob"], started_at=T0)
    b.ledger.add_cost_center_resource(cc_org, "Org", old, started_at=T0)
    team = b.ledger.add_team(b.id, "team", members=[b.users["zoë"], b.users["alice"]], created_at=T0)
    b.ledger.add_cost_center_resource(cc_team, "Team", team, started_at=T0)
    # Advanced Security committers, per product
    scanned = b.repo("old-org", "scanned", code_security=True)
    both = b.repo("young-org", "both", code_security=True, secret_protection=True)
    public = b.repo("young-org", "public-scanned", visibility="public", secret_protection=True)
    pushed = AS_OF - 2 * DAY
    b.ledger.add_commits(
        scanned, [{"sha": "a1", "author_email": "alice@example.com", "author_date": pushed, "pushed_at": pushed}]
    )
    b.ledger.add_commits(
        both, [{"sha": "v1", "author_email": "vs-user@example.com", "author_date": pushed, "pushed_at": pushed}]
    )
    b.ledger.add_commits(
        public, [{"sha": "b1", "author_email": "bob@example.com", "author_date": pushed, "pushed_at": pushed}]
    )
    b.ledger.add_commits(
        scanned,
        [
            {
                "sha": "o1",
                "author_email": "vs-user@example.com",
                "author_date": AS_OF - 200 * DAY,
                "pushed_at": AS_OF - 200 * DAY,
            }
        ],
    )  # outside the window
    matching.rematch(conn, b.id)
    return b


def _per_batch(conn: Connection, org: str | None) -> list[seats.LicensedPerson]:
    """The other path: the ordered keys, then each batch of 2 described on its own."""
    info = get_enterprise(conn, "acme")
    policy = policy_for(conn, info)
    org_id = org_id_in(conn, info, org)
    keys = seat_people.ordered_keys(conn, policy, AS_OF, org_id)
    return list(seat_people.describe_keys(conn, policy, AS_OF, keys, batch=2))


@pytest.mark.parametrize("org", [None, "old-org", "young-org"])
def test_the_one_statement_path_describes_everyone_as_the_per_batch_path(engine: Engine, org: str | None) -> None:
    with engine.begin() as conn:
        build_rich_ledger(conn)
    with engine.connect() as conn:
        streamed = list(seats.iter_licensed_people(conn, "acme", org=org, as_of=AS_OF))
        expected = _per_batch(conn, org)
        assert len(streamed) == seats.count_consumed(conn, "acme", org=org, as_of=AS_OF)
    assert [p.key for p in streamed] == [p.key for p in expected]
    for got, want in zip(streamed, expected):
        assert got == want, got.key
    if org is None:  # the ledger does reach the edge cases it was built for
        people = {p.login or p.key: p for p in streamed}
        assert {
            "alice",
            "Bob",
            "carol",
            "ghost-login",
            "invite:new@example.com",
            "server:eve@example.com",
            "invite:vs-invite@example.com",
            "invite:=evil@example.com",
        } <= set(people)
        assert any(k.startswith("server:") and k.endswith(":55") for k in people)  # a server account with no email
        assert not {"ended", "payer", "robot", "gone", "dave", "erin", "owner-only"} & set(people)
        alice = people["alice"]
        assert alice.enterprise_roles == ("Member", "Owner") and alice.total_user_accounts == 3
        assert (alice.code_security_user, alice.cost_center) == (True, "Team CC")
        assert people["Bob"].cost_center == "Direct, CC" and people["carol"].cost_center == "@Old org CC"
        assert people["invite:vs-invite@example.com"].visual_studio_license_status == "Pending Invitation"
        assert people["server:eve@example.com"].license_type == "Visual Studio subscription"
        assert (people["vs-user"].code_security_user, people["vs-user"].secret_protection_user) == (True, True)


@pytest.mark.parametrize("org", [None, "young-org"])
def test_every_page_and_every_single_person_is_described_as_the_whole_list(engine: Engine, org: str | None) -> None:
    """The API's pages (``offset``/``limit``: the ordered keys, then one batch) and a single
    person's row (``licensed_person``) read the same statement as the whole list, restricted to
    their people: pages of 3 put together, and each person looked up alone, are the whole list."""
    with engine.begin() as conn:
        build_rich_ledger(conn)
    with engine.connect() as conn:
        whole = list(seats.iter_licensed_people(conn, "acme", org=org, as_of=AS_OF))
        pages = [
            list(seats.iter_licensed_people(conn, "acme", org=org, as_of=AS_OF, offset=start, limit=3))
            for start in range(0, len(whole), 3)
        ]
        alone = [seats.licensed_person(conn, "acme", p.key, as_of=AS_OF) for p in whole]
    assert len(whole) > 6 and all(len(page) == 3 for page in pages[:-1])
    assert [p for page in pages for p in page] == whole
    assert alone == whole


def test_the_report_rows_are_the_per_batch_descriptions(engine: Engine) -> None:
    from seatledger.reports.license_usage import header, person_row
    from seatledger.reports.writer import iter_csv

    with engine.begin() as conn:
        build_rich_ledger(conn)
    out = io.BytesIO()
    with engine.connect() as conn:
        write_report("license-usage", conn, Scope.enterprise("acme"), out, as_of=AS_OF)
        expected = b"".join(iter_csv(header(), [person_row(p) for p in _per_batch(conn, None)]))
    assert out.getvalue() == expected
    rows = list(csv.reader(io.StringIO(out.getvalue().decode("utf-8"), newline="")))
    assert rows[1][:2] == ["Bob", '\'=HYPERLINK("x")']  # byte order first; a hostile name neutralised
