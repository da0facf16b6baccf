"""What each webhook event writes into the ledger (``ingest/webhook_events.py``): deliveries
signed and posted to a real server, and the one entry point, ``apply_event``, called directly."""

from __future__ import annotations

import copy
import datetime as dt

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from seatledger.db import tables as t
from seatledger.db.ledger import Ledger
from seatledger.ingest.webhook_events import apply_event

from test_ingest_webhooks import PUSHED_AT, _deliver, _payload, _setup, _snapshot

RECEIVED = dt.datetime(2026, 3, 2, 12, 0, 0)


def _version(engine: Engine, enterprise_id: int) -> int | None:
    lv = t.ledger_versions
    with engine.connect() as conn:
        return conn.execute(sa.select(lv.c.version).where(lv.c.enterprise_id == enterprise_id)).scalar()


def test_an_event_without_a_handler_is_noted_as_ignored_and_writes_nothing(engine: Engine) -> None:
    eid, _ = _setup(engine)
    before, version = _snapshot(engine), _version(engine, eid)
    with engine.begin() as conn:
        report = apply_event(conn, eid, "star", {"action": "created"}, RECEIVED)
    assert report.notes == ["event 'star' ignored"] and not report.changed
    assert _snapshot(engine) == before and _version(engine, eid) == version


def test_an_event_applied_again_changes_nothing_and_leaves_the_ledger_version(engine: Engine) -> None:
    eid, _ = _setup(engine)
    added = _payload("organization_member_added")
    with engine.begin() as conn:
        first = apply_event(conn, eid, "organization", added, RECEIVED)
    assert first.created["membership"] == 1 and first.created["user"] == 1
    before, version = _snapshot(engine), _version(engine, eid)
    with engine.begin() as conn:
        again = apply_event(conn, eid, "organization", added, RECEIVED + dt.timedelta(minutes=5))
    assert not again.changed and again.unchanged["membership"] == 1
    assert _snapshot(engine) == before and _version(engine, eid) == version, "nothing changed, so no new ETag"


def test_an_invitation_event_records_a_pending_invitation_with_githubs_role_and_date(engine: Engine) -> None:
    eid, org_id = _setup(engine)
    payload = {
        "action": "member_invited",
        "organization": {"login": "acme-org", "id": 1},
        "invitation": {"login": "octocat", "email": None, "role": "admin", "created_at": "2026-02-27T09:30:00Z"},
        "sender": {"login": "hubot"},
    }
    with engine.begin() as conn:
        report = apply_event(conn, eid, "organization", payload, RECEIVED)
    assert report.created["invitation"] == 1
    with engine.connect() as conn:
        invitation = conn.execute(sa.select(t.invitations)).one()
    assert (invitation.organization_id, invitation.invitee_login, invitation.role, invitation.status) == (
        org_id,
        "octocat",
        "owner",
        "pending",
    ), "GitHub's admin is an owner"
    assert invitation.created_at == dt.datetime(2026, 2, 27, 9, 30)


def test_a_signed_push_records_each_commit_with_the_push_time(engine: Engine, live_server) -> None:
    _setup(engine)
    r = _deliver(live_server.url, "push", _payload("push"), "d-1")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "processed"
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(t.commits.c.sha, t.commits.c.author_email, t.commits.c.author_date, t.commits.c.pushed_at)
        ).all()
        repo = conn.execute(sa.select(t.repositories)).one()
    by_sha = {row.sha: row for row in rows}
    mona = by_sha["0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c"]
    assert mona.author_email == "mona@example.com"
    assert mona.author_date == dt.datetime(2026, 3, 1, 17, 10), "author date in UTC"
    assert {row.pushed_at for row in rows} == {PUSHED_AT}, "pushed_at is the push, not the authoring"
    assert (repo.owner_login, repo.name, repo.visibility) == ("acme-org", "Hello-World", "private")


def test_organization_member_added_then_removed_starts_and_ends_a_membership(engine: Engine, live_server) -> None:
    _, org_id = _setup(engine)
    added = _payload("organization_member_added")
    assert _deliver(live_server.url, "organization", added, "d-add").status_code == 200
    removed = copy.deepcopy(added)
    removed["action"] = "member_removed"
    assert _deliver(live_server.url, "organization", removed, "d-remove").status_code == 200
    with engine.connect() as conn:
        m = conn.execute(sa.select(t.org_memberships)).one()
        login = conn.execute(sa.select(t.users.c.login).where(t.users.c.id == m.user_id)).scalar_one()
    assert (login, m.organization_id, m.role) == ("hubot", org_id, "member")
    assert m.ended_at is not None and m.ended_at >= m.started_at


