"""License history: a product's total at the end of every day of a range, at the enterprise
or through one organization, with the peak and the day it was first reached.

Every product's total at an instant is "the people holding it then", and who holds what when
is kept as intervals. Seats and Advanced Security are kept as disjoint spans per person, so
the people holding at an instant are the spans started by then minus those ended by then: two
index counts at the range's first instant, and the few spans that start or end inside the
range, swept in time order (:func:`held_at_instants`). Copilot seats are read per person,
merged and counted the same way. The numbers equal the products' own totals at those instants
(a test holds them equal); one pass, however long the range.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Iterable, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from seatledger.db import tables as t
from seatledger.db.rules import merge_spans
from seatledger.db import tables_intervals as ti
from seatledger.db.committer_spans import enterprise_key, org_key
from seatledger.errors import InvalidInput
from seatledger.licensing.scope import EnterpriseInfo, get_enterprise, org_id_in

__all__ = ["HISTORY_PRODUCTS", "MAX_HISTORY_DAYS", "LicenseHistory", "license_history"]

HistoryProduct = Literal[
    "enterprise", "code_security", "secret_protection", "copilot", "copilot_business", "copilot_enterprise"
]
HISTORY_PRODUCTS: tuple[HistoryProduct, ...] = (
    "enterprise",
    "code_security",
    "secret_protection",
    "copilot",
    "copilot_business",
    "copilot_enterprise",
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
    instants = [end_of_day(d) for d in days]
    if product == "enterprise":
        s = ti.seat_spans
        scope = ti.SCOPE_ENTERPRISE if org_id is None else ti.SCOPE_ORGANIZATION
        counts = held_at_instants(
            conn, s, [s.c.enterprise_id == info.id, s.c.scope == scope, s.c.org_id == (org_id or 0)], instants
        )
    elif product.startswith("copilot"):
        counts = _counts(_copilot_spans(conn, info, org_id, product, instants[0], instants[-1]).values(), instants)
    else:
        cs = ti.committer_spans
        key = org_key(org_id) if org_id is not None else enterprise_key()
        counts = held_at_instants(
            conn, cs, [cs.c.enterprise_id == info.id, cs.c.product == product, cs.c.scope_key == key], instants
        )
    peak = max(counts)
    return LicenseHistory(
        product=product, organization=org, days=tuple(zip(days, counts)), peak=peak, peak_day=days[counts.index(peak)]
    )


def end_of_day(day: dt.date) -> dt.datetime:
    """The day's last instant, at which a history counts the day."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time()) - dt.timedelta(microseconds=1)


def held_at_instants(
    conn: Connection, spans: sa.Table, where: list[sa.ColumnElement[bool]], instants: list[dt.datetime]
) -> list[int]:
    """People holding at each of ``instants`` (ascending), from kept spans that are disjoint per
    person (``started_at``, ``ended_at`` NULL or later): those started by t minus those ended by
    t. A span that ends no later than it starts never holds and is left out."""
    c = spans.c
    kept = [*where, sa.or_(c.ended_at.is_(None), c.ended_at > c.started_at)]
    first, last = instants[0], instants[-1]

    def count(*condition: sa.ColumnElement[bool]) -> int:
        return int(conn.execute(sa.select(sa.func.count()).select_from(spans).where(*kept, *condition)).scalar_one())

    def times(column: sa.ColumnElement[dt.datetime]) -> list[dt.datetime]:
        return sorted(conn.execute(sa.select(column).where(*kept, column > first, column <= last)).scalars())

    started, ended = count(c.started_at <= first), count(c.ended_at <= first)
    starts, ends = times(c.started_at), times(c.ended_at)
    return [started + bisect.bisect_right(starts, at) - ended - bisect.bisect_right(ends, at) for at in instants]


def _overlaps(
    started: sa.ColumnElement[Any], ended: sa.ColumnElement[Any], first: dt.datetime, last: dt.datetime
) -> sa.ColumnElement[bool]:
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
