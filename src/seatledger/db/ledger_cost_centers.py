"""The ledger's writes of cost centers and the resources assigned to them."""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa

from seatledger.db import tables as t
from seatledger.db.clock import utcnow
from seatledger.db.ledger_writer import LedgerWriter
from seatledger.errors import InvalidInput, NotFound


class CostCenterWrites(LedgerWriter):
    """Cost centers and their resources."""

    def add_cost_center(
        self, enterprise_id: int, name: str, *, created_at: dt.datetime | None = None, id: str | None = None
    ) -> str:
        ccid = id or str(uuid.uuid4())
        self.conn.execute(
            sa.insert(t.cost_centers).values(
                id=ccid, enterprise_id=enterprise_id, name=name, created_at=created_at or utcnow()
            )
        )
        self._touch(enterprise_id, nothing=True)
        return ccid

    def add_cost_center_resource(
        self, cost_center_id: str, resource_type: str, resource_id: int, *, started_at: dt.datetime | None = None
    ) -> int:
        if resource_type not in ("User", "Org", "Repo", "Team"):
            raise InvalidInput(f"cost center resource type must be User, Org, Repo or Team, not {resource_type!r}")
        self._touch_cost_center(cost_center_id)
        return self._insert(
            t.cost_center_resources,
            cost_center_id=cost_center_id,
            resource_type=resource_type,
            resource_id=resource_id,
            started_at=started_at or utcnow(),
        )

    def rename_cost_center(self, cost_center_id: str, name: str) -> None:
        cc = t.cost_centers
        self.conn.execute(sa.update(cc).where(cc.c.id == cost_center_id).values(name=name))
        self._touch_cost_center(cost_center_id)

    def end_cost_center_resources(
        self, cost_center_id: str, at: dt.datetime, resource: tuple[str, int] | None = None
    ) -> int:
        """End the center's open assignments at ``at`` (of one (type, id) resource, or all);
        returns how many ended."""
        r = t.cost_center_resources
        where = [r.c.cost_center_id == cost_center_id, r.c.ended_at.is_(None)]
        if resource is not None:
            where += [r.c.resource_type == resource[0], r.c.resource_id == resource[1]]
        ended = self.conn.execute(sa.update(r).where(*where).values(ended_at=at)).rowcount
        if ended:
            self._touch_cost_center(cost_center_id)
        return int(ended)

    def delete_cost_center(self, cost_center_id: str, *, at: dt.datetime | None = None) -> None:
        """Mark a cost center deleted; its resources and past usage stay (spec 2.4)."""
        cc = t.cost_centers
        enterprise_id = self.conn.execute(
            sa.update(cc)
            .where(cc.c.id == cost_center_id)
            .values(deleted_at=at or utcnow())
            .returning(cc.c.enterprise_id)
        ).scalar()
        if enterprise_id is None:
            raise NotFound(f"no cost center {cost_center_id!r}")
        self._touch(int(enterprise_id), nothing=True)

    def _touch_cost_center(self, cost_center_id: str) -> None:
        cc = t.cost_centers
        eid = self.conn.execute(sa.select(cc.c.enterprise_id).where(cc.c.id == cost_center_id)).scalar()
        self._touch(int(eid) if eid is not None else None, nothing=True)