def test_an_admin_added_to_the_org_becomes_an_owner(engine: Engine, live_server) -> None:
    _setup(engine)
    added = _payload("organization_member_added")
    added["membership"]["role"] = "admin"
    assert _deliver(live_server.url, "organization", added, "d-admin").status_code == 200
    with engine.connect() as conn:
        assert conn.execute(sa.select(t.org_memberships.c.role)).scalar_one() == "owner"


def test_repository_events_change_visibility_and_a_deletion_stops_it_counting(engine: Engine, live_server) -> None:
    eid, org_id = _setup(engine)
    with engine.begin() as conn:
        ledger = Ledger(conn)
        rid = ledger.add_repo(eid, "acme-org", "Hello-World", org_id=org_id, visibility="public", code_security=True)
        ledger.add_collaborator(rid, ledger.add_user(eid, "outsider"))
    assert _deliver(live_server.url, "repository", _payload("repository_privatized"), "d-priv").status_code == 200
    with engine.connect() as conn:
        assert conn.execute(sa.select(t.repositories.c.visibility)).scalar_one() == "private"
    deleted = _payload("repository_privatized")
    deleted["action"] = "deleted"
    assert _deliver(live_server.url, "repository", deleted, "d-del").status_code == 200
    with engine.connect() as conn:
        repo = conn.execute(sa.select(t.repositories)).one()
        collab = conn.execute(sa.select(t.repo_collaborators)).one()
    assert not repo.code_security_enabled and not repo.secret_protection_enabled
    assert collab.ended_at is not None


def test_a_member_event_adds_and_removes_a_repository_collaborator(engine: Engine, live_server) -> None:
    eid, org_id = _setup(engine)
    payload = {
        "action": "added",
        "member": {"login": "octocat", "id": 583231, "type": "User"},
        "changes": {"permission": {"to": "write"}},
        "repository": _payload("push")["repository"],
        "organization": {"login": "acme-org"},
        "sender": {"login": "hubot"},
    }
    assert _deliver(live_server.url, "member", payload, "m-1").status_code == 200
    payload["action"] = "removed"
    assert _deliver(live_server.url, "member", payload, "m-2").status_code == 200
    with engine.connect() as conn:
        collab = conn.execute(sa.select(t.repo_collaborators)).one()
    assert collab.ended_at is not None


def test_a_team_membership_event_adds_the_person_to_the_team(engine: Engine, live_server) -> None:
    _setup(engine)
    payload = {
        "action": "added",
        "scope": "team",
        "member": {"login": "octocat", "id": 583231},
        "team": {"name": "Justice League", "id": 3253328, "slug": "justice-league"},
        "organization": {"login": "acme-org"},
        "sender": {"login": "hubot"},
    }
    assert _deliver(live_server.url, "membership", payload, "t-1").status_code == 200
    with engine.connect() as conn:
        team = conn.execute(sa.select(t.teams)).one()
        members = conn.execute(sa.select(t.team_members)).all()
    assert team.slug == "justice-league" and len(members) == 1


def test_a_repository_event_with_security_settings_turns_the_products_on(engine: Engine, live_server) -> None:
    _setup(engine)
    payload = _payload("repository_privatized")
    payload["action"] = "edited"
    payload["repository"]["security_and_analysis"] = {
        "advanced_security": {"status": "disabled"},
        "code_security": {"status": "enabled"},
        "secret_scanning": {"status": "disabled"},
    }
    assert _deliver(live_server.url, "repository", payload, "d-sec").status_code == 200
    with engine.connect() as conn:
        repo = conn.execute(sa.select(t.repositories)).one()
    assert (repo.code_security_enabled, repo.secret_protection_enabled) == (True, False)


def test_an_organization_new_to_the_ledger_is_added_to_the_payloads_enterprise(engine: Engine, live_server) -> None:
    eid, _ = _setup(engine)
    added = _payload("organization_member_added")
    added["organization"] = {"login": "new-org", "id": 99}
    added["enterprise"] = {"slug": "acme"}
    assert _deliver(live_server.url, "organization", added, "d-new-org").status_code == 200
    with engine.connect() as conn:
        org = conn.execute(sa.select(t.organizations).where(t.organizations.c.login == "new-org")).one()
        assert (
            conn.execute(
                sa.select(sa.func.count())
                .select_from(t.org_memberships)
                .where(t.org_memberships.c.organization_id == org.id)
            ).scalar_one()
            == 1
        )
    assert org.enterprise_id == eid
