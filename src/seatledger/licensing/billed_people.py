"""Who is billed for each license SKU on each day of a month (spec 2.1-2.3), for
:mod:`seatledger.licensing.usage`.

A month is looked at as a whole: the seat reasons of the seats engine over the month's window
(one query), the kept Advanced Security committer spans overlapping the month (one query for
both products), and every Copilot seat overlapping
the month (one query, evaluated at the month's first instant and at each day's end with the
Copilot engine's ranking). The billable rule — billed until the end of the month once billed —
is applied here: a :class:`BilledPerson` is billed every day from ``first`` on.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Iterable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from seatledger.db import rules
from seatledger.db import tables as t
from seatledger.db import tables_intervals as ti
from seatledger.db.committer_spans import enterprise_key
from seatledger.licensing import seat_reasons
from seatledger.licensing.seat_policy import policy_for
from seatledger.licensing.scope import EnterpriseInfo

GHEC = "ghec_licenses"
SECRET_PROTECTION = "ghas_secret_protection_licenses"
CODE_SECURITY = "ghas_code_security_licenses"
COPILOT_BUSINESS = "copilot_for_business"
COPILOT_ENTERPRISE = "copilot_enterprise"
AS_PRODUCTS = {SECRET_PROTECTION: "secret_protection", CODE_SECURITY: "code_security"}


def day_end(day: dt.date) -> dt.datetime:
    """The last sampled instant of a day (the ledger keeps whole seconds)."""
    return dt.datetime.combine(day, dt.time(23, 59, 59))


@dataclass
class BilledPerson:
    """One person's month for one SKU: billed from ``first`` (day of month) on; ``orgs[d]`` is
    the granting org id on day d (index 0 unused)."""

    user_id: int | None
    login: str | None
    first: int
    orgs: list[int | None]
    bundled: bool = False  # a Visual Studio-bundled license: gross, discounted whole
    # Days billed, when not every day from ``first`` on (a Copilot seat that moved to the
    # Enterprise plan stops its Business billing).
    mask: list[bool] | None = None

    def billed(self, d: int) -> bool:
        return d >= self.first and (self.mask is None or self.mask[d])


@dataclass(frozen=True)
class BilledGroup:
    """``count`` people billed alike all month: from day ``first`` on, through the org
    ``org_id`` every day. ``user_id`` is set for a person allocated to a cost center on their
    own (a group of one)."""

    first: int
    org_id: int | None
    bundled: bool
    user_id: int | None
    count: int


@dataclass
class MonthBilling:
    """Who is billed for one SKU in a month: people described one by one, and groups."""

    people: list[BilledPerson]
    groups: list[BilledGroup]


# An org's place in the granting order as one integer, so the database can take the minimum:
# (created_at in epoch seconds) * _ORG_IDS + id, and tier by tier, tier * _TIERS + that. The
# years 1970-2999 (validation.py) and ids below ten million keep it within 63 bits.
_ORG_IDS = 10**7
_TIERS = 10**18


class BillingMonth:
    """One month of one enterprise, up to ``last_day`` (today, for the running month)."""

    def __init__(self, conn: Connection, ent: EnterpriseInfo, year: int, month: int, last_day: int) -> None:
        self.conn = conn
        self.ent = ent
        self.year = year
        self.month = month
        self.days = calendar.monthrange(year, month)[1]
        self.last_day = last_day  # the last day with usage (today for the running month)
        self.start = dt.datetime(year, month, 1)
        # sample 0 = the month's first instant; sample d = the end of day d
        self.samples = [self.start] + [day_end(dt.date(year, month, d)) for d in range(1, last_day + 1)]
        self.window_end = self.samples[-1] + dt.timedelta(seconds=1)

    def day(self, d: int) -> dt.date:
        return dt.date(self.year, self.month, d)

    @cached_property
    def logins(self) -> dict[int, str]:
        """The enterprise's users' logins by id, read once for the month's SKUs."""
        u = t.users
        stmt = sa.select(u.c.id, u.c.login).where(u.c.enterprise_id == self.ent.id)
        return {row.id: row.login for row in self.conn.execute(stmt)}

    @cached_property
    def day_spans(self) -> list[tuple[dt.datetime, dt.datetime]]:
        """Each day's first and last sampled instant (index = day; index 0 unused)."""
        days = [(dt.datetime.combine(self.day(d), dt.time()), day_end(self.day(d))) for d in range(1, self.days + 1)]
        return [(self.start, self.start), *days]

    @cached_property
    def org_created(self) -> dict[int, dt.datetime]:
        """When each of the enterprise's organizations was made (the oldest grants first)."""
        o = t.organizations
        stmt = sa.select(o.c.id, o.c.created_at).where(o.c.enterprise_id == self.ent.id)
        return {row.id: row.created_at for row in self.conn.execute(stmt)}


