"""The demo's billing: Copilot seats of both plans and varied activity, cost centers, and
products bought by volume and metered."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from seatledger.db import tables as t
from tests.demo.demo_ledger import ANCHOR, count


def test_small_demo_has_copilot_seats_of_both_plans_with_varied_activity(demo: Engine) -> None:
    cs = t.copilot_seats
    for plan in ("business", "enterprise"):
        assert count(demo, sa.select(cs.c.id).where(cs.c.plan == plan)) >= 1, plan
    assert count(demo, sa.select(cs.c.id).where(cs.c.last_activity_at.is_(None))) >= 1
    idle = cs.c.last_activity_at < ANCHOR - dt.timedelta(days=90)
    assert count(demo, sa.select(cs.c.id).where(idle)) >= 1
    assert count(demo, sa.select(cs.c.id).where(cs.c.pending_cancellation_date.is_not(None))) >= 1


def test_small_demo_has_cost_centers_and_products_bought_by_volume_and_metered(demo: Engine) -> None:
    ccr, ep = t.cost_center_resources, t.enterprise_products
    for kind in ("User", "Org", "Repo"):
        assert count(demo, sa.select(ccr.c.id).where(ccr.c.resource_type == kind)) >= 1, kind
    assert count(demo, sa.select(t.cost_centers.c.id).where(t.cost_centers.c.deleted_at.is_not(None))) == 1
    volume = sa.select(ep.c.id).where(
        ep.c.product == "enterprise", ep.c.billing == "volume", ep.c.purchased > 0, ep.c.expires_at.is_not(None)
    )
    assert count(demo, volume) == 1
    assert count(demo, sa.select(ep.c.id).where(ep.c.product == "secret_protection", ep.c.billing == "metered")) == 1
