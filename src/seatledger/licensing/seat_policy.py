"""The enterprise's seat product (metered or volume) and the counting policy it implies,
and the kept seat spans a count reads: what the seat counts, the people who hold a seat and
the Advanced Security rule "the committer holds a license" share."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from seatledger.db import statistics
from seatledger.db import tables as t
from seatledger.db import tables_intervals as ti
from seatledger.errors import NotFound
from seatledger.licensing.scope import EnterpriseInfo, as_of_or_now, enterprise_row
from seatledger.licensing.seat_reasons import Policy, Window

__all__ = ["Product", "consuming_user_ids", "load_product", "policy_for", "spans"]


@dataclass(frozen=True)
class Product:
    """What the enterprise bought of GitHub Enterprise (no row: metered, none purchased)."""

    billing: str
    purchased: int
    expires_at: dt.date | None


def load_product(conn: Connection, enterprise_id: int) -> Product:
    ep = t.enterprise_products
    row = conn.execute(
        sa.select(ep.c.billing, ep.c.purchased, ep.c.expires_at).where(
            ep.c.enterprise_id == enterprise_id, ep.c.product == t.PRODUCT_ENTERPRISE
        )
    ).first()
    if row is None:
        return Product("metered", 0, None)
    return Product(row.billing, int(row.purchased or 0), row.expires_at)


# The tables the seat rules (and the committer counts) read: planned well only with statistics.
RULE_TABLES = (
    "users",
    "user_emails",
    "organizations",
    "org_memberships",
    "repositories",
    "repo_collaborators",
    "invitations",
    "server_instances",
    "server_accounts",
    "vs_subscriptions",
    "enterprise_roles",
    "commits",
    "seat_reason_intervals",
    "seat_spans",
    "committer_windows",
    "email_windows",
    "ghas_enablements",
)


def policy_for(conn: Connection, info: EnterpriseInfo, product: Product | None = None) -> Policy:
    statistics.ensure(conn, RULE_TABLES)
    product = product or load_product(conn, info.id)
    consume = product.billing == "volume" or info.pending_invites_consume_metered
    """The counting policy of the enterprise: whether pending org invitations consume."""
    return Policy(info, org_invitations_consume=consume)


def spans(
    policy: Policy, org_id: int | None, scope: str | None = None
) -> tuple[sa.Table, list[sa.ColumnElement[bool]]]:
    """The kept spans of the enterprise (or of one org, or of Visual Studio reasons)."""
    s = ti.seat_spans
    if scope is None:
        scope = ti.SCOPE_ENTERPRISE if org_id is None else ti.SCOPE_ORGANIZATION
    return s, [s.c.enterprise_id == policy.enterprise.id, s.c.scope == scope, s.c.org_id == (org_id or 0)]


def consuming_user_ids(conn: Connection, enterprise_id: int, as_of: dt.datetime) -> sa.Select[Any]:
    """SELECT of the cloud user ids that hold an enterprise seat at ``as_of`` (composable SQL,
    used by the Advanced Security rule 'the committer holds a license')."""
    info = enterprise_row(conn, t.enterprises.c.id == enterprise_id)
    if info is None:
        raise NotFound(f"no enterprise with id {enterprise_id}")
    s, where = spans(policy_for(conn, info), None)
    # A person's spans are disjoint: each holder appears once.
    return sa.select(s.c.user_id).where(
        *where, s.c.user_id.is_not(None), Window(as_of_or_now(as_of)).overlaps(s.c.started_at, s.c.ended_at)
    )