def _first_instant_day(m: BillingMonth, started: dt.datetime) -> int:
    """The day of the month a reason starting at ``started`` is first held (day 1 if earlier)."""
    return 1 if started <= m.start else started.day


_TIER = {
    seat_reasons.REASON_ORG_OWNER: 0,
    seat_reasons.REASON_ORG_MEMBER: 0,
    seat_reasons.REASON_OUTSIDE_COLLABORATOR: 1,
    seat_reasons.REASON_PENDING_INVITATION: 2,
}


# (tier, org created_at, org id, started, ended): one reason of a person through an org.
_OrgCandidate = tuple[int, dt.datetime, int, dt.datetime, dt.datetime | None]


def _granting_orgs(m: BillingMonth, candidates: list[_OrgCandidate], first: int) -> list[int | None]:
    """The granting org per day from ``first``: the oldest org related that day (best tier),
    else the one related most recently before (a removed person stays billed there).
    ``candidates`` are (tier, org created_at, org id, started, ended)."""
    orgs: list[int | None] = [None] * (m.days + 1)
    if not candidates:
        return orgs
    if all(c[3] <= m.start and c[4] is None for c in candidates):  # unchanged all month: the common case
        best = min(candidates, key=lambda c: (c[0], c[1], c[2]))[2]
        for d in range(first, m.last_day + 1):
            orgs[d] = best
        return orgs
    ordered = sorted(candidates, key=lambda c: (c[0], c[1], c[2]))  # the best grant first
    for d in range(first, m.last_day + 1):
        start, end = m.day_spans[d]
        held = next((c for c in ordered if c[3] <= end and (c[4] is None or c[4] > start)), None)
        if held is not None:
            orgs[d] = held[2]
            continue
        before = [c for c in ordered if c[3] <= end]
        if before:
            latest = max(c[4] for c in before if c[4] is not None)
            orgs[d] = next(c for c in before if c[4] == latest)[2]
    return orgs


def _org_order(o: sa.Table | sa.Alias) -> sa.ColumnElement[int]:
    """The org's place in the granting order (oldest first, then by id), as one integer."""
    return rules.EpochSeconds(o.c.created_at) * sa.literal(_ORG_IDS, sa.BigInteger) + o.c.id


def _org_of(best: int | None) -> int | None:
    """The org id of a :func:`_org_order` (or a tier's ``tier * _TIERS +`` it)."""
    return None if best is None else best % _ORG_IDS


def _month_reasons(conn: Connection, m: BillingMonth, org_id: int | None = None) -> sa.Subquery:
    """The seat reasons that hold at some instant of the month; with ``org_id``, only those of
    the people with a reason through that org (no one else can be billed through it)."""
    window, policy = seat_reasons.Window(m.start, m.window_end), policy_for(conn, m.ent)
    rows = seat_reasons.reasons(policy, window)
    if org_id is None:
        return rows
    through = seat_reasons.reasons(policy, window, org_id=org_id)
    return sa.select(rows).where(_of_people(rows, through)).subquery("reasons")


def _of_people(rows: sa.Subquery, people: sa.Subquery) -> sa.ColumnElement[bool]:
    """``rows`` of the people in ``people`` (both with ``user_id`` and ``other_key``)."""
    return sa.or_(
        rows.c.user_id.in_(sa.select(people.c.user_id).where(people.c.user_id.is_not(None))),
        sa.and_(
            rows.c.user_id.is_(None),
            rows.c.other_key.in_(sa.select(people.c.other_key).where(people.c.user_id.is_(None))),
        ),
    )


