"""Metered billing usage: daily line items computed from the license history (spec 2.1-2.4).

Nothing here is stored: every line item is derived, month by month, from who held a license.

**Who is billed on a day.** A month is sampled at its first instant and at the end of each
day (23:59:59 UTC). A person is billed on day *d* for a SKU from the first day they held it at
a sample on or before *d* until the end of the month — the metered rule "a person billed in a
month stays billed for the rest of that month after removal". Sources, through the counting
engine's contract:

- ``ghec_licenses``: cloud accounts holding an enterprise seat (``seats.consuming_user_ids``);
- ``ghas_*``: active committers (``advanced_security.iter_committer_pushes``) at the month's
  start and at its last sampled day; someone who became active in between is billed from the
  day of their first push that month to a repository with the product enabled;
- ``copilot_*``: seats held (``copilot.iter_copilot_seats``, one per person, Enterprise plan
  over Business); the plan and organization of the latest sample decide the SKU and org.

**Amounts.** ``quantity`` of a line item is the number of people billed that day. A person's
day costs ``price / days_in_month`` (the price in force that day). Rounding is to cents,
ROUND_HALF_UP, on each person's running total for the month: a person's amount on day *d* is
``round(total through d) - round(total through d-1)``, so a person billed all month costs
exactly the monthly price, one who starts on day *f* costs ``round(price * (D-f+1) / D)``, and
every line item is the sum of its people's amounts (so the detailed report, the summarized
report and the API all add up to the same cents). A discount percent (negotiated) is rounded
the same way; products billed by volume, and Visual Studio-bundled GitHub Enterprise
licenses, report their gross with an equal discount (net 0).

**Allocation.** Each person-day goes to the license-granting organization (GitHub Enterprise:
the oldest org the person belongs to that day — by membership, else as a repository
collaborator, else by a pending invitation; Advanced Security: the oldest org of the
repositories they are active committers to; Copilot: the seat's org) and to a cost center by
:mod:`seatledger.licensing.cost_centers` (evaluated at the end of the day).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Iterable, Iterator

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from seatledger.db import tables as t
from seatledger.errors import InvalidInput
from seatledger.licensing import _seat_reasons, advanced_security, seats
from seatledger.licensing.cost_centers import Allocator, load_allocator
from seatledger.licensing.pricing import SKU_BY_ID, SKUS, PriceBook, Sku, load_price_book
from seatledger.licensing.scope import EnterpriseInfo, Scope, resolve

CENT = Decimal("0.01")
# Longest ranges, as GitHub's: a summarized report covers up to a year, a detailed one 31 days.
SUMMARIZED_MAX_DAYS = 366
DETAILED_MAX_DAYS = 31
# The usage API answers for the current month and the 23 before it.
USAGE_API_MONTHS = 24

GHEC = "ghec_licenses"
SECRET_PROTECTION = "ghas_secret_protection_licenses"
CODE_SECURITY = "ghas_code_security_licenses"
COPILOT_BUSINESS = "copilot_for_business"
COPILOT_ENTERPRISE = "copilot_enterprise"
_AS_PRODUCT = {SECRET_PROTECTION: "secret_protection", CODE_SECURITY: "code_security"}


@dataclass(frozen=True)
class LineItem:
    """One usage line: a day, a SKU, an organization and a cost center (and, in the detailed
    report, a person). Money is Decimal; JSON surfaces convert at the edge."""

    date: dt.date
    product: str
    sku: str
    quantity: int
    unit_type: str
    price_per_unit: Decimal
    gross_amount: Decimal
    discount_amount: Decimal
    net_amount: Decimal
    organization: str | None
    repository: str | None
    cost_center_id: str | None
    cost_center_name: str | None
    username: str | None = None


def round_cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _day_end(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(23, 59, 59))


# -- who is billed ------------------------------------------------------------------------------
@dataclass
class _Person:
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


class _Month:
    """What one month needs from the ledger, loaded once: people per SKU, org logins, prices."""

    def __init__(self, conn: Connection, ent: EnterpriseInfo, year: int, month: int, last_day: int) -> None:
        self.conn = conn
        self.ent = ent
        self.year = year
        self.month = month
        self.days = calendar.monthrange(year, month)[1]
        self.last_day = last_day  # the last day with usage (today for the running month)
        self.start = dt.datetime(year, month, 1)
        # sample 0 = the month's first instant; sample d = the end of day d
        self.samples = [self.start] + [_day_end(dt.date(year, month, d)) for d in range(1, last_day + 1)]

    def day(self, d: int) -> dt.date:
        return dt.date(self.year, self.month, d)


def _first_instant_day(m: _Month, started: dt.datetime) -> int:
    """The day of the month a reason starting at ``started`` is first held (day 1 if earlier)."""
    return 1 if started <= m.start else started.day


_TIER = {
    _seat_reasons.REASON_ORG_OWNER: 0, _seat_reasons.REASON_ORG_MEMBER: 0,
    _seat_reasons.REASON_OUTSIDE_COLLABORATOR: 1, _seat_reasons.REASON_PENDING_INVITATION: 2,
}


def _granting_orgs(m: _Month, candidates: list, first: int) -> list[int | None]:
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
        end = _day_end(m.day(d))
        holding = [c for c in candidates if c[3] <= end and (c[4] is None or c[4] > start)]
        if holding:
            orgs[d] = min(holding, key=lambda c: (c[0], c[1], c[2]))[2]
        else:
            before = [c for c in candidates if c[3] <= end]
            if before:
                latest = max(c[4] for c in before if c[4] is not None)
                orgs[d] = min((c for c in before if c[4] == latest), key=lambda c: (c[0], c[1], c[2]))[2]
    return orgs


def _enterprise_people(conn: Connection, m: _Month) -> list[_Person]:
    """Everyone with a seat reason at some instant of the month up to ``last_day`` (the seats
    engine's rules, queried once for the whole window): cloud accounts, server-only people and
    email invitees. Billed from the day their first reason of the month starts."""
    window = _seat_reasons.Window(m.start, _day_end(m.day(m.last_day)) + dt.timedelta(seconds=1))
    r = _seat_reasons.reasons(seats._policy(conn, m.ent), window)
    orgs = {oid: created for oid, created in _org_created(conn, m.ent.id).items()}
    people: dict[str, dict] = {}
    for row in conn.execute(sa.select(r)):
        p = people.setdefault(_person_key(row._mapping),
                              {"user_id": row.user_id, "first": m.days + 1, "orgs": [], "vs": False})
        p["first"] = min(p["first"], _first_instant_day(m, row.started_at))
        if row.reason == _seat_reasons.REASON_VISUAL_STUDIO:
            p["vs"] = True
        if row.org_id is not None and row.reason in _TIER and row.org_id in orgs:
            p["orgs"].append((_TIER[row.reason], orgs[row.org_id], row.org_id, row.started_at, row.ended_at))
    logins = _logins(conn, m.ent.id)
    out = []
    for key, p in people.items():
        uid = p["user_id"]
        # people without a cloud account are named by their key's email ("server:a@b")
        login = logins.get(uid) if uid is not None else key.partition(":")[2]
        out.append(_Person(uid, login, p["first"], _granting_orgs(m, p["orgs"], p["first"]), p["vs"]))
    return out


def _person_key(row: Any) -> str:
    """The person a seat reason belongs to: ``user:<id>``, or the ``server:``/``invite:`` key."""
    if row.get("person_key") is not None:
        return str(row["person_key"])
    return f"user:{row['user_id']}" if row["user_id"] is not None else str(row["other_key"])


def _logins(conn: Connection, enterprise_id: int) -> dict[int, str]:
    u = t.users
    return {row.id: row.login for row in conn.execute(sa.select(u.c.id, u.c.login).where(u.c.enterprise_id == enterprise_id))}


def _org_created(conn: Connection, enterprise_id: int) -> dict[int, dt.datetime]:
    o = t.organizations
    return {
        row.id: row.created_at
        for row in conn.execute(sa.select(o.c.id, o.c.created_at).where(o.c.enterprise_id == enterprise_id))
    }


def _active_committers(conn: Connection, m: _Month, at: dt.datetime) -> dict[str, dict[int, set[int]]]:
    """Per Advanced Security SKU: user id -> ids of the organizations whose licensed
    repositories they actively commit to at ``at`` (the Advanced Security engine's rule, both
    products in one statement; user-namespace repositories give no organization)."""
    rs = resolve(conn, Scope.enterprise(m.ent.slug))
    pieces = advanced_security._Pieces(conn, rs, at)
    r = t.repositories
    parts = []
    for sku, product in _AS_PRODUCT.items():
        pairs = pieces.active_pairs(product)  # type: ignore[arg-type]
        parts.append(
            sa.select(sa.literal(sku).label("sku"), pairs.c.user_id, r.c.organization_id)
            .join(r, r.c.id == pairs.c.repository_id)
            .distinct()
        )
    out: dict[str, dict[int, set[int]]] = {sku: defaultdict(set) for sku in _AS_PRODUCT}
    for row in conn.execute(sa.union_all(*parts)):
        orgs = out[row.sku][row.user_id]
        if row.organization_id is not None:
            orgs.add(row.organization_id)
    return out


def _committer_people(conn: Connection, m: _Month) -> dict[str, list[_Person]]:
    """People billed for each Advanced Security SKU this month."""
    created = _org_created(conn, m.ent.id)
    logins = _logins(conn, m.ent.id)
    at_start = _active_committers(conn, m, m.samples[0])
    at_end = _active_committers(conn, m, m.samples[-1])
    newcomers = any(set(at_end[sku]) - set(at_start[sku]) for sku in _AS_PRODUCT)
    first_push = _first_pushes(conn, m) if newcomers else {}
    out: dict[str, list[_Person]] = {}
    for sku in _AS_PRODUCT:
        people = []
        for uid in set(at_start[sku]) | set(at_end[sku]):
            first = 1 if uid in at_start[sku] else first_push.get((sku, uid), m.last_day)
            owners = at_start[sku].get(uid, set()) | at_end[sku].get(uid, set())
            ranked = sorted((created[o], o) for o in owners if o in created)
            org_id = ranked[0][1] if ranked else None
            day_orgs: list[int | None] = [None] * (m.days + 1)
            for d in range(first, m.last_day + 1):
                day_orgs[d] = org_id
            people.append(_Person(uid, logins.get(uid), first, day_orgs))
        out[sku] = people
    return out


def _first_pushes(conn: Connection, m: _Month) -> dict[tuple[str, int], int]:
    """(sku, user id) -> day of their first push this month to a repository with the product
    enabled (both products in one pass over the month's commits)."""
    c, ue, u, r = t.commits, t.user_emails, t.users, t.repositories
    end = m.samples[-1]
    stmt = (
        sa.select(ue.c.user_id, r.c.secret_protection_enabled.label("sp"), r.c.code_security_enabled.label("cs"),
                  sa.func.min(c.c.pushed_at).label("first"))
        .select_from(c)
        .join(r, r.c.id == c.c.repository_id)
        .join(ue, ue.c.email == c.c.author_email)
        .join(u, u.c.id == ue.c.user_id)
        .where(r.c.enterprise_id == m.ent.id,
               sa.or_(r.c.secret_protection_enabled == sa.true(), r.c.code_security_enabled == sa.true()),
               ue.c.verified == sa.true(), u.c.enterprise_id == m.ent.id, c.c.pushed_at >= m.start,
               c.c.pushed_at <= end)
        .group_by(ue.c.user_id, r.c.secret_protection_enabled, r.c.code_security_enabled)
    )
    out: dict[tuple[str, int], int] = {}
    for row in conn.execute(stmt):
        for sku, enabled in ((SECRET_PROTECTION, row.sp), (CODE_SECURITY, row.cs)):
            if enabled:
                key = (sku, row.user_id)
                out[key] = min(out.get(key, 32), row.first.day)
    return out


def _copilot_state(conn: Connection, m: _Month) -> dict[int, list[tuple[str, int | None] | None]]:
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
    seats_of: dict[int, list] = defaultdict(list)
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


def _copilot_people(conn: Connection, m: _Month) -> dict[str, list[_Person]]:
    logins = _logins(conn, m.ent.id)
    out: dict[str, list[_Person]] = {COPILOT_BUSINESS: [], COPILOT_ENTERPRISE: []}
    for uid, days in _copilot_state(conn, m).items():
        for plan, sku in (("business", COPILOT_BUSINESS), ("enterprise", COPILOT_ENTERPRISE)):
            mine = [d for d in range(1, m.last_day + 1) if days[d] is not None and days[d][0] == plan]  # type: ignore[index]
            if not mine:
                continue
            day_orgs: list[int | None] = [None] * (m.days + 1)
            mask = [False] * (m.days + 1)
            for d in mine:
                day_orgs[d] = days[d][1]  # type: ignore[index]
                mask[d] = True
            out[sku].append(_Person(uid, logins.get(uid), mine[0], day_orgs, mask=mask))
    return out


# -- amounts ------------------------------------------------------------------------------------
class _Tariff:
    """A person's amounts per day for one SKU in one month, by first billed day (cached)."""

    def __init__(self, m: _Month, sku: str, prices: PriceBook, volume: bool) -> None:
        self.m = m
        self.volume = volume
        days = range(1, m.days + 1)
        self.prices = [None] + [prices.price(sku, m.day(d)) for d in days]
        self._cache: dict[tuple[int, bool], list[tuple[Decimal, Decimal, Decimal]]] = {}

    def amounts(self, first: int, bundled: bool) -> list[tuple[Decimal, Decimal, Decimal]]:
        """(gross, discount, net) for each day (index = day; days before ``first`` are zero)."""
        key = (first, bundled)
        if key in self._cache:
            return self._cache[key]
        zero = (Decimal(0), Decimal(0), Decimal(0))
        out = [zero] * (self.m.days + 1)
        gross_total = disc_total = Decimal(0)
        gross_prev = disc_prev = Decimal(0)
        whole = self.volume or bundled
        for d in range(first, self.m.days + 1):
            price = self.prices[d]
            share = price.price_per_unit / self.m.days  # type: ignore[union-attr]
            gross_total += share
            disc_total += share * price.discount_percent / 100  # type: ignore[union-attr]
            g, dsc = round_cents(gross_total), round_cents(disc_total)
            gross = g - gross_prev
            discount = gross if whole else dsc - disc_prev
            out[d] = (gross, discount, gross - discount)
            gross_prev, disc_prev = g, dsc
        self._cache[key] = out
        return out


def _volume_products(conn: Connection, enterprise_id: int) -> set[str]:
    ep = t.enterprise_products
    return {
        row.product for row in conn.execute(
            sa.select(ep.c.product).where(ep.c.enterprise_id == enterprise_id, ep.c.billing == "volume"))
    }


# -- the public functions -----------------------------------------------------------------------
@dataclass(frozen=True)
class UsageFilter:
    """What to keep: an organization (login), SKUs, a cost center (id, or ``"none"``)."""

    organization: str | None = None
    skus: tuple[str, ...] | None = None
    cost_center_id: str | None = None  # None = all, "none" = without a cost center


def _months(start: dt.date, end: dt.date) -> Iterator[tuple[int, int]]:
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def check_range(start: dt.date, end: dt.date, max_days: int, what: str) -> None:
    """InvalidInput unless ``start <= end`` and the range spans at most ``max_days`` days."""
    if end < start:
        raise InvalidInput(f"the end date {end.isoformat()} is before the start date {start.isoformat()}")
    if (end - start).days + 1 > max_days:
        raise InvalidInput(
            f"a {what} covers at most {max_days} days; {start.isoformat()} to {end.isoformat()} is "
            f"{(end - start).days + 1} days"
        )


def _month_rows(
    conn: Connection, ent: EnterpriseInfo, year: int, month: int, first_day: int, last_day: int,
    filt: UsageFilter, allocator: Allocator, prices: PriceBook, volume: set[str], org_logins: dict[int, str],
    detailed: bool,
) -> Iterator[LineItem]:
    m = _Month(conn, ent, year, month, last_day)
    skus = [s for s in SKUS if filt.skus is None or s.id in filt.skus]
    copilot_people: dict[str, list[_Person]] | None = None
    committer_people: dict[str, list[_Person]] | None = None
    for sku in skus:
        if sku.id == GHEC:
            people = _enterprise_people(conn, m)
        elif sku.id in _AS_PRODUCT:
            if committer_people is None:
                committer_people = _committer_people(conn, m)
            people = committer_people[sku.id]
        else:
            if copilot_people is None:
                copilot_people = _copilot_people(conn, m)
            people = copilot_people[sku.id]
        if not people:
            continue
        tariff = _Tariff(m, sku.id, prices, sku.ledger_product in volume)
        if detailed:
            yield from _detailed_rows(m, sku, people, tariff, first_day, last_day, filt, allocator, org_logins)
        else:
            yield from _grouped_rows(m, sku, people, tariff, first_day, last_day, filt, allocator, org_logins)


def _keep(filt: UsageFilter, org: str | None, cc: str | None) -> bool:
    if filt.organization is not None and org != filt.organization:
        return False
    return filt.cost_center_id is None or (cc or "none") == filt.cost_center_id


def _detailed_rows(
    m: _Month, sku: Sku, people: list[_Person], tariff: _Tariff, first_day: int, last_day: int,
    filt: UsageFilter, allocator: Allocator, org_logins: dict[int, str],
) -> Iterator[LineItem]:
    people.sort(key=lambda p: (p.login or "", p.user_id or 0))
    for d in range(first_day, last_day + 1):
        at = _day_end(m.day(d))
        price = tariff.prices[d].price_per_unit  # type: ignore[union-attr]
        for p in people:
            if not p.billed(d):
                continue
            org_id = p.orgs[d]
            org = org_logins.get(org_id) if org_id is not None else None
            cc = allocator.allocate(p.user_id, org_id, at) if not allocator.empty else None
            if not _keep(filt, org, cc):
                continue
            gross, discount, net = tariff.amounts(p.first, p.bundled)[d]
            yield LineItem(m.day(d), sku.product, sku.id, 1, sku.unit_type, price, gross, discount, net,
                           org, None, cc, allocator.names.get(cc) if cc else None, p.login)


def _grouped_rows(
    m: _Month, sku: Sku, people: list[_Person], tariff: _Tariff, first_day: int, last_day: int,
    filt: UsageFilter, allocator: Allocator, org_logins: dict[int, str],
) -> Iterator[LineItem]:
    """Summarized rows. People whose org and cost center stay the same all month (most of
    them) are counted per (first day, bundled, org, cost center) and added in bulk."""
    days_end = [None] + [_day_end(m.day(d)) for d in range(1, m.days + 1)]
    steady: dict[tuple[int, bool, int | None, str | None], int] = defaultdict(int)
    groups: dict[tuple[int, int | None, str | None], list] = {}

    def add(d: int, org_id: int | None, cc: str | None, n: int, amounts: tuple[Decimal, Decimal, Decimal]) -> None:
        acc = groups.get((d, org_id, cc))
        if acc is None:
            acc = groups[(d, org_id, cc)] = [0, Decimal(0), Decimal(0), Decimal(0)]
        acc[0] += n
        acc[1] += amounts[0] * n
        acc[2] += amounts[1] * n
        acc[3] += amounts[2] * n

    for p in people:
        lo = max(first_day, p.first)
        if lo > last_day:
            continue
        org_ids = set(p.orgs[lo : last_day + 1])
        if p.mask is None and len(org_ids) == 1:
            (org_id,) = org_ids
            first_cc = allocator.allocate(p.user_id, org_id, days_end[lo]) if not allocator.empty else None
            if allocator.empty or allocator.constant(p.user_id, org_id, days_end[lo], days_end[last_day]):
                steady[(p.first, p.bundled, org_id, first_cc)] += 1
                continue
        amounts = tariff.amounts(p.first, p.bundled)
        for d in range(lo, last_day + 1):
            if not p.billed(d):
                continue
            org_id = p.orgs[d]
            cc = allocator.allocate(p.user_id, org_id, days_end[d]) if not allocator.empty else None
            add(d, org_id, cc, 1, amounts[d])
    for (first, bundled, org_id, cc), n in steady.items():
        amounts = tariff.amounts(first, bundled)
        for d in range(max(first_day, first), last_day + 1):
            add(d, org_id, cc, n, amounts[d])
    rows = []
    for (d, org_id, cc), (qty, gross, discount, net) in groups.items():
        org = org_logins.get(org_id) if org_id is not None else None
        if not _keep(filt, org, cc):
            continue
        price = tariff.prices[d].price_per_unit  # type: ignore[union-attr]
        rows.append(LineItem(m.day(d), sku.product, sku.id, qty, sku.unit_type, price, gross, discount, net,
                             org, None, cc, allocator.names.get(cc) if cc else None))
    rows.sort(key=lambda r: (r.date, r.organization or "", r.cost_center_name or "", r.cost_center_id or ""))
    yield from rows


def iter_line_items(
    conn: Connection,
    enterprise: EnterpriseInfo,
    start: dt.date,
    end: dt.date,
    *,
    filt: UsageFilter = UsageFilter(),
    detailed: bool = False,
    as_of: dt.datetime | None = None,
) -> Iterator[LineItem]:
    """Line items of each day from ``start`` to ``end`` (days after ``as_of`` have none), by
    date, then SKU, organization and cost center; ``detailed`` gives one per person-day."""
    today = (as_of or dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)).date()
    end = min(end, today)
    if end < start:
        return
    if filt.skus is not None:
        unknown = [s for s in filt.skus if s not in SKU_BY_ID]
        if unknown:
            raise InvalidInput(f"unknown sku {unknown[0]!r}")
    allocator = load_allocator(conn, enterprise.id)
    prices = load_price_book(conn, enterprise.id)
    volume = _volume_products(conn, enterprise.id)
    o = t.organizations
    org_logins = {
        row.id: row.login for row in conn.execute(sa.select(o.c.id, o.c.login).where(o.c.enterprise_id == enterprise.id))
    }
    for year, month in _months(start, end):
        first = start.day if (year, month) == (start.year, start.month) else 1
        last = end.day if (year, month) == (end.year, end.month) else calendar.monthrange(year, month)[1]
        # Within a day, rows come SKU by SKU; reorder so the whole range reads by date.
        rows = list(_month_rows(conn, enterprise, year, month, first, last, filt, allocator, prices, volume,
                                org_logins, detailed))
        rows.sort(key=lambda r: (r.date, _SKU_ORDER[r.sku], r.organization or "", r.cost_center_name or "",
                                 r.cost_center_id or "", r.username or ""))
        yield from rows


_SKU_ORDER = {s.id: i for i, s in enumerate(SKUS)}


@dataclass(frozen=True)
class SummaryItem:
    """Totals of one SKU over a period (the usage summary API). Quantities are user-months:
    each person-day counts 1/days-in-its-month."""

    product: str
    sku: str
    unit_type: str
    price_per_unit: Decimal  # the price on the last day with usage
    gross_quantity: Decimal
    gross_amount: Decimal
    discount_quantity: Decimal
    discount_amount: Decimal
    net_quantity: Decimal
    net_amount: Decimal


QUANTITY_PLACES = Decimal("0.0001")


def summarize(items: Iterable[LineItem]) -> list[SummaryItem]:
    """Sum line items per SKU: amounts add up exactly; quantities become user-months (4 places)."""
    acc: dict[str, list] = {}
    for item in items:
        days = calendar.monthrange(item.date.year, item.date.month)[1]
        a = acc.setdefault(item.sku, [Decimal(0)] * 5 + [item.price_per_unit])
        share = Decimal(item.quantity) / days
        a[0] += share
        a[1] += item.gross_amount
        if item.gross_amount:
            a[2] += share * item.discount_amount / item.gross_amount
        a[3] += item.discount_amount
        a[4] += item.net_amount
        a[5] = item.price_per_unit
    out = []
    for sku in SKUS:
        if sku.id not in acc:
            continue
        gq, gross, dq, discount, net, price = acc[sku.id]
        gq_r = gq.quantize(QUANTITY_PLACES, rounding=ROUND_HALF_UP)
        dq_r = dq.quantize(QUANTITY_PLACES, rounding=ROUND_HALF_UP)
        out.append(SummaryItem(sku.product, sku.id, sku.unit_type, price, gq_r, gross, dq_r, discount, gq_r - dq_r, net))
    return out
