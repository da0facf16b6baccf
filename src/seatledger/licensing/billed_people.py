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
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

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

    def day(self, d: int) -> dt.date:
        return dt.date(self.year, self.month, d)

    @cached_property
    def logins(self) -> dict[int, str]:
        """The enterprise's users' logins by id, read once for the month's SKUs."""
        u = t.users
        stmt = sa.select(u.c.id, u.c.login).where(u.c.enterprise_id == self.ent.id)
        return {row.id: row.login for row in self.conn.execute(stmt)}

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
    seat_reasons.REASON_ORG_OWNER: 0, seat_reasons.REASON_ORG_MEMBER: 0,
    seat_reasons.REASON_OUTSIDE_COLLABORATOR: 1, seat_reasons.REASON_PENDING_INVITATION: 2,
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
    for d in range(first, m.last_day + 1):
        start = dt.datetime.combine(m.day(d), dt.time())
        end = day_end(m.day(d))
        holding = [c for c in candidates if c[3] <= end and (c[4] is None or c[4] > start)]
        if holding:
            orgs[d] = min(holding, key=lambda c: (c[0], c[1], c[2]))[2]
        else:
            before = [c for c in candidates if c[3] <= end]
            if before:
                latest = max(c[4] for c in before if c[4] is not None)
                orgs[d] = min((c for c in before if c[4] == latest), key=lambda c: (c[0], c[1], c[2]))[2]
    return orgs


def enterprise_people(conn: Connection, m: BillingMonth) -> list[BilledPerson]:
    """Everyone with a seat reason at some instant of the month up to ``last_day`` (the seats
    engine's rules, queried once for the whole window): cloud accounts, server-only people and
    email invitees. Billed from the day their first reason of the month starts."""
    window = seat_reasons.Window(m.start, day_end(m.day(m.last_day)) + dt.timedelta(seconds=1))
    r = seat_reasons.reasons(policy_for(conn, m.ent), window)
    orgs = m.org_created
    people: dict[str, dict[str, Any]] = {}
    for row in conn.execute(sa.select(r)):
        p = people.setdefault(seat_reasons.person_key(row.user_id, row.other_key),
                              {"user_id": row.user_id, "first": m.days + 1, "orgs": [], "vs": False})
        p["first"] = min(p["first"], _first_instant_day(m, row.started_at))
        if row.reason == seat_reasons.REASON_VISUAL_STUDIO:
            p["vs"] = True
        if row.org_id is not None and row.reason in _TIER and row.org_id in orgs:
            p["orgs"].append((_TIER[row.reason], orgs[row.org_id], row.org_id, row.started_at, row.ended_at))
    logins = m.logins
    out = []
    for key, p in people.items():
        uid = p["user_id"]
        # people without a cloud account are named by their key's email ("server:a@b")
        login = logins.get(uid) if uid is not None else key.partition(":")[2]
        out.append(BilledPerson(uid, login, p["first"], _granting_orgs(m, p["orgs"], p["first"]), p["vs"]))
    return out


def committer_people(conn: Connection, m: BillingMonth) -> dict[str, list[BilledPerson]]:
    """People billed for each Advanced Security SKU this month: everyone with a kept committer
    span of the product (a push's window ∩ the product enabled there, as it was then ∩ a seat)
    at some instant of the month up to its last sampled day, billed from the day that span
    starts (day 1 when it started before the month), through the oldest organization whose
    repositories they commit to in the month (none for user-namespace repositories only)."""
    cs = ti.committer_spans
    created, logins = m.org_created, m.logins
    end = m.samples[-1]
    stmt = (
        sa.select(cs.c.product, cs.c.scope_key, cs.c.user_id, sa.func.min(cs.c.started_at).label("started_at"))
        .where(
            cs.c.enterprise_id == m.ent.id, cs.c.product.in_(list(AS_PRODUCTS.values())),
            sa.or_(cs.c.scope_key == enterprise_key(), cs.c.scope_key.startswith("o:")),
            cs.c.started_at <= end, cs.c.ended_at > m.start, cs.c.ended_at > cs.c.started_at,
        )
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


def _copilot_state(conn: Connection, m: BillingMonth) -> dict[int, list[tuple[str, int | None] | None]]:
    """user id -> per day (plan, org id) of the seat that bills them that day.

    A person's seat at an instant is the one ``copilot.iter_copilot_seats`` lists (Enterprise
    plan first, then the oldest org); the seats are read once for the month and evaluated at
    the month's first instant and at each day's end. A day takes the latest such instant on or
    before it where the person held a seat: a removed seat is billed to the end of the month."""
    s, o = t.copilot_seats, t.organizations
    end = m.samples[-1]
    stmt = (
        sa.select(s.c.id, s.c.user_id, s.c.plan, s.c.created_at, s.c.ended_at, o.c.id.label("org_id"),
                  o.c.created_at.label("org_created"))
        .join(o, o.c.id == s.c.organization_id)
        .where(o.c.enterprise_id == m.ent.id, s.c.created_at <= end,
               sa.or_(s.c.ended_at.is_(None), s.c.ended_at > m.start))
        .order_by(s.c.user_id)
    )
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
    logins = m.logins
    out: dict[str, list[BilledPerson]] = {COPILOT_BUSINESS: [], COPILOT_ENTERPRISE: []}
    for uid, days in _copilot_state(conn, m).items():
        for plan, sku in (("business", COPILOT_BUSINESS), ("enterprise", COPILOT_ENTERPRISE)):
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
            out[sku].append(BilledPerson(uid, logins.get(uid), first, day_orgs, mask=None if every_day else mask))
    return out
