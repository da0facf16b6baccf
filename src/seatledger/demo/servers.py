"""Demo phase 4: two Enterprise Server instances and Visual Studio subscribers.

The same person often has accounts in several places. Server accounts here are matched to
cloud people by SAML NameID (their primary email is the IdP's name id), by a verified email,
or not at all (server-only people, some on both instances under one email); each instance has
the SCIM setup user ``scim-admin`` and some suspended accounts.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Iterator

from seatledger.db import tables as t
from seatledger.db.ledger import Ledger
from seatledger.demo.names import person_name
from seatledger.demo.world import World

INSTANCES = (("east", "3.17.2"), ("west", "3.15.8"))


def build_servers(world: World, ledger: Ledger) -> None:
    rng = world.rng("servers")
    world.progress.start("server accounts", 2)
    server_ids = [
        ledger.add_server(
            world.enterprise_id,
            world.uuid(f"server-{name}"),
            f"ghes-{name}.{world.slug}.example",
            version=version,
            created_at=world.now - dt.timedelta(days=900),
        )
        for name, version in INSTANCES
    ]
    ledger.bulk_insert(t.server_accounts, _account_rows(world, rng, server_ids))
    east, west = server_ids
    ledger.add_sync_event(east, kind="connect", status="success", occurred_at=world.now - dt.timedelta(days=2))
    ledger.add_sync_event(west, kind="upload", status="success", occurred_at=world.now - dt.timedelta(days=31))
    ledger.add_sync_event(
        west,
        kind="connect",
        status="failure",
        occurred_at=world.now - dt.timedelta(days=3),
        error="GitHub Connect could not reach api.github.com (timeout)",
    )
    world.progress.advance(2)
    ledger.bulk_insert(t.vs_subscriptions, _vs_rows(world, rng))


def _account_rows(world: World, rng: random.Random, server_ids: list[int]) -> Iterator[dict[str, object]]:
    next_id = {sid: 2 for sid in server_ids}  # user 1 is the server's own ghost account

    def account(sid: int, login: str, email: str, **flags: bool) -> dict[str, object]:
        uid = next_id[sid]
        next_id[sid] += 1
        cs = rng.random() < 0.15
        return {
            "server_instance_id": sid,
            "user_id": uid,
            "login": login,
            "primary_email": email.lower(),
            "other_emails": "",
            "suspended": flags.get("suspended", rng.random() < 0.04),
            "dormant": rng.random() < 0.05,
            "site_admin": flags.get("site_admin", False),
            "is_scim_setup_user": flags.get("scim", False),
            "advanced_security_user": cs,
            "code_security_user": cs,
            "secret_protection_user": cs and rng.random() < 0.6,
            "created_at": world.ago(rng, 30, 850),
            "matched_user_id": None,
            "match_rule": None,
        }

    for sid in server_ids:
        yield account(sid, "scim-admin", f"scim-admin@{world.slug}.example", scim=True, suspended=False)
        yield account(sid, "ghe-admin", f"ghe-admin@{world.slug}.example", site_admin=True, suspended=False)
    for p in world.people:
        if p.kind not in ("member", "owner", "unaffiliated") or rng.random() > 0.16:
            continue
        # Half carry the SAML NameID as their primary email (matched by SAML), half a verified email.
        email = p.saml_name_id if p.saml_name_id and rng.random() < 0.5 else p.primary_email
        where = rng.random()
        login = p.login.split("_")[0]
        if where < 0.6 or where >= 0.85:
            yield account(server_ids[0], login, email)
        if where >= 0.6:
            yield account(server_ids[1], login, email)
    # People known only from the servers; a third of them have an account on both.
    for k in range(max(6, int(world.size.people * 0.05))):
        first, last = person_name(rng)
        email = f"{first}.{last}{k}@legacy.{world.slug}.example"
        both = rng.random() < 0.33
        yield account(server_ids[0] if both or k % 2 else server_ids[1], f"{first}{last[0]}{k}", email)
        if both:
            yield account(server_ids[1], f"{first}-{last}-{k}", email)


def _vs_rows(world: World, rng: random.Random) -> Iterator[dict[str, object]]:
    created = world.now - dt.timedelta(days=300)
    for p in world.people:
        if p.kind in ("member", "unaffiliated") and rng.random() < (0.05 if p.kind == "member" else 0.5):
            # The UPN equals a verified email: auto-matched.
            yield {
                "enterprise_id": world.enterprise_id,
                "subscriber_email": p.primary_email,
                "name": p.name,
                "level": rng.choice(("Visual Studio Enterprise", "Visual Studio Professional")),
                "status": "active",
                "created_at": created,
                "matched_user_id": None,
                "match_rule": None,
            }
    for k in range(max(3, world.size.people // 100)):
        # Subscribers whose UPN matches nobody: they wait for a manual match.
        first, last = person_name(rng)
        yield {
            "enterprise_id": world.enterprise_id,
            "subscriber_email": f"{first}.{last}{k}@partners.example",
            "name": f"{first.title()} {last.title()}",
            "level": "Visual Studio Enterprise",
            "status": "inactive" if k % 5 == 4 else "active",
            "created_at": created,
            "matched_user_id": None,
            "match_rule": None,
        }
