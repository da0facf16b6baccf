"""The ledger the file importer tests start from, and a snapshot of what they may write."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from seatledger.db import tables as t
from seatledger.db.ledger import Ledger


def acme_with_ada(engine: Engine) -> int:
    """Enterprises acme (its id returned) and globex; ada-cloud in acme with ada@acme.test verified."""
    with engine.begin() as conn:
        ledger = Ledger(conn)
        eid = ledger.add_enterprise("acme")
        ledger.add_enterprise("globex")
        ledger.add_user(eid, "ada-cloud", emails=["ada@acme.test"])
        return eid


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    names = (
        "server_instances",
        "server_accounts",
        "license_sync_events",
        "vs_subscriptions",
        "users",
        "user_emails",
        "org_memberships",
        "organizations",
        "repositories",
        "repo_collaborators",
    )
    with engine.connect() as conn:
        return {n: sorted(map(tuple, conn.execute(sa.select(t.metadata.tables[n])).all()), key=repr) for n in names}
