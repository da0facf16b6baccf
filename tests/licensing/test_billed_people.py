"""Who is billed each day of a month, two ways that must agree: person by person (the detailed
report) and in groups counted by the database (everything else). Random backdated writes of
every kind on both databases; for months inside their history, the groups expand to exactly
the people, and the summarized usage equals the detailed usage added up."""

from __future__ import annotations

import calendar
import datetime as dt
from collections import Counter, defaultdict
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Connection, Engine

from seatledger.db.ledger import Ledger
from seatledger.licensing import billed_people as bp
from seatledger.licensing.cost_centers import self_assigned_users
from seatledger.licensing.scope import get_enterprise
from seatledger.licensing.usage import UsageFilter, iter_line_items
from tests.db.random_writes import OPS, apply, new_world

# Months of the random writes' history (their days run from 2025-01-01 to about 2026-05).
MONTHS = [(2025, 1), (2025, 2), (2025, 5), (2025, 8), (2025, 12), (2026, 4)]
AS_OF = dt.datetime(2026, 6, 1)

Billed = tuple[int, bool, tuple[int | None, ...], tuple[int, ...]]


def _person(m: bp.BillingMonth, p: bp.BilledPerson) -> Billed:
    days = tuple(d for d in range(1, m.last_day + 1) if p.billed(d))
    return p.first, p.bundled, tuple(p.orgs[d] for d in days), days


def _expanded(m: bp.BillingMonth, billing: bp.MonthBilling) -> Counter[Billed]:
    out = Counter(_person(m, p) for p in billing.people)
    for g in billing.groups:
        days = tuple(range(g.first, m.last_day + 1))
        out[(g.first, g.bundled, (g.org_id,) * len(days), days)] += g.count
    return out


def _check_month(conn: Connection, slug: str, year: int, month: int) -> None:
    ent = get_enterprise(conn, slug)
    m = bp.BillingMonth(conn, ent, year, month, calendar.monthrange(year, month)[1])
    own = self_assigned_users(ent.id)
    assert _expanded(m, bp.enterprise_billing(conn, m, own)) == Counter(
        _person(m, p) for p in bp.enterprise_people(conn, m)
    )
    for grouped, one_by_one in (
        (bp.committer_billing(conn, m, own), bp.committer_people(conn, m)),
        (bp.copilot_billing(conn, m, own), bp.copilot_people(conn, m)),
    ):
        for sku, people in one_by_one.items():
            assert _expanded(m, grouped[sku]) == Counter(_person(m, p) for p in people), sku
    # ... and so the usage adds up the same, cost centers and all.
    start, end = dt.date(year, month, 1), dt.date(year, month, m.days)
    summarized = list(iter_line_items(conn, ent, start, end, as_of=AS_OF))
    detailed: dict[tuple[Any, ...], list[Any]] = defaultdict(lambda: [0, Decimal(0)])
    for item in iter_line_items(conn, ent, start, end, as_of=AS_OF, detailed=True):
        key = (item.date, item.sku, item.organization, item.cost_center_id)
        detailed[key][0] += item.quantity
        detailed[key][1] += item.net_amount
    assert {(i.date, i.sku, i.organization, i.cost_center_id): [i.quantity, i.net_amount] for i in summarized} == dict(
        detailed
    )
    # Items not split by org or cost center are the full split added up.
    for split in ((), ("organization",), ("cost_center",)):
        wanted: dict[tuple[Any, ...], list[Any]] = defaultdict(lambda: [0, Decimal(0), Decimal(0)])
        for i in summarized:
            key = (
                i.date,
                i.sku,
                i.organization if "organization" in split else None,
                i.cost_center_id if "cost_center" in split else None,
            )
            wanted[key][0] += i.quantity
            wanted[key][1] += i.gross_amount
            wanted[key][2] += i.net_amount
        got = {
            (i.date, i.sku, i.organization, i.cost_center_id): [i.quantity, i.gross_amount, i.net_amount]
            for i in iter_line_items(conn, ent, start, end, as_of=AS_OF, split_by=split)
        }
        assert got == dict(wanted), split
    # An org's usage counts only who may be billed through it, and is the enterprise's for it.
    for org in (f"{slug}-org0", f"{slug}-org1"):
        of_org = list(iter_line_items(conn, ent, start, end, as_of=AS_OF, filt=UsageFilter(organization=org)))
        assert of_org == [i for i in summarized if i.organization == org], org


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(OPS, min_size=1, max_size=16))
@example(ops=[("member", 0, "ann", "member", 5), ("member", 1, "ann", "member", 40), ("end_member", 0, "ann", 130)])
@example(ops=[("collaborator", 0, "ben", 5), ("member", 1, "ben", "member", 33), ("invite", 0, "eve", "member", 0, 3)])
@example(
    ops=[
        ("member", 0, "ann", "member", 0),
        ("assign_cost_center", "ann", 35),
        ("copilot", 1, "ann", 10),
        ("copilot", 0, "ann", 36),
    ]
)
@example(ops=[("member", 0, "ann", "member", 0), ("copilot", 1, "ann", 33), ("end_copilot", 1, "ann", 33)])
@example(
    ops=[
        ("member", 1, "ann", "member", 0),
        ("assign_org_cost_center", 0, 0),
        ("assign_org_cost_center", 1, 0),
        ("member", 0, "ann", "member", 35),
    ]
)
@example(
    ops=[
        ("member", 0, "ann", "member", 0),
        ("push", 0, "ann@x.test", 100),
        ("enable", 0, True, 50),
        ("member", 1, "ann", "member", 120),
    ]
)
@example(
    ops=[
        ("server_account", 1, "zed@x.test", False, 0),
        ("vs", "zed@x.test", "active", 0),
        ("user", "eve", ["zed@x.test"], False),
        ("rematch",),
    ]
)
def test_groups_are_the_people_and_the_summarized_usage_is_the_detailed_added_up(
    engine: Engine, ops: list[tuple[Any, ...]]
) -> None:
    with engine.begin() as conn:
        w = new_world(conn)
        for op in ops:
            apply(conn, w, op)
    with engine.connect() as conn:
        for year, month in MONTHS:
            _check_month(conn, w["slug"], year, month)


