"""``POST /webhooks/github`` through a real server: signatures, replays, and what each event writes."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from seatledger.db import tables as t
from seatledger.db.ledger import Ledger
from seatledger.ingest.webhooks import signature_for

DATA = Path(__file__).parent.parent / "data" / "github" / "webhooks"
SECRET = "It's a Secret to Everybody"
PUSHED_AT = dt.datetime(2026, 3, 2, 10, 5, 0)  # repository.pushed_at of push.json


def _payload(name: str) -> dict[str, Any]:
    return json.loads((DATA / f"{name}.json").read_text())


def _setup(engine: Engine) -> tuple[int, int]:
    with engine.begin() as conn:
        ledger = Ledger(conn)
        eid = ledger.add_enterprise("acme")
        ledger.set_webhook_secret(eid, SECRET)
        oid = ledger.add_org(eid, "acme-org")
        return eid, oid


def _deliver(url: str, event: str, payload: dict[str, Any], delivery: str, *, secret: str | None = SECRET,
             signature: str | None = None) -> httpx.Response:
    body = json.dumps(payload).encode()
    headers = {"X-GitHub-Event": event, "X-GitHub-Delivery": delivery, "Content-Type": "application/json"}
    if signature is not None:
        headers["X-Hub-Signature-256"] = signature
    elif secret is not None:
        headers["X-Hub-Signature-256"] = signature_for(secret, body)
    return httpx.post(f"{url}/webhooks/github", content=body, headers=headers, timeout=10)


def _snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    names = ("users", "org_memberships", "repositories", "commits", "ingest_runs", "repo_collaborators", "invitations")
    with engine.connect() as conn:
        return {n: sorted(map(tuple, conn.execute(sa.select(t.metadata.tables[n])).all()), key=repr) for n in names}


def test_a_signed_push_records_each_commit_with_the_push_time(engine: Engine, live_server) -> None:
    _setup(engine)
    r = _deliver(live_server.url, "push", _payload("push"), "d-1")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "processed"
    with engine.connect() as conn:
        rows = conn.execute(sa.select(t.commits.c.sha, t.commits.c.author_email, t.commits.c.author_date,
                                      t.commits.c.pushed_at)).all()
        repo = conn.execute(sa.select(t.repositories)).one()
    by_sha = {row.sha: row for row in rows}
    mona = by_sha["0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c"]
    assert mona.author_email == "mona@example.com"
    assert mona.author_date == dt.datetime(2026, 3, 1, 17, 10), "author date in UTC"
    assert {row.pushed_at for row in rows} == {PUSHED_AT}, "pushed_at is the push, not the authoring"
    assert (repo.owner_login, repo.name, repo.visibility) == ("acme-org", "Hello-World", "private")


def test_a_forged_signature_gets_401_and_writes_nothing(engine: Engine, live_server) -> None:
    _setup(engine)
    before = _snapshot(engine)
    r = _deliver(live_server.url, "push", _payload("push"), "d-forged", secret="not the secret")
    assert r.status_code == 401
    assert set(r.json()) >= {"message", "documentation_url"}
    assert _snapshot(engine) == before


def test_a_missing_signature_gets_401_and_writes_nothing(engine: Engine, live_server) -> None:
    _setup(engine)
    before = _snapshot(engine)
    r = _deliver(live_server.url, "push", _payload("push"), "d-unsigned", secret=None)
    assert r.status_code == 401
    assert _snapshot(engine) == before


def test_a_body_changed_after_signing_gets_401(engine: Engine, live_server) -> None:
    _setup(engine)
    payload = _payload("push")
    good = signature_for(SECRET, json.dumps(payload).encode())
    payload["commits"][0]["author"]["email"] = "mallory@example.com"
    before = _snapshot(engine)
    r = _deliver(live_server.url, "push", payload, "d-tampered", signature=good)
    assert r.status_code == 401
    assert _snapshot(engine) == before


def test_a_replayed_delivery_answers_200_and_writes_nothing(engine: Engine, live_server) -> None:
    _setup(engine)
    assert _deliver(live_server.url, "push", _payload("push"), "d-replay").status_code == 200
    after_first = _snapshot(engine)
    # Same delivery id, even with a validly signed different body: processed once only.
    other = copy.deepcopy(_payload("push"))
    other["commits"][0]["id"] = "f" * 40
    r = _deliver(live_server.url, "push", other, "d-replay")
    assert r.status_code == 200 and r.json()["status"] == "duplicate"
    assert _snapshot(engine) == after_first


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


def test_the_enterprise_comes_from_the_payload_slug_and_its_secret_is_used(engine: Engine, live_server) -> None:
    _setup(engine)
    with engine.begin() as conn:
        ledger = Ledger(conn)
        other = ledger.add_enterprise("other")
        ledger.set_webhook_secret(other, "other-secret")
    payload = _payload("repository_privatized")  # names enterprise 'acme'
    assert _deliver(live_server.url, "repository", payload, "d-x", secret="other-secret").status_code == 401
    assert _deliver(live_server.url, "repository", payload, "d-y").status_code == 200


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
        "action": "added", "scope": "team",
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
        "advanced_security": {"status": "disabled"}, "code_security": {"status": "enabled"},
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
        assert conn.execute(sa.select(sa.func.count()).select_from(t.org_memberships)
                            .where(t.org_memberships.c.organization_id == org.id)).scalar_one() == 1
    assert org.enterprise_id == eid


def test_a_form_encoded_delivery_is_verified_on_its_raw_body_and_applied(engine: Engine, live_server) -> None:
    from urllib.parse import urlencode

    _setup(engine)
    body = urlencode({"payload": json.dumps(_payload("organization_member_added"))}).encode()
    headers = {"X-GitHub-Event": "organization", "X-GitHub-Delivery": "d-form",
               "Content-Type": "application/x-www-form-urlencoded", "X-Hub-Signature-256": signature_for(SECRET, body)}
    r = httpx.post(f"{live_server.url}/webhooks/github", content=body, headers=headers, timeout=10)
    assert r.status_code == 200, r.text
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t.org_memberships)).scalar_one() == 1
