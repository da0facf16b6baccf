"""Enterprise-seat totals: purchased vs consumed, the billable month, the daily history, and
the org scope (spec 2.1, "Metered GHE" and "Volume")."""

from __future__ import annotations

import datetime as dt
from typing import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from seatledger.errors import InvalidInput, NotFound
from seatledger.licensing import matching, seats
from tests.factories import AS_OF, EnterpriseBuilder

MARCH = dt.datetime(2026, 3, 1)


@pytest.fixture
def conn(engine: Engine) -> Iterator[Connection]:
    with engine.begin() as c:
        yield c


@pytest.fixture
def b(conn: Connection) -> EnterpriseBuilder:
    return EnterpriseBuilder(conn)


def test_docs_worked_example_plus_10_plus_20_minus_5_is_consumed_25_billable_30(
    conn: Connection, b: EnterpriseBuilder
) -> None:
    for i in range(10):
        b.member("octo", f"first{i:02}", since=MARCH + dt.timedelta(days=1))
    for i in range(20):
        leaves = MARCH + dt.timedelta(days=9) if i < 5 else None
        b.member("octo", f"second{i:02}", since=MARCH + dt.timedelta(days=4), until=leaves)
    totals = seats.seat_totals(conn, "acme", as_of=AS_OF)
    assert (totals.consumed, totals.billable_this_month) == (25, 30)
    assert seats.billable_in_month(conn, "acme", 2026, 3) == 30


def test_billable_in_month_counts_people_consuming_at_any_instant_of_that_month(
    conn: Connection, b: EnterpriseBuilder
) -> None:
    b.member("octo", "left_in_february", until=dt.datetime(2026, 2, 20))
    b.member("octo", "left_on_march_1st", until=MARCH + dt.timedelta(hours=1))
    b.member("octo", "one_day_in_march", since=dt.datetime(2026, 3, 10), until=dt.datetime(2026, 3, 11))
    b.member("octo", "joins_in_april", since=dt.datetime(2026, 4, 1))
    b.member("octo", "suspended_in_february", suspended_at=dt.datetime(2026, 2, 2))
    assert seats.billable_in_month(conn, "acme", 2026, 3) == 2
    assert seats.billable_in_month(conn, "acme", 2026, 2) == 3
    with pytest.raises(InvalidInput):
        seats.billable_in_month(conn, "acme", 2026, 13)


def test_billable_this_month_does_not_count_what_happens_after_as_of(conn: Connection, b: EnterpriseBuilder) -> None:
    b.member("octo", "now")
    b.member("octo", "later_this_month", since=AS_OF + dt.timedelta(days=3))
    assert seats.seat_totals(conn, "acme", as_of=AS_OF).billable_this_month == 1


def test_volume_totals_show_purchased_available_over_limit_and_expiry(conn: Connection, b: EnterpriseBuilder) -> None:
    b.volume(2, expires_at=dt.date(2027, 1, 31))
    for login in ("a", "b", "c"):
        b.member("octo", login)
    totals = seats.seat_totals(conn, "acme", as_of=AS_OF)
    assert (totals.billing, totals.consumed, totals.purchased) == ("volume", 3, 2)
    assert (totals.available, totals.over_limit, totals.expires_at) == (0, 1, dt.date(2027, 1, 31))


def test_enterprise_without_a_product_row_is_metered_with_nothing_purchased(
    conn: Connection, b: EnterpriseBuilder
) -> None:
    b.member("octo", "a")
    totals = seats.seat_totals(conn, "acme", as_of=AS_OF)
    assert (totals.billing, totals.purchased, totals.available, totals.over_limit) == ("metered", 0, None, 0)


def test_totals_split_enterprise_and_visual_studio_licenses_and_cloud_and_server_only_people(
    conn: Connection, b: EnterpriseBuilder
) -> None:
    b.member("octo", "alice", emails=["alice@example.com"])
    b.member("octo", "vsuser", emails=["vs@example.com"])
    b.vs_subscription("vs@example.com")
    b.server_account("ghe.example.com", 1, "alice", "alice@example.com")
    b.server_account("ghe.example.com", 2, "eve", "eve@example.com")
    b.invite("octo", email="invitee@example.com")
    matching.rematch(conn, b.id)
    totals = seats.seat_totals(conn, "acme", as_of=AS_OF)
    assert totals.consumed == 4
    assert (totals.enterprise_licenses, totals.visual_studio_licenses) == (3, 1)
    assert (totals.cloud_users, totals.server_only_users) == (2, 1)