def test_a_person_whose_org_changes_mid_month_is_described_one_by_one(engine: Engine) -> None:
    """Only people whose granting org may change, or who are allocated on their own, leave the
    groups: a steady member is a group, one who joins an older org mid-month is a person."""
    with engine.begin() as conn:
        w = new_world(conn)
        for op in (
            ("member", 1, "ann", "member", 0),
            ("member", 1, "ben", "member", 0),
            ("member", 0, "ben", "member", 35),
        ):  # 2025-02-05: org0 is as old, and ranks first
            apply(conn, w, op)
    with engine.connect() as conn:
        ent = get_enterprise(conn, w["slug"])
        m = bp.BillingMonth(conn, ent, 2025, 2, 28)
        billing = bp.enterprise_billing(conn, m, self_assigned_users(ent.id))
    assert [p.user_id for p in billing.people] == [w["users"]["ben"]]
    assert billing.people[0].orgs[4:6] == [w["orgs"][1], w["orgs"][0]]
    assert [(g.first, g.org_id, g.count) for g in billing.groups] == [(1, w["orgs"][1], 1)]


def test_a_copilot_seat_held_at_no_day_end_is_billed_neither_way(engine: Engine) -> None:
    """Billing samples each day's end: a seat given and taken back within a day bills nothing,
    and a person holding one seat that ends is not counted in a group."""
    with engine.begin() as conn:
        w = new_world(conn)
        led = Ledger(conn)
        seat = led.add_copilot_seat(
            w["orgs"][0], w["users"]["ann"], plan="business", created_at=dt.datetime(2025, 2, 3, 10)
        )
        led.withdraw_copilot_seat(seat, "sync", dt.datetime(2025, 2, 3, 11))
        led.add_copilot_seat(w["orgs"][1], w["users"]["ben"], plan="business", created_at=dt.datetime(2025, 2, 3, 10))
    with engine.connect() as conn:
        ent = get_enterprise(conn, w["slug"])
        m = bp.BillingMonth(conn, ent, 2025, 2, 28)
        grouped = bp.copilot_billing(conn, m, self_assigned_users(ent.id))[bp.COPILOT_BUSINESS]
        one_by_one = bp.copilot_people(conn, m)[bp.COPILOT_BUSINESS]
    assert [p.user_id for p in one_by_one] == [w["users"]["ben"]]
    assert grouped.people == [] and [(g.first, g.org_id, g.count) for g in grouped.groups] == [(3, w["orgs"][1], 1)]
