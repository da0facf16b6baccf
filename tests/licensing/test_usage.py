"""Daily line items: exact Decimal amounts, the billable rule, allocation, discounts."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from sqlalchemy.engine import Engine

from seatledger.db.ledger import Ledger
from seatledger.licensing.cost_centers import add_resources, create_cost_center, delete_cost_center
from seatledger.licensing.pricing import set_price
from seatledger.licensing.scope import get_enterprise
from seatledger.licensing.usage import LineItem, UsageFilter, iter_line_items, summarize
from tests.billing_scenario import LONG_AGO, build_acme

MARCH = (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
AS_OF = dt.datetime(2026, 4, 15)


def _items(conn, **kw) -> list[LineItem]:  # type: ignore[no-untyped-def]
    return list(iter_line_items(conn, get_enterprise(conn, "acme"), *MARCH, as_of=AS_OF, **kw))


def _net(items: list[LineItem], sku: str, **where: object) -> Decimal:
    return sum(
        (i.net_amount for i in items if i.sku == sku and all(getattr(i, k) == v for k, v in where.items())),
        Decimal(0),
    )


def test_a_month_without_changes_costs_consumed_times_price_to_the_cent(engine: Engine) -> None:
    with engine.begin() as conn:
        ledger = Ledger(conn)
        eid = ledger.add_enterprise("acme", created_at=LONG_AGO)
        org = ledger.add_org(eid, "alpha", created_at=LONG_AGO)
        for n in range(7):
            ledger.add_membership(org, ledger.add_user(eid, f"u{n}", created_at=LONG_AGO), started_at=LONG_AGO)
        items = _items(conn)
    assert {i.quantity for i in items} == {7}
    assert len(items) == 31  # one line per day
    assert _net(items, "ghec_licenses") == Decimal("147.00")  # 7 x 21.00
    assert sum((i.gross_amount for i in items), Decimal(0)) == Decimal("147.00")
    # a day is 7 x 21/31 = 4.7419..., each person's running total rounded: 0.68 or 0.67 a day
    assert items[0].gross_amount == Decimal("4.76")


def test_mid_month_additions_and_removals_match_the_hand_computation(engine: Engine) -> None:
    with engine.begin() as conn:
        build_acme(conn)
        items = _items(conn)
    # ann, bob (removed on the 20th, billed to the end), cid, eve: 4 x 21.00 = 84.00
    # dan from the 10th: 21 x 22/31 = 14.9032... -> 14.90
    assert _net(items, "ghec_licenses") == Decimal("98.90")
    assert _net(items, "ghec_licenses", organization="beta") == Decimal("14.90")
    daily = {i.date.day: i.quantity for i in items if i.sku == "ghec_licenses" and i.organization == "alpha"}
    assert set(daily.values()) == {4}  # bob stays billed after removal; eve counts in alpha only
    assert min(i.date.day for i in items if i.organization == "beta") == 10
    # Copilot Business: ann 19.00, cid from the 16th 19 x 16/31 = 9.806... -> 9.81
    assert _net(items, "copilot_for_business") == Decimal("28.81")
    # Code Security: ann active since February 30.00, cid from the 5th 30 x 27/31 = 26.129... -> 26.13
    assert _net(items, "ghas_code_security_licenses") == Decimal("56.13")
    assert _net(items, "ghas_secret_protection_licenses") == Decimal("0")


def test_detailed_items_add_up_to_the_summarized_ones(engine: Engine) -> None:
    with engine.begin() as conn:
        build_acme(conn)
        summarized = _items(conn)
        detailed = _items(conn, detailed=True)
    totals: dict[tuple, list] = defaultdict(lambda: [0, Decimal(0)])
    for i in detailed:
        key = (i.date, i.sku, i.organization, i.cost_center_id)
        totals[key][0] += i.quantity
        totals[key][1] += i.net_amount
    assert {(i.date, i.sku, i.organization, i.cost_center_id): [i.quantity, i.net_amount] for i in summarized} == dict(
        totals
    )
    assert {i.username for i in detailed if i.sku == "ghec_licenses" and i.organization == "beta"} == {"dan"}


def test_sum_over_organizations_equals_the_enterprise_total(engine: Engine) -> None:
    with engine.begin() as conn:
        build_acme(conn)
        whole = _items(conn)
        per_org = _items(conn, filt=UsageFilter(organization="alpha")) + _items(
            conn, filt=UsageFilter(organization="beta")
        )
    assert sum((i.net_amount for i in per_org), Decimal(0)) == sum((i.net_amount for i in whole), Decimal(0))
    assert sorted(per_org, key=repr) == sorted(whole, key=repr)


def test_deleting_a_cost_center_keeps_past_usage_and_sends_later_days_to_the_enterprise(engine: Engine) -> None:
    with engine.begin() as conn:
        acme = build_acme(conn)
        direct = create_cost_center(conn, acme.enterprise_id, "Direct", at=LONG_AGO)
        add_resources(conn, acme.enterprise_id, direct.id, [("User", "ann")], at=LONG_AGO)
        platform = create_cost_center(conn, acme.enterprise_id, "Platform", at=LONG_AGO)
        add_resources(conn, acme.enterprise_id, platform.id, [("Org", "alpha")], at=LONG_AGO)
        delete_cost_center(conn, acme.enterprise_id, direct.id, at=dt.datetime(2026, 3, 15, 12, 0))
        items = _items(conn, filt=UsageFilter(skus=("ghec_licenses",)))
        only_direct = _items(conn, filt=UsageFilter(skus=("ghec_licenses",), cost_center_id=direct.id))
        unassigned = _items(conn, filt=UsageFilter(skus=("ghec_licenses",), cost_center_id="none"))
    # ann is assigned directly (priority over her org's center) until the deletion on the 15th;
    # afterwards her license falls to alpha's center, Platform.
    assert {i.date.day for i in only_direct} == set(range(1, 15))
    assert {i.quantity for i in only_direct} == {1}
    assert {(i.date.day, i.quantity) for i in items if i.cost_center_name == "Platform"} == (
        {(d, 3) for d in range(1, 15)} | {(d, 4) for d in range(15, 32)}
    )
    assert {i.organization for i in unassigned} == {"beta"}  # dan: beta has no cost center
    # 14 of ann's 31 days (running total rounded): 21 x 14/31 = 9.4838... -> 9.48
    assert _net(only_direct, "ghec_licenses") == Decimal("9.48")


def test_first_created_enterprise_team_decides_before_the_organization(engine: Engine) -> None:
    with engine.begin() as conn:
        acme = build_acme(conn)
        ledger = Ledger(conn)
        ledger.add_team(acme.enterprise_id, "first", members=[acme.users["eve"]], created_at=LONG_AGO)
        ledger.add_team(
            acme.enterprise_id, "second", members=[acme.users["eve"]], created_at=LONG_AGO + dt.timedelta(days=1)
        )
        one = create_cost_center(conn, acme.enterprise_id, "One", at=LONG_AGO)
        two = create_cost_center(conn, acme.enterprise_id, "Two", at=LONG_AGO)
        org_cc = create_cost_center(conn, acme.enterprise_id, "Org", at=LONG_AGO)
        add_resources(conn, acme.enterprise_id, two.id, [("Team", "second")], at=LONG_AGO)
        add_resources(conn, acme.enterprise_id, one.id, [("Team", "first")], at=LONG_AGO)
        add_resources(conn, acme.enterprise_id, org_cc.id, [("Org", "alpha")], at=LONG_AGO)
        items = _items(conn, detailed=True, filt=UsageFilter(skus=("ghec_licenses",)))
    assert {i.cost_center_name for i in items if i.username == "eve"} == {"One"}
    assert {i.cost_center_name for i in items if i.username == "ann"} == {"Org"}


def test_negotiated_price_with_discount_applies_from_its_day(engine: Engine) -> None:
    with engine.begin() as conn:
        acme = build_acme(conn)
        set_price(
            conn,
            acme.enterprise_id,
            "ghec_licenses",
            Decimal("31.00"),
            effective_from=dt.date(2026, 3, 17),
            discount_percent=Decimal("10"),
        )
        items = _items(conn, filt=UsageFilter(organization="alpha", skus=("ghec_licenses",)))
    # 4 people all month: days 1-16 at 21/31, days 17-31 at 31/31 = 1.00 a day
    # per person: gross round(16 x 21/31 + 15) = round(25.8387...) = 25.84; discount 10 % of 15 = 1.50
    assert sum((i.gross_amount for i in items), Decimal(0)) == Decimal("103.36")
    assert sum((i.discount_amount for i in items), Decimal(0)) == Decimal("6.00")
    assert _net(items, "ghec_licenses") == Decimal("97.36")
    assert {i.price_per_unit for i in items if i.date.day >= 17} == {Decimal("31")}


def test_volume_licensed_product_reports_quantity_with_no_charge(engine: Engine) -> None:
    with engine.begin() as conn:
        acme = build_acme(conn)
        Ledger(conn).set_product(acme.enterprise_id, "copilot_business", billing="volume", purchased=10)
        items = [i for i in _items(conn) if i.sku == "copilot_for_business"]
    assert sum(i.quantity for i in items) == 31 + 16
    assert sum((i.gross_amount for i in items), Decimal(0)) == Decimal("28.81")
    assert sum((i.discount_amount for i in items), Decimal(0)) == Decimal("28.81")
    assert _net(items, "copilot_for_business") == Decimal("0")


def test_days_after_as_of_have_no_usage_yet(engine: Engine) -> None:
    with engine.begin() as conn:
        build_acme(conn)
        items = list(iter_line_items(conn, get_enterprise(conn, "acme"), *MARCH, as_of=dt.datetime(2026, 3, 12, 8)))
    assert max(i.date for i in items) == dt.date(2026, 3, 12)


def test_summary_quantities_are_user_months_and_amounts_add_up(engine: Engine) -> None:
    with engine.begin() as conn:
        build_acme(conn)
        summary = {s.sku: s for s in summarize(_items(conn))}
    ghec = summary["ghec_licenses"]
    # 4 full months + 22/31 = 4.7097 user-months
    assert (ghec.gross_quantity, ghec.net_amount, ghec.price_per_unit) == (
        Decimal("4.7097"),
        Decimal("98.90"),
        Decimal("21"),
    )


def test_copilot_billing_follows_the_seat_the_copilot_engine_lists_each_day(engine: Engine) -> None:
    """The usage's Copilot seat per person and day is the one iter_copilot_seats lists then."""
    from seatledger.licensing.copilot import iter_copilot_seats
    from seatledger.licensing.scope import Scope

    with engine.begin() as conn:
        acme = build_acme(conn)
        ledger = Ledger(conn)
        # bob: Business in beta (older seat), then an Enterprise seat in alpha from the 12th
        ledger.add_copilot_seat(acme.beta, acme.users["bob"], created_at=LONG_AGO)
        ledger.add_copilot_seat(
            acme.alpha, acme.users["bob"], plan="enterprise", created_at=dt.datetime(2026, 3, 12, 9, 0)
        )
        items = _items(conn, detailed=True, filt=UsageFilter(skus=("copilot_for_business", "copilot_enterprise")))
        for day in (5, 11, 12, 20):
            at = dt.datetime(2026, 3, day, 23, 59, 59)
            engine_view = {
                (s.login, s.plan, s.organization) for s in iter_copilot_seats(conn, Scope.enterprise("acme"), as_of=at)
            }
            billed = {
                (i.username, "enterprise" if i.sku == "copilot_enterprise" else "business", i.organization)
                for i in items
                if i.date.day == day
            }
            assert billed == engine_view, day
    bob = [i for i in items if i.username == "bob"]
    # Business days 1-11: round(19 x 11/31) = 6.74; Enterprise from the 12th: round(39 x 20/31) = 25.16
    assert sum((i.net_amount for i in bob if i.sku == "copilot_for_business"), Decimal(0)) == Decimal("6.74")
    assert sum((i.net_amount for i in bob if i.sku == "copilot_enterprise"), Decimal(0)) == Decimal("25.16")


