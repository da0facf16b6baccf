"""Demo phase 5: Copilot seats, cost centers and what the enterprise bought."""

from __future__ import annotations

import datetime as dt
import random
from typing import Iterator

from seatledger.db import tables as t
from seatledger.db.ledger import Ledger
from seatledger.demo.names import EDITORS
from seatledger.demo.world import World, sample
from seatledger.licensing.scope import next_month_start


def build_billing(world: World, ledger: Ledger) -> None:
    rng = world.rng("billing")
    world.progress.start("copilot and cost centers", 3)
    for o, org in enumerate(world.orgs):
        # Most orgs have Copilot; a third of those are on the Enterprise plan.
        org.plan = None if o % 7 == 6 else "enterprise" if o % 3 == 1 else "business"
    ledger.bulk_insert(t.copilot_seats, _seat_rows(world, rng))
    world.progress.advance(1)
    _cost_centers(world, ledger, rng)
    world.progress.advance(1)
    _products(world, ledger)
    world.progress.advance(1)


def _seat_rows(world: World, rng: random.Random) -> Iterator[dict[str, object]]:
    cycle_end = next_month_start(world.now).date()
    for p in world.people:
        if p.kind not in ("member", "owner") or not p.orgs:
            continue
        orgs = [o for o in p.orgs if world.orgs[o].plan]
        if not orgs or rng.random() > 0.35:
            continue
        # Some people hold seats from two orgs (billed once; Enterprise wins over Business).
        for o in orgs[: 2 if rng.random() < 0.15 else 1]:
            org = world.orgs[o]
            created = world.ago(rng, 0, 400)
            r = rng.random()
            if r < 0.12:
                activity = None  # assigned, never used
            elif r < 0.27:
                activity = world.ago(rng, 91, 200)  # idle beyond 90 days
            else:
                activity = world.ago(rng, 0, 30)
            if activity is not None and activity < created:
                activity = created
            ended = world.ago(rng, 1, 60) if rng.random() < 0.03 else None
            yield {
                "organization_id": org.id,
                "user_id": p.id,
                "assigning_team_id": org.teams[0] if org.teams and rng.random() < 0.3 else None,
                "plan": org.plan,
                "created_at": created,
                "pending_cancellation_date": cycle_end if ended is None and rng.random() < 0.04 else None,
                "ended_at": ended if ended is None or ended > created else None,
                "last_authenticated_at": activity,
                "last_activity_at": activity,
                "last_activity_editor": rng.choice(EDITORS) if activity else None,
            }


def _cost_centers(world: World, ledger: Ledger, rng: random.Random) -> None:
    start = world.now - dt.timedelta(days=200)
    centers = [
        ledger.add_cost_center(world.enterprise_id, name, created_at=start, id=world.uuid(f"cc-{name}"))
        for name in ("Platform Engineering", "Product", "Research", "Legacy")
    ]
    platform, product, research, legacy = centers
    rows: list[dict[str, object]] = []

    def add(cc: str, kind: str, rid: int, ended: dt.datetime | None = None) -> None:
        rows.append(
            {"cost_center_id": cc, "resource_type": kind, "resource_id": rid, "started_at": start, "ended_at": ended}
        )

    half = max(1, len(world.orgs) // 2)
    for org in world.orgs[:half]:
        add(platform, "Org", org.id)
    for org in world.orgs[half:]:
        add(product, "Org", org.id)
    members = [p for p in world.people if p.kind == "member" and p.orgs]
    for p in sample(rng, members, max(5, len(members) // 50)):
        add(research, "User", p.id)  # a direct assignment beats the org's cost center
    for repo in sample(rng, world.repos, max(5, len(world.repos) // 100)):
        add(research, "Repo", repo.id)
    add(research, "Team", world.enterprise_team_id)
    for p in sample(rng, members, 3):
        add(legacy, "User", p.id, ended=world.now - dt.timedelta(days=20))
    ledger.bulk_insert(t.cost_center_resources, rows)
    # A deleted cost center keeps its past; new usage goes to the enterprise.
    ledger.delete_cost_center(legacy, at=world.now - dt.timedelta(days=20))


def _products(world: World, ledger: Ledger) -> None:
    # Volume seats sized a little above everyone who may consume (cloud and server-only
    # people), so the page shows seats left; Code Security is bought short, to show over-limit.
    in_orgs = sum(1 for p in world.people if p.orgs and p.kind != "billing_manager")
    may_consume = len(world.people) + int(world.size.people * 0.05)
    purchased = (int(may_consume * 1.05) // 50 + 1) * 50
    expires = (world.now + dt.timedelta(days=240)).date()
    eid = world.enterprise_id
    ledger.set_product(eid, "enterprise", billing="volume", purchased=purchased, expires_at=expires)
    ledger.set_product(eid, "secret_protection", billing="metered")
    ledger.set_product(
        eid, "code_security", billing="volume", purchased=max(10, (in_orgs // 4 // 10) * 10), expires_at=expires
    )
    ledger.set_product(eid, "copilot_business", billing="metered")
    ledger.set_product(eid, "copilot_enterprise", billing="metered")
