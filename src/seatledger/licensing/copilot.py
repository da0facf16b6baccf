"""Copilot Business and Enterprise seats (spec section 2.3).

A seat holds from ``created_at`` until ``ended_at`` (revoked, or its pending cancellation
took effect at the start of the next cycle). Per enterprise, one seat per person across its
orgs; a person with both plans counts as Enterprise only.

IMPLEMENTATION PENDING: signatures and types are the contract other modules build on.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterator

from sqlalchemy.engine import Connection

from seatledger.licensing.scope import Scope


@dataclass(frozen=True)
class SeatBreakdown:
    total: int
    added_this_cycle: int
    pending_cancellation: int
    pending_invitation: int
    active_this_cycle: int
    inactive_this_cycle: int


@dataclass(frozen=True)
class CopilotTotals:
    breakdown: SeatBreakdown
    business: int
    enterprise: int
    plan_type: str  # business | enterprise (enterprise if any Enterprise seat in scope)


@dataclass(frozen=True)
class CopilotSeat:
    seat_id: int
    user_id: int
    login: str
    name: str | None
    organization: str
    plan: str
    assigning_team: str | None  # team slug
    created_at: dt.datetime
    pending_cancellation_date: dt.date | None
    last_authenticated_at: dt.datetime | None
    last_activity_at: dt.datetime | None
    last_activity_editor: str | None


def copilot_totals(conn: Connection, scope: Scope, *, as_of: dt.datetime | None = None) -> CopilotTotals:
    """Scope is an enterprise or an organization."""
    raise NotImplementedError


def iter_copilot_seats(
    conn: Connection,
    scope: Scope,
    *,
    as_of: dt.datetime | None = None,
    inactive_days: int | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> Iterator[CopilotSeat]:
    """Seats held at ``as_of`` ordered by login (enterprise: one per person, the Enterprise-plan
    seat first); ``inactive_days`` keeps seats with no activity in that many days."""
    raise NotImplementedError