def test_org_scope_counts_the_people_consuming_through_that_org(conn: Connection, b: EnterpriseBuilder) -> None:
    b.volume(10)
    b.member("octo", "alice")
    b.member("other", "alice")
    b.member("other", "bob")
    b.collaborator("octo", "secret", "carol")
    b.collaborator("other", "vault", "dan")
    b.invite("octo", email="new@example.com")
    b.server_account("ghe.example.com", 1, "eve", "eve@example.com")
    assert seats.count_consumed(conn, "acme", org="octo", as_of=AS_OF) == 3
    logins = [p.login or p.key for p in seats.iter_licensed_people(conn, "acme", org="octo", as_of=AS_OF)]
    assert logins == ["alice", "carol", "invite:new@example.com"]
    totals = seats.seat_totals(conn, "acme", org="octo", as_of=AS_OF)
    # The purchased pool is the enterprise's: available is measured against all 6 people.
    assert (totals.consumed, totals.purchased, totals.available) == (3, 10, 4)


def test_unknown_enterprise_or_org_is_not_found(conn: Connection, b: EnterpriseBuilder) -> None:
    other = EnterpriseBuilder(conn, "globex")
    other.org("gx")
    with pytest.raises(NotFound):
        seats.count_consumed(conn, "nope", as_of=AS_OF)
    with pytest.raises(NotFound):
        seats.count_consumed(conn, "acme", org="gx", as_of=AS_OF)  # an org of another enterprise


def test_seat_history_is_the_consumed_count_at_the_end_of_each_day(conn: Connection, b: EnterpriseBuilder) -> None:
    day = dt.datetime(2026, 3, 1)
    b.member("octo", "all_along")
    b.member("octo", "arrives_day_2", since=day + dt.timedelta(days=1, hours=23, minutes=59))
    b.member("octo", "leaves_day_3", until=day + dt.timedelta(days=2, hours=12))
    b.invite(
        "octo",
        email="x@example.com",
        created_at=day + dt.timedelta(days=3),
        status="accepted",
        resolved_at=day + dt.timedelta(days=3, hours=1),
    )
    history = seats.seat_history(conn, "acme", dt.date(2026, 3, 1), dt.date(2026, 3, 4))
    assert history == [
        (dt.date(2026, 3, 1), 2),
        (dt.date(2026, 3, 2), 3),
        (dt.date(2026, 3, 3), 2),
        (dt.date(2026, 3, 4), 2),
    ]
    for d, n in history:  # the same rule as counting at that instant
        at = dt.datetime.combine(d, dt.time(23, 59, 59, 999999))
        assert seats.count_consumed(conn, "acme", as_of=at) == n


def test_seat_history_over_more_days_than_one_query_holds(conn: Connection, b: EnterpriseBuilder) -> None:
    b.member("octo", "a", since=dt.datetime(2026, 6, 1))
    history = seats.seat_history(conn, "acme", dt.date(2025, 12, 1), dt.date(2026, 12, 1))
    assert len(history) == 366
    assert history[0] == (dt.date(2025, 12, 1), 0)
    assert sum(1 for _, n in history if n == 1) == (dt.date(2026, 12, 1) - dt.date(2026, 6, 1)).days + 1
    with pytest.raises(InvalidInput):
        seats.seat_history(conn, "acme", dt.date(2026, 2, 1), dt.date(2026, 1, 1))


def test_consuming_user_ids_is_composable_sql_of_the_cloud_consumers(conn: Connection, b: EnterpriseBuilder) -> None:
    alice = b.member("octo", "alice")
    carol = b.collaborator("octo", "secret", "carol")
    b.user("loner")
    b.invite("octo", email="stranger@example.com")
    b.server_account("ghe.example.com", 1, "eve", "eve@example.com")
    ids = seats.consuming_user_ids(conn, b.id, AS_OF)
    assert sorted(conn.execute(ids).scalars()) == sorted([alice, carol])
    u = sa.table("users", sa.column("id"), sa.column("login"))
    logins = conn.execute(sa.select(u.c.login).where(u.c.id.in_(ids)).order_by(u.c.login)).scalars().all()
    assert logins == ["alice", "carol"]


