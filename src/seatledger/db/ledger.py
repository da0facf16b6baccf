"""The one write API of the ledger. Demo generator, importers and test factories all use it.

A :class:`Ledger` wraps a Connection inside a transaction owned by the caller
(``with engine.begin() as conn: Ledger(conn)...``), so an import that fails half-way is
rolled back whole. Methods take plain values, lower-case emails, and return row ids.
Its writes come one area to a module (accounts, access, repositories, servers, Copilot, cost
centers, ingest runs, the bulk loader), each on the steps every write shares (ledger_writer.py).
"""

from __future__ import annotations

import sqlalchemy as sa

from seatledger.db import tables as t
from seatledger.db import versions
from seatledger.db.bulk_load import BulkLoad
from seatledger.db.ledger_access import AccessWrites
from seatledger.db.ledger_accounts import AccountWrites
from seatledger.db.ledger_copilot import CopilotWrites
from seatledger.db.ledger_cost_centers import CostCenterWrites
from seatledger.db.ledger_ingest_runs import IngestRunWrites
from seatledger.db.ledger_repos import RepoWrites
from seatledger.db.ledger_servers import ServerWrites
from seatledger.errors import NotFound


class Ledger(
    AccountWrites, AccessWrites, RepoWrites, ServerWrites, CopilotWrites, CostCenterWrites, IngestRunWrites, BulkLoad
):
    """Writes to the ledger through one connection; the caller owns the transaction."""

    def enterprise_id(self, slug: str) -> int:
        eid = self.conn.execute(sa.select(t.enterprises.c.id).where(t.enterprises.c.slug == slug)).scalar()
        if eid is None:
            raise NotFound(f"no enterprise {slug!r}")
        return int(eid)

    def org_id(self, login: str) -> int:
        oid = self.conn.execute(sa.select(t.organizations.c.id).where(t.organizations.c.login == login)).scalar()
        if oid is None:
            raise NotFound(f"no organization {login!r}")
        return int(oid)

    def user_id(self, enterprise_id: int, login: str) -> int | None:
        uid = self.conn.execute(
            sa.select(t.users.c.id).where(t.users.c.enterprise_id == enterprise_id, t.users.c.login == login)
        ).scalar()
        return int(uid) if uid is not None else None

    def lock_enterprise(self, enterprise_id: int) -> None:
        """Hold the enterprise's version row until the transaction ends (:func:`versions.lock`)."""
        versions.lock(self.conn, enterprise_id)