def _people_from_reasons(m: BillingMonth, rows: Iterable[Any], logins: dict[int, str] | None) -> list[BilledPerson]:
    orgs = m.org_created
    people: dict[str, dict[str, Any]] = {}
    for row in rows:
        p = people.setdefault(
            seat_reasons.person_key(row.user_id, row.other_key),
            {"user_id": row.user_id, "first": m.days + 1, "orgs": [], "vs": False},
        )
        p["first"] = min(p["first"], _first_instant_day(m, row.started_at))
        if row.reason == seat_reasons.REASON_VISUAL_STUDIO:
            p["vs"] = True
        if row.org_id is not None and row.reason in _TIER and row.org_id in orgs:
            p["orgs"].append((_TIER[row.reason], orgs[row.org_id], row.org_id, row.started_at, row.ended_at))
    out = []
    for key, p in people.items():
        uid = p["user_id"]
        # people without a cloud account are named by their key's email ("server:a@b")
        login = None if logins is None else logins.get(uid) if uid is not None else key.partition(":")[2]
        out.append(BilledPerson(uid, login, p["first"], _granting_orgs(m, p["orgs"], p["first"]), p["vs"]))
    return out


def enterprise_people(conn: Connection, m: BillingMonth) -> list[BilledPerson]:
    """Everyone with a seat reason at some instant of the month up to ``last_day`` (the seats
    engine's rules, queried once for the whole window): cloud accounts, server-only people and
    email invitees. Billed from the day their first reason of the month starts."""
    return _people_from_reasons(m, conn.execute(sa.select(_month_reasons(conn, m))), m.logins)


def _org_edges(m: BillingMonth, reasons: sa.FromClause) -> tuple[sa.ColumnElement[bool], sa.ColumnElement[bool]]:
    """A reason through an org that starts in the month, and one that ends in it: who holds
    such a reason may change granting org during the month. Two conditions, so each can be an
    index range of its own."""
    c = reasons.c
    through_org = sa.and_(c.reason.in_(list(_TIER)), c.org_id.is_not(None))
    return (
        sa.and_(through_org, c.started_at > m.start, c.started_at < m.window_end),
        sa.and_(through_org, c.ended_at > m.start, c.ended_at < m.window_end),
    )


def _first_day(m: BillingMonth, started: sa.ColumnElement[Any]) -> sa.ColumnElement[int]:
    """SQL for :func:`_first_instant_day`."""
    return sa.case((started <= m.start, 1), else_=sa.cast(sa.extract("day", started), sa.Integer))


def _own(user_id: sa.ColumnElement[Any], own: sa.CompoundSelect[tuple[int]]) -> sa.ColumnElement[Any]:
    """The user id when the person is allocated to a cost center on their own, else NULL: such
    people are their own group."""
    return sa.case((user_id.in_(own), user_id)).label("own_user_id")


def _groups(conn: Connection, keyed: sa.Subquery, *keys: str) -> list[Any]:
    """Count the rows of ``keyed`` by ``keys``, ``first_day`` and ``own_user_id``."""
    columns = [keyed.c[k] for k in (*keys, "first_day", "own_user_id")]
    return list(conn.execute(sa.select(*columns, sa.func.count().label("people")).group_by(*columns)))


