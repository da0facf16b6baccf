"""The headline numbers of an enterprise (or one of its orgs): what ``seatledger summary``
prints and the summary page shows. It only gathers what the counting modules return, so
both surfaces show the same numbers without importing each other."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterator

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from seatledger.db import tables as t
from seatledger.errors import NotFound
from seatledger.licensing.advanced_security import PRODUCTS, CommitterTotals, committer_totals_by_product
from seatledger.licensing.copilot import CopilotTotals, copilot_totals
from seatledger.licensing.freshness import DataGap, SourceFreshness, data_gaps, source_freshness
from seatledger.licensing.scope import Scope, as_of_or_now, get_enterprise, resolve
from seatledger.licensing.seats import SeatTotals, seat_totals


@dataclass(frozen=True)
class EnterpriseSummary:
    """Seats, Advanced Security per product and Copilot, counted at one instant."""

    enterprise: str  # slug
    name: str
    organization: str | None  # set when the summary is of one organization
    as_of: dt.datetime
    seats: SeatTotals
    advanced_security: tuple[CommitterTotals, ...]  # code_security, then secret_protection
    copilot: CopilotTotals
    sources: tuple[SourceFreshness, ...] = ()  # each source's last import, coverage and failure
    data_gaps: tuple[DataGap, ...] = ()  # sources with no data before as_of: the numbers miss them


def enterprise_summary(
    conn: Connection, slug: str, org: str | None = None, as_of: dt.datetime | None = None
) -> EnterpriseSummary:
    """Everything the summary shows for enterprise ``slug`` (or its organization ``org``)."""
    when = as_of_or_now(as_of)
    info = get_enterprise(conn, slug)
    scope = Scope.enterprise(slug)
    if org is not None:
        scope = Scope.org(org)
        if resolve(conn, scope).enterprise.id != info.id:
            raise NotFound(f"no organization {org!r} in enterprise {slug!r}")
    committers = committer_totals_by_product(conn, scope, as_of=when)  # both products, one statement
    return EnterpriseSummary(
        enterprise=info.slug,
        name=info.name,
        organization=org,
        as_of=when,
        seats=seat_totals(conn, slug, org=org, as_of=when),
        advanced_security=tuple(committers[p] for p in PRODUCTS),
        copilot=copilot_totals(conn, scope, as_of=when),
        sources=tuple(source_freshness(conn, slug)),
        data_gaps=tuple(data_gaps(conn, slug, when)),
    )


def iter_enterprise_slugs(conn: Connection) -> Iterator[str]:
    """Every enterprise in the ledger, by slug."""
    e = t.enterprises
    yield from conn.execute(sa.select(e.c.slug).order_by(e.c.slug)).scalars()


def iter_organization_logins(conn: Connection, slug: str) -> Iterator[str]:
    """The organizations of enterprise ``slug``, by login (NotFound for an unknown slug)."""
    info = get_enterprise(conn, slug)
    o = t.organizations
    yield from (
        conn.execute(sa.select(o.c.login).where(o.c.enterprise_id == info.id).order_by(o.c.login)).scalars().all()
    )
