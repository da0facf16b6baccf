"""Enterprise owners and billing managers from real sources (issue 18 item 4): the sync reads
them from GitHub's GraphQL API (REST has no list), the people CSV from its ``enterprise_role``
column; roles no longer listed end, and a refused query changes nothing."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any, Callable

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from github_answers import serve
from seatledger.db import tables as t
from seatledger.db.ledger import Ledger
from seatledger.errors import ImportRejected
from seatledger.ingest.github_api import sync_github
from seatledger.ingest.github_client import GitHubClient
from seatledger.ingest.people import ingest_people
from seatledger.licensing import count_consumed

ADMINS = json.loads((Path(__file__).parent.parent / "data" / "github" / "api" / "enterprise_admins.json").read_text())
LONG_AGO = dt.datetime(2025, 1, 1)
REST: dict[str, Any] = {
    "/enterprises/acme/consumed-licenses": {
        "total_seats_consumed": 1,
        "total_seats_purchased": 10,
        "users": [
            {
                "github_com_login": "octocat",
                "github_com_member_roles": ["octo-org:Owner"],
                "github_com_enterprise_roles": ["owner"],
                "license_type": "enterprise",
            },
        ],
    },
}


def _graphql(graphql_path: str, answer: Callable[[dict[str, Any]], Any], seen: list[dict[str, Any]]):
    rest_root = "/api/v3" if graphql_path == "/api/graphql" else ""
    rest = serve({rest_root + path: body for path, body in REST.items()})

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == graphql_path and request.method == "POST":
            body = json.loads(request.content)
            seen.append(body)
            return httpx.Response(200, json=answer(body["variables"]))
        return rest(request)

    return handle


def _pages(variables: dict[str, Any]) -> Any:
    return ADMINS["pages"][variables.get("after") or "null"]


def _roles(engine: Engine) -> set[tuple[str, str, bool]]:
    er, u = t.enterprise_roles, t.users
    with engine.connect() as conn:
        return set(
            conn.execute(sa.select(u.c.login, er.c.role, er.c.ended_at.is_(None)).join(u, u.c.id == er.c.user_id)).all()
        )


def _former_owner(engine: Engine) -> None:
    with engine.begin() as conn:
        led = Ledger(conn)
        eid = led.add_enterprise("acme", created_at=LONG_AGO)
        uid = led.add_user(eid, "former-owner", created_at=LONG_AGO)
        led.add_enterprise_role(eid, uid, "owner", started_at=LONG_AGO)


@pytest.mark.parametrize(
    "root, graphql_path",
    [
        ("https://api.github.com", "/graphql"),
        ("https://ghes.acme.test/api/v3", "/api/graphql"),
    ],
)
def test_the_sync_reads_owners_and_billing_managers_from_graphql_and_ends_roles_no_longer_listed(
    engine: Engine, root: str, graphql_path: str
) -> None:
    _former_owner(engine)
    seen: list[dict[str, Any]] = []
    with GitHubClient(root, "t", transport=httpx.MockTransport(_graphql(graphql_path, _pages, seen))) as client:
        report = sync_github(engine, client, "acme", ["octo-org"])

    assert _roles(engine) == {
        ("former-owner", "owner", False),
        ("octocat", "owner", True),
        ("ceo-no-org", "owner", True),
        ("books", "billing_manager", True),
    }
    assert [q["variables"] for q in seen] == [
        {"slug": "acme", "after": None},
        {"slug": "acme", "after": "Y3Vyc29yOnYyOpHOAAEAAQ=="},
    ]
    assert "ownerInfo" in seen[0]["query"] and "role" in seen[0]["query"]
    assert not any("enterprise owners" in n for n in report.notes)
    with engine.connect() as conn:
        # An owner in no organization and a billing manager consume nothing (spec 2.1).
        assert count_consumed(conn, "acme", as_of=dt.datetime.utcnow() + dt.timedelta(minutes=1)) == 1


def test_a_refused_graphql_query_is_noted_and_changes_no_role(engine: Engine) -> None:
    _former_owner(engine)
    seen: list[dict[str, Any]] = []
    transport = httpx.MockTransport(_graphql("/graphql", lambda _v: ADMINS["forbidden"], seen))
    with GitHubClient("https://api.github.com", "t", transport=transport) as client:
        report = sync_github(engine, client, "acme", ["octo-org"])

    assert _roles(engine) == {("former-owner", "owner", True), ("octocat", "owner", True)}
    assert any("skipped enterprise owners and billing managers" in n and "FORBIDDEN" in n for n in report.notes)


def test_a_people_file_sets_enterprise_roles_and_ends_those_no_longer_in_it(engine: Engine) -> None:
    _former_owner(engine)
    people = (
        "login,emails,org,role,enterprise_role\n"
        "ada,ada@acme.test,eng,member,owner\n"
        "ada,,ops,member,owner\n"
        "boss,boss@acme.test,,,owner\n"
        "books,,,,billing_manager\n"
        "carl,,eng,member,\n"
    ).encode()
    with engine.begin() as conn:
        report = ingest_people(conn, people, "acme")
    assert report.created["enterprise role"] == 3
    assert _roles(engine) == {
        ("former-owner", "owner", False),
        ("ada", "owner", True),
        ("boss", "owner", True),
        ("books", "billing_manager", True),
    }
    with engine.connect() as conn:
        assert count_consumed(conn, "acme", as_of=dt.datetime.utcnow() + dt.timedelta(minutes=1)) == 2  # ada, carl

    without_column = b"login,org,role\nada,eng,member\n"
    with engine.begin() as conn:
        ingest_people(conn, without_column, "acme")
    assert ("boss", "owner", True) in _roles(engine), "a file without the column says nothing of enterprise roles"

    with engine.begin() as conn, pytest.raises(ImportRejected, match="line 2: enterprise_role must be"):
        ingest_people(conn, b"login,org,role,enterprise_role\nada,eng,member,admin\n", "acme")