def enterprise_billing(
    conn: Connection, m: BillingMonth, own: sa.CompoundSelect[tuple[int]], org_id: int | None = None
) -> MonthBilling:
    """:func:`enterprise_people`, with the people whose reasons held all month through the
    same organizations counted in groups by the database: only those whose granting org may
    change during the month (a reason through an org starts or ends in it), and those in
    ``own`` (user ids allocated to a cost center one by one), are described one by one. With
    ``org_id``, only the people who may be billed through that org."""
    r, o = _month_reasons(conn, m, org_id), t.organizations
    tier = sa.case({reason: n for reason, n in _TIER.items()}, value=r.c.reason)
    candidate = sa.case(
        (
            sa.and_(r.c.reason.in_(list(_TIER)), o.c.id.is_not(None)),
            tier * sa.literal(_TIERS, sa.BigInteger) + _org_order(o),
        )
    )
    with_org = r.outerjoin(o, sa.and_(o.c.id == r.c.org_id, o.c.enterprise_id == m.ent.id))
    person = (
        sa.select(
            r.c.user_id,
            sa.func.min(r.c.started_at).label("started_at"),
            sa.func.max(sa.case((r.c.reason == seat_reasons.REASON_VISUAL_STUDIO, 1), else_=0)).label("vs"),
            sa.func.max(sa.case((sa.or_(*_org_edges(m, r)), 1), else_=0)).label("moves"),
            sa.func.min(candidate).label("best"),
        )
        .select_from(with_org)
        .group_by(r.c.user_id, r.c.other_key)
        .subquery("person")
    )
    keyed = (
        sa.select(
            _first_day(m, person.c.started_at).label("first_day"),
            person.c.vs,
            person.c.best,
            _own(person.c.user_id, own),
        )
        .where(person.c.moves == 0)
        .subquery("keyed")
    )
    groups = [
        BilledGroup(row.first_day, _org_of(row.best), bool(row.vs), row.own_user_id, row.people)
        for row in _groups(conn, keyed, "vs", "best")
    ]
    # The people whose granting org may move: all their reasons, described one by one.
    rr = ti.seat_reason_intervals
    moving = sa.union(
        *(
            sa.select(rr.c.user_id, rr.c.other_key).where(rr.c.enterprise_id == m.ent.id, edge)
            for edge in _org_edges(m, rr)
        )
    ).subquery("moving")
    rows = _month_reasons(conn, m, org_id)
    theirs = sa.select(rows).where(_of_people(rows, moving))
    return MonthBilling(_people_from_reasons(m, conn.execute(theirs), None), groups)


def _committer_window(m: BillingMonth, org_id: int | None = None) -> list[sa.ColumnElement[bool]]:
    """The kept committer spans of both products, at the enterprise and org scopes, that hold
    at some instant of the month up to its last sampled day; with ``org_id``, only those of the
    people with such a span in that org (no one else can be billed through it)."""
    cs = ti.committer_spans

    def holding(spans: sa.FromClause) -> list[sa.ColumnElement[bool]]:
        return [
            spans.c.enterprise_id == m.ent.id,
            spans.c.product.in_(list(AS_PRODUCTS.values())),
            spans.c.started_at <= m.samples[-1],
            spans.c.ended_at > m.start,
            spans.c.ended_at > spans.c.started_at,
        ]

    where = [*holding(cs), sa.or_(cs.c.scope_key == enterprise_key(), cs.c.scope_key.startswith("o:"))]
    if org_id is not None:
        there = ti.committer_spans.alias("there")
        where.append(
            cs.c.user_id.in_(sa.select(there.c.user_id).where(*holding(there), there.c.scope_key == f"o:{org_id}"))
        )
    return where


def committer_people(conn: Connection, m: BillingMonth) -> dict[str, list[BilledPerson]]:
    """People billed for each Advanced Security SKU this month: everyone with a kept committer
    span of the product (a push's window ∩ the product enabled there, as it was then ∩ a seat)
    at some instant of the month up to its last sampled day, billed from the day that span
    starts (day 1 when it started before the month), through the oldest organization whose
    repositories they commit to in the month (none for user-namespace repositories only)."""
    cs = ti.committer_spans
    created, logins = m.org_created, m.logins
    stmt = (
        sa.select(cs.c.product, cs.c.scope_key, cs.c.user_id, sa.func.min(cs.c.started_at).label("started_at"))
        .where(*_committer_window(m))
        .group_by(cs.c.product, cs.c.scope_key, cs.c.user_id)
    )
    first: dict[str, dict[int, int]] = {sku: {} for sku in AS_PRODUCTS}
    orgs: dict[str, dict[int, list[int]]] = {sku: defaultdict(list) for sku in AS_PRODUCTS}
    sku_of = {product: sku for sku, product in AS_PRODUCTS.items()}
    for row in conn.execute(stmt):
        sku = sku_of[row.product]
        if row.scope_key == enterprise_key():
            first[sku][row.user_id] = _first_instant_day(m, row.started_at)
        else:
            org_id = int(row.scope_key[2:])
            if org_id in created:
                orgs[sku][row.user_id].append(org_id)
    out: dict[str, list[BilledPerson]] = {}
    for sku in AS_PRODUCTS:
        people = []
        for uid, day in first[sku].items():
            ranked = sorted((created[o], o) for o in orgs[sku].get(uid, ()))
            granting = ranked[0][1] if ranked else None
            day_orgs: list[int | None] = [None] * (m.days + 1)
            for d in range(day, m.last_day + 1):
                day_orgs[d] = granting
            people.append(BilledPerson(uid, logins.get(uid), day, day_orgs))
        out[sku] = people
    return out


