"""Cost centers: a resource is one of GitHub's four types, and a deleted cost center keeps its
resources (spec 2.4)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from seatledger.db import tables as t
from seatledger.db.ledger import Ledger
from seatledger.db.versions import current_version
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


def test_renaming_and_ending_assignments_bump_the_version_and_end_only_what_is_named(engine: Engine) -> None:
    with engine.begin() as conn:
        b = EnterpriseBuilder(conn)
        ann, ben = b.user("ann"), b.user("ben")
        cc = b.ledger.add_cost_center(b.id, "R&D", created_at=T0)
        b.ledger.add_cost_center_resource(cc, "User", ann, started_at=T0)
        b.ledger.add_cost_center_resource(cc, "User", ben, started_at=T0)
    with engine.begin() as conn:
        before = current_version(conn, b.id)
        ledger = Ledger(conn)
        ledger.rename_cost_center(cc, "Research")
        assert ledger.end_cost_center_resources(cc, AS_OF, ("User", ann)) == 1
        assert ledger.end_cost_center_resources(cc, AS_OF, ("User", ann)) == 0  # already ended
    with engine.begin() as conn:
        assert current_version(conn, b.id) > before
        assert conn.execute(sa.select(t.cost_centers.c.name)).scalar_one() == "Research"
        assert Ledger(conn).end_cost_center_resources(cc, AS_OF) == 1  # ben's, the one still open
        r = t.cost_center_resources
        ended = dict(conn.execute(sa.select(r.c.resource_id, r.c.ended_at)).all())
    assert ended == {ann: AS_OF, ben: AS_OF}