def test_seat_history_counts_a_person_once_across_overlapping_adjacent_and_gapped_reasons(
    conn: Connection, b: EnterpriseBuilder
) -> None:
    day = dt.datetime(2026, 3, 1)
    # alice: member Mar 1-3, collaborator Mar 2-5 (overlap), member again from Mar 6 00:00
    # exactly (back to back) to Mar 7 noon, a gap at the end of Mar 7, invited on Mar 8.
    b.member("octo", "alice", since=day, until=day + dt.timedelta(days=3))
    b.collaborator("octo", "secret", "alice", since=day + dt.timedelta(days=1), until=day + dt.timedelta(days=5))
    b.member("other", "alice", since=day + dt.timedelta(days=5), until=day + dt.timedelta(days=6, hours=12))
    b.invite("third", login="alice", created_at=day + dt.timedelta(days=7, hours=1))
    history = seats.seat_history(conn, "acme", dt.date(2026, 3, 1), dt.date(2026, 3, 9))
    assert [n for _, n in history] == [1, 1, 1, 1, 1, 1, 0, 1, 1]
    for d, n in history:
        assert seats.count_consumed(conn, "acme", as_of=dt.datetime.combine(d, dt.time(23, 59, 59, 999999))) == n


def test_seat_history_at_the_edges_of_a_day_and_with_an_empty_interval(conn: Connection, b: EnterpriseBuilder) -> None:
    # The history sweeps starts and ends in time order: a reason starting at a day's last
    # instant holds that day, one ending at it does not, and one that ends as it starts
    # (or before) never holds.
    day = dt.datetime(2026, 3, 1)
    last_instant = dt.datetime.combine(day.date(), dt.time(23, 59, 59, 999999))
    b.member("octo", "starts_at_end", since=last_instant)
    b.member("octo", "ends_at_end", since=day - dt.timedelta(days=5), until=last_instant)
    b.member("octo", "empty", since=day + dt.timedelta(hours=3), until=day + dt.timedelta(hours=3))
    b.member("octo", "backwards", since=day + dt.timedelta(days=1, hours=5), until=day + dt.timedelta(hours=2))
    history = seats.seat_history(conn, "acme", dt.date(2026, 2, 28), dt.date(2026, 3, 2))
    assert [n for _, n in history] == [1, 1, 1]
    for d, n in history:
        assert seats.count_consumed(conn, "acme", as_of=dt.datetime.combine(d, dt.time(23, 59, 59, 999999))) == n


def test_an_orgs_visual_studio_split_is_its_consumers_with_a_visual_studio_license_as_in_its_csv(
    conn: Connection, b: EnterpriseBuilder
) -> None:
    import csv
    import io

    from seatledger.licensing import Scope
    from seatledger.reports import write_report

    b.member("octo", "alice", emails=["alice@example.com"])
    b.member("octo", "vsuser", emails=["vs@example.com"])
    b.member("other", "vsother", emails=["vso@example.com"])
    b.vs_subscription("vs@example.com")
    b.vs_subscription("vso@example.com")
    b.invite("octo", email="invitee@example.com")
    b.server_account("ghe.example.com", 2, "eve", "eve@example.com")
    matching.rematch(conn, b.id)
    totals = seats.seat_totals(conn, "acme", org="octo", as_of=AS_OF)
    out = io.BytesIO()
    write_report("license-usage", conn, Scope("organization", "octo"), out, as_of=AS_OF)
    rows = list(csv.DictReader(io.StringIO(out.getvalue().decode("utf-8-sig"))))
    types = [r["License type"] for r in rows]
    assert (
        (totals.enterprise_licenses, totals.visual_studio_licenses)
        == (types.count("Enterprise"), types.count("Visual Studio subscription"))
        == (2, 1)
    )
    # Every consumed seat is a cloud user, a server-only person or an invitee: the card adds up.
    assert totals.cloud_users + totals.server_only_users + totals.invited_only_users == totals.consumed == 3
    assert (totals.cloud_users, totals.invited_only_users) == (2, 1)