def committer_billing(
    conn: Connection, m: BillingMonth, own: sa.CompoundSelect[tuple[int]], org_id: int | None = None
) -> dict[str, MonthBilling]:
    """:func:`committer_people`, counted in groups by the database (each person is billed
    through one organization all month): one group per product, first day, granting org, and
    person allocated on their own (``own``); with ``org_id``, only people who may be billed
    through it."""
    cs, o = ti.committer_spans, t.organizations
    spans = (
        sa.select(cs.c.product, cs.c.user_id, cs.c.scope_key, cs.c.started_at)
        .where(*_committer_window(m, org_id))
        .subquery()
    )
    # "o:<id>" -> id (a join on the org's id, not on a key built per org, keeps an index on it)
    org_of_span = sa.case(
        (spans.c.scope_key.startswith("o:"), sa.cast(sa.func.substr(spans.c.scope_key, 3), sa.Integer))
    )
    from_enterprise = sa.func.min(sa.case((spans.c.scope_key == enterprise_key(), spans.c.started_at)))
    person = (
        sa.select(
            spans.c.product,
            spans.c.user_id,
            from_enterprise.label("started_at"),
            sa.func.min(_org_order(o)).label("best"),
        )
        .select_from(spans.outerjoin(o, sa.and_(o.c.id == org_of_span, o.c.enterprise_id == m.ent.id)))
        .group_by(spans.c.product, spans.c.user_id)
        .having(from_enterprise.is_not(None))
        .subquery("person")
    )
    keyed = sa.select(
        person.c.product,
        person.c.best,
        _first_day(m, person.c.started_at).label("first_day"),
        _own(person.c.user_id, own),
    ).subquery("keyed")
    out = {sku: MonthBilling([], []) for sku in AS_PRODUCTS}
    sku_of = {product: sku for sku, product in AS_PRODUCTS.items()}
    for row in _groups(conn, keyed, "product", "best"):
        out[sku_of[row.product]].groups.append(
            BilledGroup(row.first_day, _org_of(row.best), False, row.own_user_id, row.people)
        )
    return out


def _copilot_window(m: BillingMonth, org_id: int | None = None) -> list[sa.ColumnElement[bool]]:
    """The Copilot seats of the enterprise held at some instant of the month's samples; with
    ``org_id``, only those of people holding a seat of that org then (no one else can be billed
    through it)."""
    s, o = t.copilot_seats, t.organizations

    def holding(seats: sa.FromClause) -> list[sa.ColumnElement[bool]]:
        return [seats.c.created_at <= m.samples[-1], sa.or_(seats.c.ended_at.is_(None), seats.c.ended_at > m.start)]

    where = [o.c.enterprise_id == m.ent.id, *holding(s)]
    if org_id is not None:
        there = t.copilot_seats.alias("there")
        where.append(
            s.c.user_id.in_(sa.select(there.c.user_id).where(there.c.organization_id == org_id, *holding(there)))
        )
    return where


def _copilot_state(
    conn: Connection, m: BillingMonth, users: sa.Select[Any] | None = None
) -> dict[int, list[tuple[str, int | None] | None]]:
    """user id -> per day (plan, org id) of the seat that bills them that day.

    A person's seat at an instant is the one ``copilot.iter_copilot_seats`` lists (Enterprise
    plan first, then the oldest org); the seats are read once for the month and evaluated at
    the month's first instant and at each day's end. A day takes the latest such instant on or
    before it where the person held a seat: a removed seat is billed to the end of the month."""
    s, o = t.copilot_seats, t.organizations
    stmt = (
        sa.select(
            s.c.id,
            s.c.user_id,
            s.c.plan,
            s.c.created_at,
            s.c.ended_at,
            o.c.id.label("org_id"),
            o.c.created_at.label("org_created"),
        )
        .join(o, o.c.id == s.c.organization_id)
        .where(*_copilot_window(m))
        .order_by(s.c.user_id)
    )
    if users is not None:
        stmt = stmt.where(s.c.user_id.in_(users))
    # user id -> (rank, plan, org id, created_at, ended_at) of each of their seats
    seats_of: dict[int, list[tuple[tuple[int, dt.datetime, int, int], str, int, dt.datetime, dt.datetime | None]]]
    seats_of = defaultdict(list)
    for row in conn.execute(stmt):
        rank = (0 if row.plan == "enterprise" else 1, row.org_created, row.org_id, row.id)
        seats_of[row.user_id].append((rank, row.plan, row.org_id, row.created_at, row.ended_at))
    state: dict[int, list[tuple[str, int | None] | None]] = {}
    for uid, rows in seats_of.items():
        rows.sort(key=lambda x: x[0])
        days: list[tuple[str, int | None] | None] = [None] * (m.days + 1)
        current = None
        for index, at in enumerate(m.samples):
            held = next((x for x in rows if x[3] <= at and (x[4] is None or x[4] > at)), None)
            if held is not None:
                current = (held[1], held[2])
            if index >= 1:
                days[index] = current
        if any(days):
            state[uid] = days
    return state


