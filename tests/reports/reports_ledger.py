"""A small, hostile ledger for the report tests, built through the Ledger write API.

A uniquely named module (not conftest) so test modules can import it unambiguously."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from seatledger.db.ledger import Ledger
from seatledger.licensing import rematch

AS_OF = dt.datetime(2024, 5, 1, 12, 0, 0)
DAY = dt.timedelta(days=1)
LONG_AGO = dt.datetime(2023, 1, 1)


@dataclass(frozen=True)
class SmallLedger:
    """What :func:`build_small_ledger` wrote, for assertions."""

    enterprise: str
    orgs: tuple[str, ...]
    server_id: str


def build_small_ledger(engine: Engine) -> SmallLedger:
    """An enterprise with two orgs, an outside collaborator, hostile and non-ASCII names,
    Advanced Security pushes, Copilot seats and a server instance, all fixed in time."""
    with engine.begin() as conn:
        led = Ledger(conn)
        eid = led.add_enterprise("acme", "Acme, Inc.", created_at=LONG_AGO)
        eng = led.add_org(eid, "acme-eng", created_at=LONG_AGO)
        ops = led.add_org(eid, "acme-ops", created_at=LONG_AGO)
        alice = led.add_user(
            eid, "alice", name='Alice "Al" Ångström, Jr.', emails=["alice@acme.test"], created_at=LONG_AGO
        )
        bob = led.add_user(
            eid, "bob", name="Bob\nBuilder", emails=["bob@acme.test", "bob@home.test"], created_at=LONG_AGO
        )
        zoe = led.add_user(eid, "zoë", name="Zoë", emails=["=2+3@evil.test"], created_at=LONG_AGO)
        carol = led.add_user(
            eid, "carol", name='=HYPERLINK("http://evil.test")', emails=["carol@acme.test"], created_at=LONG_AGO
        )
        outsider = led.add_user(eid, "olly", name="Olly", emails=["olly@else.test"], created_at=LONG_AGO)
        led.add_user(eid, "ex", name="Ex", emails=["ex@acme.test"], created_at=LONG_AGO)  # left: no seat
        bot = led.add_user(eid, "ci-bot", emails=["ci@acme.test"], is_bot=True, created_at=LONG_AGO)
        for org, uid, role in (
            (eng, alice, "owner"),
            (eng, bob, "member"),
            (ops, bob, "member"),
            (ops, zoe, "member"),
            (eng, carol, "member"),
            (eng, bot, "member"),
        ):
            led.add_membership(org, uid, role, started_at=LONG_AGO)
        api = led.add_repo(
            eid, "acme-eng", "api", org_id=eng, code_security=True, secret_protection=True, created_at=LONG_AGO
        )
        web = led.add_repo(eid, "acme-eng", "web", org_id=eng, code_security=True, created_at=LONG_AGO)
        infra = led.add_repo(
            eid, "acme-ops", "infra", org_id=ops, visibility="internal", secret_protection=True, created_at=LONG_AGO
        )
        site = led.add_repo(
            eid, "acme-eng", "site", org_id=eng, visibility="public", code_security=True, created_at=LONG_AGO
        )
        led.add_collaborator(api, outsider, started_at=LONG_AGO)

        def push(repo: int, sha: str, email: str, authored: dt.datetime, pushed: dt.datetime) -> None:
            led.add_commits(repo, [{"sha": sha, "author_email": email, "author_date": authored, "pushed_at": pushed}])

        push(api, "a1", "alice@acme.test", AS_OF - 10 * DAY, AS_OF - 9 * DAY)
        push(api, "a2", "alice@acme.test", AS_OF - 400 * DAY, AS_OF - 2 * DAY)  # old author date, pushed now
        push(web, "a3", "alice@acme.test", AS_OF - 5 * DAY, AS_OF - 5 * DAY)
        push(api, "b1", "bob@home.test", AS_OF - 3 * DAY, AS_OF - 3 * DAY)
        push(infra, "b2", "bob@acme.test", AS_OF - 4 * DAY, AS_OF - 4 * DAY)
        push(infra, "z1", "=2+3@evil.test", AS_OF - 6 * DAY, AS_OF - 6 * DAY)
        push(web, "c1", "carol@acme.test", AS_OF - 120 * DAY, AS_OF - 100 * DAY)  # outside the window
        push(api, "o1", "olly@else.test", AS_OF - 1 * DAY, AS_OF - 1 * DAY)
        push(site, "s1", "carol@acme.test", AS_OF - 1 * DAY, AS_OF - 1 * DAY)  # public: free
        push(api, "x1", "ci@acme.test", AS_OF - 1 * DAY, AS_OF - 1 * DAY)  # bot: ignored
        push(api, "u1", "stranger@nowhere.test", AS_OF - 1 * DAY, AS_OF - 1 * DAY)  # nobody

        led.add_copilot_seat(
            eng,
            alice,
            plan="enterprise",
            created_at=LONG_AGO,
            last_authenticated_at=AS_OF - DAY,
            last_activity_at=AS_OF - DAY,
            last_activity_editor="vscode/1.89.1/copilot/1.186.0",
        )
        led.add_copilot_seat(eng, bob, created_at=LONG_AGO)
        led.add_copilot_seat(ops, bob, created_at=LONG_AGO, last_activity_editor="JetBrains-IU/241.15989")
        led.add_copilot_seat(
            ops,
            zoe,
            created_at=LONG_AGO,
            last_authenticated_at=AS_OF - 3 * DAY,
            last_activity_at=AS_OF - 3 * DAY,
            last_activity_editor="copilot-chat",
        )

        sid = led.add_server(
            eid, "5b1e9c2a-0000-4000-8000-000000000001", "ghes.acme.test", version="3.14.2", created_at=LONG_AGO
        )
        led.add_server_account(
            sid,
            3,
            "bob",
            primary_email="bob@acme.test",
            other_emails=["b@acme.test"],
            code_security_user=True,
            created_at=LONG_AGO,
        )
        led.add_server_account(sid, 1, "admin", primary_email="admin@acme.test", site_admin=True, created_at=LONG_AGO)
        led.add_server_account(sid, 2, "scim-admin", primary_email=None, created_at=LONG_AGO)
        led.add_server_account(sid, 9, "später", primary_email="later@acme.test", created_at=AS_OF + DAY)
        rematch(conn, eid)  # as every importer does after writing
    return SmallLedger("acme", ("acme-eng", "acme-ops"), "5b1e9c2a-0000-4000-8000-000000000001")
