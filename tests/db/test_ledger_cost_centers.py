"""Cost centers: a resource is one of GitHub's four types, and a deleted cost center keeps its
resources (spec 2.4)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from seatledger.db import tables as t
from seatledger.errors import InvalidInput, NotFound
from tests.factories import AS_OF, T0, EnterpriseBuilder


def test_a_deleted_cost_center_is_marked_and_keeps_its_resources(engine: Engine) -> None:
    with engine.begin() as conn:
        b = EnterpriseBuilder(conn)
        ann = b.user("ann")
        cc = b.ledger.add_cost_center(b.id, "R&D", created_at=T0)
        b.ledger.add_cost_center_resource(cc, "User", ann, started_at=T0)
        with pytest.raises(InvalidInput, match="resource type must be"):
            b.ledger.add_cost_center_resource(cc, "Enterprise", b.id)
        b.ledger.delete_cost_center(cc, at=AS_OF)
        with pytest.raises(NotFound, match="no cost center 'nope'"):
            b.ledger.delete_cost_center("nope")
        centers, resources = t.cost_centers, t.cost_center_resources
        assert conn.execute(sa.select(centers.c.name, centers.c.deleted_at)).all() == [("R&D", AS_OF)]
        rows = conn.execute(sa.select(resources.c.resource_type, resources.c.resource_id, resources.c.ended_at)).all()
        assert [tuple(r) for r in rows] == [("User", ann, None)]
