"""Deliveries racing through a real server: a delivery answered ``processed`` is in the ledger.

GitHub never redelivers a delivery it got 200 for, so a delivery acknowledged and then lost
is lost for good. Deliveries with different ids that create the same new organization,
repository or person at the same moment must all land.
"""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from seatledger.db import tables as t
from seatledger.db.ledger import Ledger
from seatledger.ingest.webhooks import signature_for

SECRET = "race-secret"
DELIVERIES = 200  # half pushes, half organization member_added (the 200)
NEW_REPOS = 3
NEW_PEOPLE = 10
SENDERS = 24


def _push(i: int) -> dict[str, Any]:
    repo = f"race-{i % NEW_REPOS}"
    return {
        "ref": "refs/heads/main",
        "commits": [
            {
                "id": f"{i:040x}",
                "timestamp": "2026-03-01T09:10:00-08:00",
                "author": {"name": f"Dev {i % 5}", "email": f"dev{i % 5}@example.com"},
            }
        ],
        "repository": {
            "name": repo,
            "full_name": f"race-org/{repo}",
            "private": True,
            "owner": {"login": "race-org"},
            "pushed_at": 1772445900,
        },
        "organization": {"login": "race-org"},
        "enterprise": {"slug": "acme"},
    }


def _member_added(i: int) -> dict[str, Any]:
    return {
        "action": "member_added",
        "membership": {"role": "member", "user": {"login": f"newcomer-{(i // 2) % NEW_PEOPLE}"}},
        "organization": {"login": "race-org"},
        "enterprise": {"slug": "acme"},
    }


def _deliveries() -> list[tuple[str, str, bytes]]:
    out = []
    for i in range(DELIVERIES):
        event, payload = ("push", _push(i)) if i % 2 == 0 else ("organization", _member_added(i))
        out.append((event, f"race-{i}", json.dumps(payload).encode()))
    return out


def test_racing_deliveries_for_new_repositories_and_people_are_all_in_the_ledger(engine: Engine, live_server) -> None:
    with engine.begin() as conn:
        ledger = Ledger(conn)
        ledger.set_webhook_secret(ledger.add_enterprise("acme"), SECRET)
    deliveries = _deliveries()
    start = threading.Barrier(SENDERS)

    def send(batch: list[tuple[str, str, bytes]]) -> list[tuple[str, int, dict[str, Any]]]:
        answers = []
        with httpx.Client(base_url=live_server.url, timeout=60) as client:
            start.wait()  # every sender starts at once
            for event, delivery, body in batch:
                r = client.post(
                    "/webhooks/github",
                    content=body,
                    headers={
                        "X-GitHub-Event": event,
                        "X-GitHub-Delivery": delivery,
                        "Content-Type": "application/json",
                        "X-Hub-Signature-256": signature_for(SECRET, body),
                    },
                )
                answers.append((delivery, r.status_code, r.json()))
        return answers

    with ThreadPoolExecutor(SENDERS) as pool:
        batches = [deliveries[k::SENDERS] for k in range(SENDERS)]
        answers = [a for batch in pool.map(send, batches) for a in batch]

    wrong = [(d, code, body) for d, code, body in answers if code != 200 or body.get("status") != "processed"]
    assert not wrong, f"{len(wrong)} of {DELIVERIES} deliveries not processed: {wrong[:3]}"
    with engine.connect() as conn:
        shas = set(conn.execute(sa.select(t.commits.c.sha)).scalars())
        repos = conn.execute(sa.select(sa.func.count()).select_from(t.repositories)).scalar_one()
        u, m = t.users, t.org_memberships
        open_memberships = conn.execute(
            sa.select(u.c.login, sa.func.count())
            .join(m, m.c.user_id == u.c.id)
            .where(m.c.ended_at.is_(None))
            .group_by(u.c.login)
        ).all()
        runs = conn.execute(sa.select(sa.func.count()).select_from(t.ingest_runs)).scalar_one()
    assert shas == {f"{i:040x}" for i in range(0, DELIVERIES, 2)}, "every acknowledged commit is recorded"
    assert repos == NEW_REPOS
    assert dict(open_memberships) == {f"newcomer-{k}": 1 for k in range(NEW_PEOPLE)}, "one open membership each"
    assert runs == DELIVERIES, "each delivery id recorded once"


def test_the_same_delivery_racing_itself_is_applied_once(engine: Engine, live_server) -> None:
    with engine.begin() as conn:
        ledger = Ledger(conn)
        ledger.set_webhook_secret(ledger.add_enterprise("acme"), SECRET)
    body = json.dumps(_push(0)).encode()
    headers = {
        "X-GitHub-Event": "push",
        "X-GitHub-Delivery": "same-id",
        "Content-Type": "application/json",
        "X-Hub-Signature-256": signature_for(SECRET, body),
    }
    senders = 8
    start = threading.Barrier(senders)

    def send(_: int) -> dict[str, Any]:
        with httpx.Client(base_url=live_server.url, timeout=60) as client:
            start.wait()
            r = client.post("/webhooks/github", content=body, headers=headers)
        assert r.status_code == 200, r.text
        return r.json()

    with ThreadPoolExecutor(senders) as pool:
        statuses = sorted(a["status"] for a in pool.map(send, range(senders)))
    assert statuses == ["duplicate"] * (senders - 1) + ["processed"]
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t.commits)).scalar_one() == 1