def test_server_only_people_go_to_the_enterprise_and_email_invitees_to_the_inviting_org(engine: Engine) -> None:
    with engine.begin() as conn:
        acme = build_acme(conn)
        ledger = Ledger(conn)
        server = ledger.add_server(acme.enterprise_id, None, "ghes.acme.test", created_at=LONG_AGO)
        ledger.add_server_account(server, 7, "zed", primary_email="zed@elsewhere.test", created_at=LONG_AGO)
        ledger.add_invitation(acme.alpha, email="new@elsewhere.test", created_at=dt.datetime(2026, 3, 25, 10))
        items = _items(conn, detailed=True, filt=UsageFilter(skus=("ghec_licenses",)))
    no_org = {(i.username, i.organization) for i in items if i.organization is None}
    assert no_org == {("zed@elsewhere.test", None)}
    invitee = [i for i in items if i.username == "new@elsewhere.test"]
    assert (min(i.date.day for i in invitee), {i.organization for i in invitee}) == (25, {"alpha"})


def test_people_billed_on_the_last_day_are_the_seats_engines_billable_people(engine: Engine) -> None:
    from seatledger.licensing.seats import billable_in_month

    with engine.begin() as conn:
        build_acme(conn)
        items = _items(conn, filt=UsageFilter(skus=("ghec_licenses",)))
        billable = billable_in_month(conn, "acme", 2026, 3)
    assert sum(i.quantity for i in items if i.date.day == 31) == billable == 5
