"""License history: a product's total at the end of every day of a range, at the enterprise
or through one organization, with the peak and the day it was first reached.

Every product's total at an instant is "the people holding it then", and who holds what when
is kept as intervals. So a history reads each person's intervals overlapping the range once,
reduces them to disjoint spans per person (for Advanced Security the kept committer spans,
which ``committer_totals`` counts), and counts at each day's last instant by binary search over the sorted span
starts and ends. The numbers equal the products' own totals at those instants (a test holds
them equal); one pass, however long the range.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from seatledger.db import tables as t
from seatledger.db.rules import merge_spans
from seatledger.db import tables_intervals as ti
from seatledger.db.committer_spans import enterprise_key, org_key
from seatledger.errors import InvalidInput
from seatledger.licensing.scope import EnterpriseInfo, get_enterprise, org_id_in

__all__ = ["HISTORY_PRODUCTS", "MAX_HISTORY_DAYS", "LicenseHistory", "license_history"]

HistoryProduct = Literal["enterprise", "code_security", "secret_protection", "copilot", "copilot_business", "copilot_enterprise"]
HISTORY_PRODUCTS: tuple[HistoryProduct, ...] = (
    "enterprise", "code_security", "secret_protection", "copilot", "copilot_business", "copilot_enterprise",
)
# Ten years of days: a bound on the answer's size, not on the work (one pass either way).
MAX_HISTORY_DAYS = 3660

_FOREVER = dt.datetime.max
Span = tuple[dt.datetime, dt.datetime]


@dataclass(frozen=True)
class LicenseHistory:
    product: str
    organization: str | None
    days: tuple[tuple[dt.date, int], ...]  # the total at the end of each day, first to last
    peak: int
    peak_day: dt.date  # the first day the peak was reached


def license_history(
    conn: Connection, enterprise: str, product: str, start: dt.date, end: dt.date, *, org: str | None = None
) -> LicenseHistory:
    """``product``'s total at the end of each day from ``start`` to ``end`` inclusive."""
    if product not in HISTORY_PRODUCTS:
        raise InvalidInput(f"product must be one of {', '.join(HISTORY_PRODUCTS)}, not {product!r}")
    if end < start:
        raise InvalidInput(f"the history ends ({end}) before it starts ({start})")
    count = (end - start).days + 1
    if count > MAX_HISTORY_DAYS:
        raise InvalidInput(f"a history covers at most {MAX_HISTORY_DAYS} days, not {count}")
    info = get_enterprise(conn, enterprise)
    org_id = org_id_in(conn, info, org)
    days = [start + dt.timedelta(days=i) for i in range(count)]
    instants = [_end_of(d) for d in days]
    first, last = instants[0], instants[-1]
    if product == "enterprise":
        spans = _seat_spans(conn, info, org_id, first, last)
    elif product.startswith("copilot"):
        spans = _copilot_spans(conn, info, org_id, product, first, last)
    else:
        spans = _committer_spans(conn, info, org_id, product, first, last)
    counts = _counts(spans.values(), instants)
    peak = max(counts)
    return LicenseHistory(
        product=product, organization=org, days=tuple(zip(days, counts)), peak=peak, peak_day=days[counts.index(peak)]
    )


