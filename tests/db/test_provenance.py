"""Provenance (issue 18 item 6): a full import from one source ends only the facts that source
asserted and no longer asserts, so the order of the imports does not change the ledger:
memberships, collaborators, Copilot seats, Visual Studio subscriptions, pending invitations
(sync and webhooks) and server accounts (server upload and the sync's GitHub Connect list)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Callable

import httpx
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from tests.ingest.github_answers import serve
from seatledger.db import tables as t
from seatledger.db.ledger import Ledger
from seatledger.ingest.github_api import sync_github
from seatledger.ingest.github_client import GitHubClient
from seatledger.ingest.people import ingest_people
from seatledger.ingest.server_usage import ingest_server_usage
from seatledger.ingest.vs_subscribers import ingest_vs_subscribers
from seatledger.ingest.webhooks import receive, signature_for
from seatledger.licensing import count_consumed

ORG, REPO, SECRET = "acme-org", "app", "provenance-secret"
SERVER_ID, HOST = "GHES-PROVENANCE", "ghes.acme.test"
SOURCES = ("sync", "people", "webhook", "vs_list", "server_upload")

# What each source lists, in two rounds: the second drops some of what the first listed.
# Every source agrees on a person's role, so the order can only matter through endings.
ROUNDS: list[dict[str, Any]] = [
    {
        "sync": {
            "admins": ["boss"],
            "members": ["ann", "ian", "jo", "gus"],
            "collaborators": ["carl"],
            "seats": ["ann"],
            "vs": ["ann@acme.test"],
            "invites": ["pat", "quin@ext.test", "rey"],
            "servers": [101, 102],
        },
        "people": {"members": ["ann", "ian", "jo", "hal", "kim"], "collaborators": ["carl"]},
        "webhook": {"members": ["kim"], "invites": ["rey"]},
        "vs_list": ["ann@acme.test", "old@vs.test"],
        "server_upload": [101, 103],
    },
    {
        "sync": {
            "admins": ["boss"],
            "members": ["ann", "ian"],
            "collaborators": ["carl"],
            "seats": ["ann"],
            "vs": ["ann@acme.test"],
            "invites": ["quin@ext.test"],
            "servers": [102],
        },
        "people": {"members": ["ann", "kim"], "collaborators": ["carl"]},
        "webhook": {"members": ["fay"], "invites": ["sam"]},
        "vs_list": ["new@vs.test"],
        "server_upload": [103, 104],
    },
]


def _user(login: str) -> dict[str, Any]:
    return {"login": login, "id": sum(map(ord, login)), "type": "User", "site_admin": False}


def _server_email(user_id: int) -> str:
    return f"x{user_id}@ghes.test"


def _invitation(invitee: str) -> dict[str, Any]:
    login, email = (None, invitee) if "@" in invitee else (invitee, None)
    return {"login": login, "email": email, "role": "direct_member", "created_at": "2025-05-01T00:00:00Z"}


def _sync(engine: Engine, listed: dict[str, Any]) -> None:
    root = f"/orgs/{ORG}"
    answers = {
        "/enterprises/acme/license-sync-status": {"server_instances": [{"server_id": SERVER_ID, "hostname": HOST}]},
        "/enterprises/acme/consumed-licenses": {
            "total_seats_consumed": 0,
            "total_seats_purchased": 0,
            "users": [
                *(
                    {
                        "github_com_login": "ann",
                        "visual_studio_subscription_email": email,
                        "visual_studio_license_status": "Matched",
                    }
                    for email in listed["vs"]
                ),
                *(
                    {
                        "github_com_login": None,
                        "enterprise_server_user_ids": [f"{HOST}:{n}"],
                        "enterprise_server_emails": [_server_email(n)],
                    }
                    for n in listed["servers"]
                ),
            ],
        },
        f"{root}/invitations": [_invitation(i) for i in listed["invites"]],
        f"{root}/failed_invitations": [],
        f"{root}/members?role=admin": [_user(u) for u in listed["admins"]],
        f"{root}/members?role=member": [_user(u) for u in listed["members"]],
        f"{root}/repos": [
            {
                "name": REPO,
                "private": True,
                "visibility": "private",
                "fork": False,
                "created_at": "2025-03-01T00:00:00Z",
            }
        ],
        f"/repos/{ORG}/{REPO}/collaborators": [_user(u) for u in listed["collaborators"]],
        f"{root}/copilot/billing/seats": {
            "total_seats": len(listed["seats"]),
            "seats": [
                {
                    "created_at": "2025-04-01T00:00:00Z",
                    "pending_cancellation_date": None,
                    "plan_type": "business",
                    "assignee": _user(u),
                }
                for u in listed["seats"]
            ],
        },
    }
    with GitHubClient("https://api.github.com", "t", transport=httpx.MockTransport(serve(answers))) as client:
        sync_github(engine, client, "acme", [ORG])


def _people(engine: Engine, listed: dict[str, Any]) -> None:
    lines = ["login,emails,org,role,repo"]
    lines += [f"{u},{u}@acme.test,{ORG},member," for u in listed["members"]]
    lines += [f"{u},{u}@acme.test,{ORG},outside_collaborator,{REPO}" for u in listed["collaborators"]]
    with engine.begin() as conn:
        ingest_people(conn, "\n".join(lines).encode(), "acme")


def _webhook(engine: Engine, listed: dict[str, Any]) -> None:
    for login in listed["members"]:
        body = json.dumps(
            {
                "action": "member_added",
                "organization": {"login": ORG, "id": 1},
                "membership": {"state": "active", "role": "member", "user": _user(login)},
                "sender": _user("boss"),
            }
        ).encode()
        answer = receive(engine, body, "organization", f"added-{login}", signature_for(SECRET, body))
        assert answer["status"] == "processed"
    for invitee in listed["invites"]:
        body = json.dumps(
            {
                "action": "member_invited",
                "organization": {"login": ORG, "id": 1},
                "invitation": _invitation(invitee),
                "sender": _user("boss"),
            }
        ).encode()
        answer = receive(engine, body, "organization", f"invited-{invitee}", signature_for(SECRET, body))
        assert answer["status"] == "processed"


def _server_upload(engine: Engine, listed: list[int]) -> None:
    export = {
        "format_version": 1,
        "server_id": SERVER_ID,
        "host_name": HOST,
        "version": "3.14.0",
        "enterprise": "acme",
        "users": [
            {"user_id": n, "login": f"x{n}", "primary_email": _server_email(n), "emails": [_server_email(n)]}
            for n in listed
        ],
    }
    with engine.begin() as conn:
        ingest_server_usage(conn, json.dumps(export).encode(), "acme")


def _vs_list(engine: Engine, listed: list[str]) -> None:
    with engine.begin() as conn:
        ingest_vs_subscribers(conn, ("email\n" + "\n".join(listed) + "\n").encode(), "acme")


IMPORT: dict[str, Callable[[Engine, Any], None]] = {
    "sync": _sync,
    "people": _people,
    "webhook": _webhook,
    "vs_list": _vs_list,
    "server_upload": _server_upload,
}


def _fresh(engine: Engine) -> None:
    """An empty ledger with the enterprise, its webhook secret and its organization."""
    with engine.begin() as conn:
        for table in reversed(t.metadata.sorted_tables):
            conn.execute(sa.delete(table))
        ledger = Ledger(conn)
        eid = ledger.add_enterprise("acme", created_at=dt.datetime(2025, 1, 1))
        ledger.set_webhook_secret(eid, SECRET)
        ledger.add_org(eid, ORG, created_at=dt.datetime(2025, 1, 1))


def _open_facts(engine: Engine) -> dict[str, set[tuple[str, ...]]]:
    m, rc, u, cs, vs = t.org_memberships, t.repo_collaborators, t.users, t.copilot_seats, t.vs_subscriptions
    i, sac = t.invitations, t.server_accounts
    with engine.connect() as conn:
        return {
            "memberships": {
                tuple(r)
                for r in conn.execute(
                    sa.select(u.c.login, m.c.role).join(m, m.c.user_id == u.c.id).where(m.c.ended_at.is_(None))
                )
            },
            "collaborators": {
                tuple(r)
                for r in conn.execute(
                    sa.select(u.c.login).join(rc, rc.c.user_id == u.c.id).where(rc.c.ended_at.is_(None))
                )
            },
            "seats": {
                tuple(r)
                for r in conn.execute(
                    sa.select(u.c.login).join(cs, cs.c.user_id == u.c.id).where(cs.c.ended_at.is_(None))
                )
            },
            "vs": {tuple(r) for r in conn.execute(sa.select(vs.c.subscriber_email).where(vs.c.status == "active"))},
            "invitations": {
                tuple(r)
                for r in conn.execute(
                    sa.select(sa.func.coalesce(i.c.invitee_login, i.c.invitee_email)).where(
                        i.c.status == "pending", i.c.resolved_at.is_(None)
                    )
                )
            },
            "server accounts": {tuple(r) for r in conn.execute(sa.select(sac.c.user_id))},
        }


def _asserted_last(round_: dict[str, Any]) -> dict[str, set[tuple[str, ...]]]:
    """What the sources assert after the last round: the union of what each lists (the webhook's
    additions and invitations stand until a removal, which none of these deliveries is)."""
    sync, people = round_["sync"], round_["people"]
    first_webhook = ROUNDS[0]["webhook"]["members"]
    members = {*sync["members"], *people["members"], *first_webhook, *round_["webhook"]["members"]}
    return {
        "memberships": {(u, "owner") for u in sync["admins"]} | {(u, "member") for u in members},
        "collaborators": {(u,) for u in {*sync["collaborators"], *people["collaborators"]}},
        "seats": {(u,) for u in sync["seats"]},
        "vs": {(e,) for e in {*sync["vs"], *round_["vs_list"]}},
        "invitations": {(i,) for r in ROUNDS for i in r["webhook"]["invites"]} | {(i,) for i in sync["invites"]},
        "server accounts": {(n,) for n in {*sync["servers"], *round_["server_upload"]}},
    }


CONSUMED_BY_DATABASE: dict[str, int] = {}


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=st.permutations(SOURCES), second=st.permutations(SOURCES))
def test_the_same_sources_imported_in_any_order_give_the_same_ledger(
    engine: Engine, first: list[str], second: list[str]
) -> None:
    _fresh(engine)
    for round_, order in zip(ROUNDS, (first, second)):
        for source in order:
            IMPORT[source](engine, round_[source])

    assert _open_facts(engine) == _asserted_last(ROUNDS[-1])
    with engine.connect() as conn:
        consumed = count_consumed(conn, "acme")
    # Every order gives the count the first order gave.
    assert CONSUMED_BY_DATABASE.setdefault(engine.dialect.name, consumed) == consumed, (first, second)


def test_a_full_people_import_no_longer_ends_the_memberships_the_sync_created(engine: Engine) -> None:
    _fresh(engine)
    _sync(
        engine,
        {
            "admins": ["boss"],
            "members": ["ann", "ian"],
            "collaborators": [],
            "seats": [],
            "vs": [],
            "invites": [],
            "servers": [],
        },
    )
    _people(engine, {"members": ["kim"], "collaborators": []})
    with engine.connect() as conn:
        before = count_consumed(conn, "acme")

    _people(engine, {"members": ["lee"], "collaborators": []})

    facts = _open_facts(engine)["memberships"]
    assert {("boss", "owner"), ("ann", "member"), ("ian", "member")} <= facts, "the sync's memberships stay"
    assert ("kim", "member") not in facts, "what the file asserted and no longer lists ends"
    with engine.connect() as conn:
        assert count_consumed(conn, "acme") == before, "kim out, lee in"


def test_a_membership_no_source_is_recorded_for_ends_at_the_first_full_import_without_it(engine: Engine) -> None:
    _fresh(engine)
    with engine.begin() as conn:
        ledger = Ledger(conn)
        eid = ledger.enterprise_id("acme")
        legacy = ledger.add_user(eid, "old", created_at=dt.datetime(2025, 1, 1))
        ledger.add_membership(ledger.org_id(ORG), legacy, started_at=dt.datetime(2025, 1, 1))

    _people(engine, {"members": ["kim"], "collaborators": []})

    assert _open_facts(engine)["memberships"] == {("kim", "member")}
