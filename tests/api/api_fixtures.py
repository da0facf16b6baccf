"""Fixtures of the API tests (imported by each test module: a second ``conftest.py`` would
shadow the shared one under the module name ``conftest``). The REST API's test world: two enterprises, people in every role, tokens for each, and a
real uvicorn server (the shared ``live_server`` fixture) to call with httpx.

The API counts at "now" (GitHub's endpoints have no as-of parameter), so pushes and seats are
placed relative to the moment the world is built, far from any 90-day or cycle boundary, and
the tests compare with the counting engine called at the same moment.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Iterator

import httpx
import pytest
from sqlalchemy.engine import Engine

from seatledger import tokens
from seatledger.db.clock import utcnow
from seatledger.db.ledger import Ledger

LONG_AGO = dt.datetime(2024, 1, 1)
ALL_SCOPES = "read:enterprise,manage_billing:enterprise,read:org,manage_billing:copilot,admin:org"
# Members of octo beyond the named roles, so lists span several pages.
EXTRA_MEMBERS = ("m1", "m2", "m3", "m4", "m5")


@dataclass
class ApiWorld:
    """What the world holds, and a token per role."""

    engine: Engine
    built_at: dt.datetime
    tokens: dict[str, str] = field(default_factory=dict)
    token_ids: dict[str, int] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)
    orgs: dict[str, int] = field(default_factory=dict)

    def token(self, who: str, scopes: str = ALL_SCOPES, *, enterprise: str = "acme", **kw: object) -> str:
        """A token for ``who`` (created on first use of that name+scopes)."""
        key = f"{who}|{scopes}|{enterprise}|{sorted(kw.items())}"
        if key not in self.tokens:
            with self.engine.begin() as conn:
                token_id, token = tokens.create_token(conn, enterprise, who, scopes, **kw)  # type: ignore[arg-type]
            self.tokens[key], self.token_ids[key] = token, token_id
        return self.tokens[key]

    def auth(self, who: str, scopes: str = ALL_SCOPES, **kw: object) -> dict[str, str]:
        """The Authorization header for a token of ``who``."""
        return {"Authorization": f"Bearer {self.token(who, scopes, **kw)}"}


def build_api_world(engine: Engine) -> ApiWorld:
    """acme: orgs octo and widgets; owner (enterprise owner, octo member), billing (enterprise
    billing manager), octo_owner, alice, bob, carol and m1..m5 (octo members), w_owner (widgets
    owner). Advanced Security pushes in three repos, Copilot seats in octo (one via team devs),
    a server instance with two syncs. Another enterprise, 'globex', has org 'gadgets'."""
    now = utcnow()
    world = ApiWorld(engine=engine, built_at=now)
    recent = now - dt.timedelta(days=10)
    with engine.begin() as conn:
        led = Ledger(conn)
        eid = led.add_enterprise("acme", "Acme", created_at=LONG_AGO)
        octo = led.add_org(eid, "octo", created_at=LONG_AGO)
        widgets = led.add_org(eid, "widgets", created_at=LONG_AGO)
        world.orgs = {"octo": octo, "widgets": widgets}

        def person(login: str, **kw: object) -> int:
            uid = led.add_user(eid, login, name=login.title(), emails=[f"{login}@acme.test"], created_at=LONG_AGO, **kw)  # type: ignore[arg-type]
            world.users[login] = uid
            return uid

        owner = person("owner")
        led.add_enterprise_role(eid, owner, "owner", started_at=LONG_AGO)
        led.add_membership(octo, owner, "member", started_at=LONG_AGO)
        billing = person("billing")
        led.add_enterprise_role(eid, billing, "billing_manager", started_at=LONG_AGO)
        octo_owner = person("octo_owner")
        led.add_membership(octo, octo_owner, "owner", started_at=LONG_AGO)
        for login in ("alice", "bob", "carol", *EXTRA_MEMBERS):
            led.add_membership(octo, person(login), "member", started_at=LONG_AGO)
        w_owner = person("w_owner")
        led.add_membership(widgets, w_owner, "owner", started_at=LONG_AGO)

        app_repo = led.add_repo(
            eid, "octo", "app", org_id=octo, code_security=True, secret_protection=True, created_at=LONG_AGO
        )
        lib_repo = led.add_repo(eid, "octo", "lib", org_id=octo, code_security=True, created_at=LONG_AGO)
        tool_repo = led.add_repo(eid, "widgets", "tool", org_id=widgets, code_security=True, created_at=LONG_AGO)

        def push(repo: int, login: str, sha: str, days_ago: int) -> None:
            at = now - dt.timedelta(days=days_ago)
            led.add_commits(
                repo, [{"sha": sha, "author_email": f"{login}@acme.test", "author_date": at, "pushed_at": at}]
            )

        push(app_repo, "alice", "a1", 5)
        push(app_repo, "bob", "a2", 6)
        push(lib_repo, "alice", "l1", 7)
        push(lib_repo, "carol", "l2", 8)
        push(tool_repo, "w_owner", "t1", 9)

        devs = led.add_team(
            eid, "devs", org_id=octo, name="Developers", members=[world.users["carol"]], created_at=LONG_AGO
        )
        led.add_copilot_seat(
            octo,
            world.users["alice"],
            created_at=LONG_AGO,
            last_activity_at=recent,
            last_authenticated_at=recent,
            last_activity_editor="vscode/1.90.0/copilot/1.200.0",
        )
        led.add_copilot_seat(octo, world.users["bob"], created_at=LONG_AGO)
        led.add_copilot_seat(octo, world.users["carol"], assigning_team_id=devs, created_at=LONG_AGO)

        server = led.add_server(eid, "11111111-2222-3333-4444-555555555555", "ghes.acme.test", created_at=LONG_AGO)
        led.add_sync_event(server, kind="upload", status="failure", error="bad file", occurred_at=LONG_AGO)
        led.add_sync_event(server, kind="connect", status="success", occurred_at=dt.datetime(2024, 2, 1, 8, 30))
        led.add_server(eid, "99999999-0000-0000-0000-000000000000", "never.acme.test", created_at=LONG_AGO)

        gid = led.add_enterprise("globex", "Globex", created_at=LONG_AGO)
        gadgets = led.add_org(gid, "gadgets", created_at=LONG_AGO)
        stranger = led.add_user(gid, "stranger", emails=["s@globex.test"], created_at=LONG_AGO)
        led.add_enterprise_role(gid, stranger, "owner", started_at=LONG_AGO)
        led.add_membership(gadgets, stranger, "owner", started_at=LONG_AGO)
        world.orgs["gadgets"] = gadgets
    return world


@pytest.fixture
def api_world(engine: Engine) -> ApiWorld:
    return build_api_world(engine)


@pytest.fixture
def api(live_server: object, api_world: ApiWorld) -> Iterator[httpx.Client]:
    """An httpx client on the live server's API root, sending GitHub's headers."""
    with httpx.Client(
        base_url=live_server.url + "/api/v3",  # type: ignore[attr-defined]
        headers={"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"},
        timeout=30,
    ) as client:
        yield client