def copilot_people(conn: Connection, m: BillingMonth) -> dict[str, list[BilledPerson]]:
    return _copilot_people(m, _copilot_state(conn, m), m.logins)


_PLAN_SKUS = {"business": COPILOT_BUSINESS, "enterprise": COPILOT_ENTERPRISE}


def copilot_billing(
    conn: Connection, m: BillingMonth, own: sa.CompoundSelect[tuple[int]], org_id: int | None = None
) -> dict[str, MonthBilling]:
    """:func:`copilot_people`, with the people who hold one seat that does not end before the
    month's last sample counted in groups by the database (plan, org, first day, and person
    allocated on their own): only people with several seats or a seat ending are evaluated day
    by day. With ``org_id``, only people who may be billed through it."""
    s, o = t.copilot_seats, t.organizations
    holders = sa.select(s.c.user_id).join(o, o.c.id == s.c.organization_id).where(*_copilot_window(m, org_id))
    holders = holders.group_by(s.c.user_id)
    ends = sa.func.max(sa.case((sa.and_(s.c.ended_at.is_not(None), s.c.ended_at <= m.samples[-1]), 1), else_=0))
    steady = sa.and_(sa.func.count() == 1, ends == 0)  # one seat, held at the month's last sample
    one_seat = (
        holders.add_columns(
            sa.func.min(s.c.plan).label("plan"),
            sa.func.min(o.c.id).label("org_id"),
            sa.func.min(s.c.created_at).label("started_at"),
        )
        .having(steady)
        .subquery("person")
    )
    keyed = (
        sa.select(
            one_seat.c.plan,
            one_seat.c.org_id,
            _first_day(m, one_seat.c.started_at).label("first_day"),
            _own(one_seat.c.user_id, own),
        )
        .where(one_seat.c.plan.in_(list(_PLAN_SKUS)))
        .subquery("keyed")
    )
    several = holders.having(sa.not_(steady))
    out = {
        sku: MonthBilling(people, [])
        for sku, people in _copilot_people(m, _copilot_state(conn, m, several), None).items()
    }
    for row in _groups(conn, keyed, "plan", "org_id"):
        out[_PLAN_SKUS[row.plan]].groups.append(
            BilledGroup(row.first_day, row.org_id, False, row.own_user_id, row.people)
        )
    return out


def _copilot_people(
    m: BillingMonth, state: dict[int, list[tuple[str, int | None] | None]], logins: dict[int, str] | None
) -> dict[str, list[BilledPerson]]:
    out: dict[str, list[BilledPerson]] = {COPILOT_BUSINESS: [], COPILOT_ENTERPRISE: []}
    for uid, days in state.items():
        for plan, sku in _PLAN_SKUS.items():
            mine = [(d, held[1]) for d in range(1, m.last_day + 1) if (held := days[d]) is not None and held[0] == plan]
            if not mine:
                continue
            day_orgs: list[int | None] = [None] * (m.days + 1)
            mask = [False] * (m.days + 1)
            for d, org_id in mine:
                day_orgs[d] = org_id
                mask[d] = True
            # Billed every day from the first on (most people): no mask, so the usage can add
            # them up in bulk.
            first = mine[0][0]
            every_day = len(mine) == m.last_day - first + 1
            login = logins.get(uid) if logins is not None else None
            out[sku].append(BilledPerson(uid, login, first, day_orgs, mask=None if every_day else mask))
    return out