def _end_of(day: dt.date) -> dt.datetime:
    """The day's last instant, as ``seat_history`` counts it."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time()) - dt.timedelta(microseconds=1)


def _overlaps(started: sa.ColumnElement, ended: sa.ColumnElement, first: dt.datetime, last: dt.datetime) -> sa.ColumnElement[bool]:
    return sa.and_(started <= last, sa.or_(ended.is_(None), ended > first), sa.or_(ended.is_(None), ended > started))


def _counts(people: Iterable[list[Span]], instants: list[dt.datetime]) -> list[int]:
    """How many people hold at each instant: each person's spans merged (so they count once),
    then holders at t = spans started by t minus spans ended by t."""
    starts: list[dt.datetime] = []
    ends: list[dt.datetime] = []
    for spans in people:
        for s, e in _merge(spans):
            starts.append(s)
            ends.append(e)
    starts.sort()
    ends.sort()
    return [bisect.bisect_right(starts, at) - bisect.bisect_right(ends, at) for at in instants]


def _merge(spans: list[Span]) -> list[Span]:
    return merge_spans(x for x in spans if x[0] < x[1])  # an empty span holds at no instant


def _seat_spans(conn: Connection, info: EnterpriseInfo, org_id: int | None, first: dt.datetime, last: dt.datetime) -> dict[object, list[Span]]:
    s = ti.seat_spans
    scope = ti.SCOPE_ENTERPRISE if org_id is None else ti.SCOPE_ORGANIZATION
    out: dict[object, list[Span]] = defaultdict(list)
    for row in conn.execute(
        sa.select(s.c.user_id, s.c.other_key, s.c.started_at, s.c.ended_at).where(
            s.c.enterprise_id == info.id, s.c.scope == scope, s.c.org_id == (org_id or 0),
            _overlaps(s.c.started_at, s.c.ended_at, first, last),
        )
    ):
        out[(row.user_id, row.other_key)].append((row.started_at, row.ended_at or _FOREVER))
    return out


def _copilot_spans(
    conn: Connection, info: EnterpriseInfo, org_id: int | None, product: str, first: dt.datetime, last: dt.datetime
) -> dict[object, list[Span]]:
    """Per person their seats in scope (any plan for ``copilot``); a person holding an
    Enterprise-plan seat counts as Enterprise only, so Business is everyone minus them."""
    cs, o = t.copilot_seats, t.organizations
    in_scope = o.c.enterprise_id == info.id if org_id is None else o.c.id == org_id
    every: dict[object, list[Span]] = defaultdict(list)
    enterprise_plan: dict[object, list[Span]] = defaultdict(list)
    for row in conn.execute(
        sa.select(cs.c.user_id, cs.c.plan, cs.c.created_at, cs.c.ended_at)
        .join(o, o.c.id == cs.c.organization_id)
        .where(in_scope, _overlaps(cs.c.created_at, cs.c.ended_at, first, last))
    ):
        span = (row.created_at, row.ended_at or _FOREVER)
        every[row.user_id].append(span)
        if row.plan == "enterprise":
            enterprise_plan[row.user_id].append(span)
    if product == "copilot":
        return every
    if product == "copilot_enterprise":
        return enterprise_plan
    return {user: _minus(_merge(spans), _merge(enterprise_plan.get(user, []))) for user, spans in every.items()}


def _minus(spans: list[Span], cut: list[Span]) -> list[Span]:
    """``spans`` (merged) without the instants of ``cut`` (merged)."""
    out: list[Span] = []
    for s, e in spans:
        pieces = [(s, e)]
        for cs, ce in cut:
            pieces = [p for ps, pe in pieces for p in ((ps, min(pe, cs)), (max(ps, ce), pe)) if p[0] < p[1]]
        out += pieces
    return out


def _committer_spans(
    conn: Connection, info: EnterpriseInfo, org_id: int | None, product: str, first: dt.datetime, last: dt.datetime
) -> dict[object, list[Span]]:
    """The kept committer spans of the scope (what ``committer_totals`` counts): a committer
    window ∩ the product enabled there ∩ an enterprise seat, merged per person."""
    cs = ti.committer_spans
    key = org_key(org_id) if org_id is not None else enterprise_key()
    out: dict[object, list[Span]] = defaultdict(list)
    for row in conn.execute(
        sa.select(cs.c.user_id, cs.c.started_at, cs.c.ended_at).where(
            cs.c.enterprise_id == info.id, cs.c.product == product, cs.c.scope_key == key,
            _overlaps(cs.c.started_at, cs.c.ended_at, first, last),
        )
    ):
        out[row.user_id].append((row.started_at, row.ended_at))
    return out
