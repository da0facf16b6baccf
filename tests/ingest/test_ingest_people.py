"""A people directory file (``ingest/people.py``): people, org roles and collaborators; a re-import
changes nothing, a dropped member is ended, a bad row refuses the file."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ingest_files import acme_with_ada, snapshot
from seatledger.db import tables as t
from seatledger.errors import ImportRejected
from seatledger.ingest.people import ingest_people

PEOPLE_CSV = (
    "login,name,emails,org,role,repo,suspended,two_factor\n"
    "ada,Ada Lovelace,ada@acme.test;ada@home.test,eng,owner,,,true\n"
    "bob,Bob,bob@acme.test bob@old.test,eng,member,,false,false\n"
    "bob,Bob,,ops,billing_manager,,,\n"
    "carl,Carl,carl@contractor.test,eng,outside_collaborator,payments,,\n"
).encode()


def _memberships(engine: Engine) -> set[tuple[str, str, str, bool]]:
    m, u, o = t.org_memberships, t.users, t.organizations
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(u.c.login, o.c.login, m.c.role, m.c.ended_at.is_(None))
            .join(u, u.c.id == m.c.user_id)
            .join(o, o.c.id == m.c.organization_id)
        ).all()
    return {tuple(r) for r in rows}  # type: ignore[misc]


def test_a_people_file_creates_people_orgs_roles_and_collaborators(engine: Engine) -> None:
    acme_with_ada(engine)
    with engine.begin() as conn:
        ingest_people(conn, PEOPLE_CSV, "acme")
    assert _memberships(engine) == {
        ("ada", "eng", "owner", True),
        ("bob", "eng", "member", True),
        ("bob", "ops", "billing_manager", True),
    }
    with engine.connect() as conn:
        emails = set(
            conn.execute(
                sa.select(t.users.c.login, t.user_emails.c.email, t.user_emails.c.is_primary)
                .join(t.user_emails, t.user_emails.c.user_id == t.users.c.id)
                .where(t.users.c.login == "bob")
            ).all()
        )
        collab = conn.execute(
            sa.select(t.repositories.c.owner_login, t.repositories.c.name, t.users.c.login)
            .join(t.repo_collaborators, t.repo_collaborators.c.repository_id == t.repositories.c.id)
            .join(t.users, t.users.c.id == t.repo_collaborators.c.user_id)
        ).one()
        two_factor = dict(conn.execute(sa.select(t.users.c.login, t.users.c.two_factor)).all())
    assert emails == {("bob", "bob@acme.test", True), ("bob", "bob@old.test", False)}
    assert tuple(collab) == ("eng", "payments", "carl")
    assert two_factor["ada"] is True and two_factor["bob"] is False


def test_reimporting_a_people_file_changes_nothing_and_a_dropped_member_is_ended(engine: Engine) -> None:
    acme_with_ada(engine)
    with engine.begin() as conn:
        ingest_people(conn, PEOPLE_CSV, "acme")
    before = snapshot(engine)
    with engine.begin() as conn:
        again = ingest_people(conn, PEOPLE_CSV, "acme")
    assert not again.changed and snapshot(engine) == before
    without_bob = b"\n".join(line for line in PEOPLE_CSV.split(b"\n") if not line.startswith(b"bob,Bob,bob"))
    with engine.begin() as conn:
        ingest_people(conn, without_bob, "acme")
    assert ("bob", "eng", "member", False) in _memberships(engine)
    assert ("bob", "ops", "billing_manager", True) in _memberships(engine)


def test_a_people_file_with_a_bad_role_is_rejected_whole_with_its_line(engine: Engine) -> None:
    acme_with_ada(engine)
    before = snapshot(engine)
    bad = PEOPLE_CSV + b"dan,Dan,dan@acme.test,eng,admin,,,\n"
    with pytest.raises(ImportRejected, match="line 6: role must be one of"):
        with engine.begin() as conn:
            ingest_people(conn, bad, "acme")
    assert snapshot(engine) == before
