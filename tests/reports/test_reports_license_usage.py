"""The enterprise license usage CSV: GitHub's 28 columns, one row per person consuming a seat."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io

from sqlalchemy.engine import Engine

from seatledger.db.ledger import Ledger
from seatledger.licensing import LicensedPerson, Scope
from seatledger.licensing.seats import REASON_ORG_OWNER, REASON_OUTSIDE_COLLABORATOR, REASON_PENDING_INVITATION
from seatledger.reports import write_report
from seatledger.reports.license_usage import header, person_row
from seatledger.reports.writer import iter_csv

from reports_ledger import AS_OF, SmallLedger

SPEC_HEADER = [
    "GitHub com login",
    "GitHub com name",
    "Enterprise server user ids",
    "GitHub com user",
    "Enterprise server user",
    "Visual studio subscription user",
    "License type",
    "GitHub com profile",
    "GitHub com member roles",
    "GitHub com enterprise roles",
    "GitHub com verified domain emails",
    "GitHub com saml name",
    "GitHub com orgs with pending invites",
    "GitHub com two factor auth",
    "GitHub com two factor auth required by date",
    "GitHub com cost center",
    "GitHub com code security license user",
    "GitHub com secret protection license user",
    "Ghe license active",
    "Ghe license start date",
    "Ghe license end date",
    "Enterprise server primary emails",
    "Enterprise server advanced security user ids",
    "Enterprise server code security user ids",
    "Enterprise server secret protection user ids",
    "Visual studio license status",
    "Visual studio subscription email",
    "Total user accounts",
]

ALICE = LicensedPerson(
    key="user:1",
    user_id=1,
    login="alice",
    name='Alice "Al" Ångström, Jr.',
    reasons=(REASON_ORG_OWNER, REASON_OUTSIDE_COLLABORATOR),
    license_type="Enterprise",
    member_roles=("acme-eng:Owner", "acme-ops/infra:Collaborator"),
    enterprise_roles=("Owner",),
    verified_domain_emails=("alice@acme.test",),
    saml_name_id="alice@idp.test",
    orgs_with_pending_invites=("acme-x",),
    two_factor=True,
    two_factor_required_by=dt.date(2024, 6, 1),
    cost_center="R&D, Berlin",
    code_security_user=True,
    secret_protection_user=False,
    license_started_at=dt.datetime(2023, 1, 2, 9, 30),
    license_ended_at=None,
    server_user_ids=("ghes.acme.test:3", "ghes2.acme.test:7"),
    server_primary_emails=("alice@acme.test",),
    server_code_security_user_ids=("ghes.acme.test:3",),
    server_secret_protection_user_ids=("ghes2.acme.test:7",),
    visual_studio_subscription_email=None,
    visual_studio_license_status=None,
    total_user_accounts=3,
)
INVITEE = LicensedPerson(
    key="invite:=cmd@evil.test",
    user_id=None,
    login=None,
    name=None,
    reasons=(REASON_PENDING_INVITATION,),
    license_type="Enterprise",
    member_roles=(),
    enterprise_roles=(),
    verified_domain_emails=(),
    saml_name_id=None,
    orgs_with_pending_invites=("acme-eng",),
    two_factor=None,
    two_factor_required_by=None,
    cost_center=None,
    code_security_user=False,
    secret_protection_user=False,
    license_started_at=dt.datetime(2024, 4, 30),
    license_ended_at=None,
    server_user_ids=(),
    server_primary_emails=(),
    server_code_security_user_ids=(),
    server_secret_protection_user_ids=(),
    visual_studio_subscription_email=None,
    visual_studio_license_status=None,
    total_user_accounts=0,
)


def test_header_is_the_28_spec_columns_in_order() -> None:
    assert header() == SPEC_HEADER


def test_data_residency_header_says_github_instead_of_github_com() -> None:
    assert header(data_residency=True) == [h.replace("GitHub com", "GitHub") for h in SPEC_HEADER]
    assert header(data_residency=True)[0] == "GitHub login"


def test_a_person_row_is_written_exactly_as_github_writes_it() -> None:
    data = b"".join(iter_csv(header(), [person_row(ALICE), person_row(INVITEE)]))
    lines = data.split(b"\r\n")
    assert lines[1] == (
        'alice,"Alice ""Al"" Ångström, Jr.","ghes.acme.test:3, ghes2.acme.test:7",true,true,false,Enterprise,'
        'https://github.com/alice,"acme-eng:Owner, acme-ops/infra:Collaborator",Owner,alice@acme.test,'
        'alice@idp.test,acme-x,true,2024-06-01,"R&D, Berlin",true,false,true,2023-01-02,,alice@acme.test,'
        '"ghes.acme.test:3, ghes2.acme.test:7",ghes.acme.test:3,ghes2.acme.test:7,,,3'
    ).encode("utf-8")
    # Somebody only invited by email: named by the invited email (neutralised: it starts with
    # "="), with the inviting org and the invitation's date; no name or profile yet.
    assert lines[2] == (
        b"'=cmd@evil.test,,,false,false,false,Enterprise,,,,,,acme-eng,,,,false,false,true,2024-04-30,,,,,,,,0"
    )
    assert lines[3] == b""


def test_an_invited_person_with_a_login_has_no_name_or_profile_until_they_accept() -> None:
    invited = dataclasses.replace(INVITEE, key="user:5", user_id=5, login="ivy", name="Ivy")
    cells = person_row(invited)
    assert cells[0] == "ivy" and cells[1] is None and cells[7] is None


def test_data_residency_rows_link_to_ghe_com_and_always_have_an_active_license() -> None:
    ended = dataclasses.replace(ALICE, license_ended_at=dt.datetime(2024, 5, 31))
    cells = person_row(ended, data_residency=True, enterprise_slug="acme")
    assert cells[7] == "https://acme.ghe.com/alice"
    assert cells[18] is True
    assert cells[20] == dt.date(2024, 5, 31)


def test_hostile_names_and_emails_are_neutralised() -> None:
    hostile = dataclasses.replace(
        ALICE,
        name='=HYPERLINK("http://evil.test")',
        saml_name_id="@evil",
        verified_domain_emails=("+1@evil.test",),
        visual_studio_subscription_email="-x@evil.test",
        cost_center="\tcc",
    )
    row = list(csv.reader(io.StringIO(b"".join(iter_csv(header(), [person_row(hostile)])).decode(), newline="")))[1]
    assert row[1] == '\'=HYPERLINK("http://evil.test")'
    assert row[11] == "'@evil"
    assert row[10] == "'+1@evil.test"
    assert row[26] == "'-x@evil.test"
    assert row[15] == "'\tcc"


def _license_usage(engine: Engine, scope: Scope) -> bytes:
    out = io.BytesIO()
    with engine.connect() as conn:
        write_report("license-usage", conn, scope, out, as_of=AS_OF)
    return out.getvalue()


def test_license_usage_distinct_logins_equal_the_engines_consumed_count(
    engine: Engine, small_ledger: SmallLedger
) -> None:
    from seatledger.licensing import seat_totals

    for scope in (Scope.enterprise("acme"), Scope.org("acme-eng"), Scope.org("acme-ops")):
        rows = list(csv.reader(io.StringIO(_license_usage(engine, scope).decode("utf-8"), newline="")))
        assert rows[0] == SPEC_HEADER
        org = scope.name if scope.kind == "organization" else None
        with engine.connect() as conn:
            consumed = seat_totals(conn, "acme", org=org, as_of=AS_OF).consumed
        assert len(rows) - 1 == consumed, scope
        logins = [r[0] for r in rows[1:] if r[0]]
        assert len(set(logins)) == len(logins)  # one row per person; login-less people are rows of their own


def test_organization_license_usage_of_the_small_ledger_is_exact(engine: Engine, small_ledger: SmallLedger) -> None:
    # bob's server account matched his cloud account (same email): one person, two accounts.
    assert _license_usage(engine, Scope.org("acme-ops")) == (
        ",".join(SPEC_HEADER) + "\r\n"
        'bob,"Bob\nBuilder",ghes.acme.test:3,true,true,false,Enterprise,https://github.com/bob,'
        '"acme-eng:Member, acme-ops:Member",Member,,,,true,,,true,true,true,2023-01-01,,bob@acme.test,'
        "ghes.acme.test:3,ghes.acme.test:3,,,,2\r\n"
        "zoë,Zoë,,true,false,false,Enterprise,https://github.com/zoë,acme-ops:Member,Member,,,,true,,,"
        "false,true,true,2023-01-01,,,,,,,,1\r\n"
    ).encode("utf-8")


def test_license_usage_of_the_small_ledger_is_deterministic_and_lists_the_seat_holders(
    engine: Engine, small_ledger: SmallLedger
) -> None:
    first = _license_usage(engine, Scope.enterprise("acme"))
    assert _license_usage(engine, Scope.enterprise("acme")) == first
    logins = [r[0] for r in csv.reader(io.StringIO(first.decode("utf-8"), newline=""))][1:]
    # members and the outside collaborator; not 'ex', who is in no org
    assert {"alice", "bob", "carol", "olly", "zoë"} <= set(logins)
    assert "ex" not in logins


def test_data_residency_enterprise_writes_the_ghe_com_header(engine: Engine) -> None:
    with engine.begin() as conn:
        led = Ledger(conn)
        eid = led.add_enterprise("eu", data_residency=True, created_at=AS_OF - dt.timedelta(days=10))
        org = led.add_org(eid, "eu-org", created_at=AS_OF - dt.timedelta(days=10))
        uid = led.add_user(eid, "erik", emails=["erik@eu.test"], created_at=AS_OF - dt.timedelta(days=10))
        led.add_membership(org, uid, started_at=AS_OF - dt.timedelta(days=10))
    rows = list(csv.reader(io.StringIO(_license_usage(engine, Scope.enterprise("eu")).decode("utf-8"), newline="")))
    assert rows[0] == header(data_residency=True)
    assert rows[1][0] == "erik" and rows[1][7] == "https://eu.ghe.com/erik"


def test_a_seat_held_only_through_an_email_invitation_is_named_by_the_invited_email(engine: Engine) -> None:
    with engine.begin() as conn:
        led = Ledger(conn)
        eid = led.add_enterprise("inv", created_at=AS_OF - dt.timedelta(days=30))
        org = led.add_org(eid, "inv-eng", created_at=AS_OF - dt.timedelta(days=30))
        led.add_invitation(org, email="New.Hire@Example.test", created_at=AS_OF - dt.timedelta(days=3))
    rows = list(csv.reader(io.StringIO(_license_usage(engine, Scope.enterprise("inv")).decode("utf-8"), newline="")))
    (row,) = rows[1:]
    named = dict(zip(rows[0], row))
    assert named["GitHub com login"] == "new.hire@example.test"
    assert named["GitHub com orgs with pending invites"] == "inv-eng", "the inviting org"
    assert named["Ghe license start date"] == (AS_OF - dt.timedelta(days=3)).date().isoformat(), "since the invitation"
    assert named["GitHub com profile"] == "" and named["GitHub com user"] == "false", "no account yet"
