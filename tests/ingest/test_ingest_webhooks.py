"""``POST /webhooks/github`` through a real server: signatures, replays, the enterprise a delivery
is for, form-encoded bodies. What each event writes: test_ingest_webhook_events.py."""

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


def _deliver(
    url: str,
    event: str,
    payload: dict[str, Any],
    delivery: str,
    *,
    secret: str | None = SECRET,
    signature: str | None = None,
) -> httpx.Response:
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


def test_the_enterprise_comes_from_the_payload_slug_and_its_secret_is_used(engine: Engine, live_server) -> None:
    _setup(engine)
    with engine.begin() as conn:
        ledger = Ledger(conn)
        other = ledger.add_enterprise("other")
        ledger.set_webhook_secret(other, "other-secret")
    payload = _payload("repository_privatized")  # names enterprise 'acme'
    assert _deliver(live_server.url, "repository", payload, "d-x", secret="other-secret").status_code == 401
    assert _deliver(live_server.url, "repository", payload, "d-y").status_code == 200


def test_a_form_encoded_delivery_is_verified_on_its_raw_body_and_applied(engine: Engine, live_server) -> None:
    from urllib.parse import urlencode

    _setup(engine)
    body = urlencode({"payload": json.dumps(_payload("organization_member_added"))}).encode()
    headers = {
        "X-GitHub-Event": "organization",
        "X-GitHub-Delivery": "d-form",
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Hub-Signature-256": signature_for(SECRET, body),
    }
    r = httpx.post(f"{live_server.url}/webhooks/github", content=body, headers=headers, timeout=10)
    assert r.status_code == 200, r.text
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t.org_memberships)).scalar_one() == 1
