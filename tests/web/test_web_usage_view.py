"""The Usage page's layout of the engine's line items: the chart's series and the tables."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy.engine import Engine

from seatledger.licensing import Scope
from seatledger.web.usage_view import CHART_SERIES, DAY_ROWS, usage_page
from tests.factories import AS_OF, EnterpriseBuilder

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # layout only: the SQL is the engine's
MARCH = dt.date(2026, 3, 1)


def test_usage_by_organization_charts_the_largest_groups_and_the_rest_as_one_series(engine: Engine) -> None:
    with engine.begin() as conn:
        b = EnterpriseBuilder(conn)
        orgs = [f"org{i:02d}" for i in range(CHART_SERIES + 4)]
        for i, org in enumerate(orgs):  # org00 has 1 member, org11 has 12: cost grows with the index
            for n in range(i + 1):
                b.member(org, f"{org}-user{n}")
        data = usage_page(conn, Scope.enterprise("acme"), MARCH, "organization", AS_OF)

    assert [g.label for g in data.totals] == orgs[::-1]  # the table: every org, largest bill first
    labels = [label for label, _values in data.series]
    assert labels == orgs[::-1][:CHART_SERIES] + ["4 others"]
    other = data.series[-1][1]
    rest = [g.net for g in data.totals[CHART_SERIES:]]
    assert Decimal(str(round(sum(other), 2))) == sum(rest, Decimal(0))
    # Every day of the chart adds up to the month's bill, "others" included.
    assert Decimal(str(round(sum(sum(v) for _l, v in data.series), 2))) == data.net


def test_usage_with_few_groups_charts_each_by_name(engine: Engine) -> None:
    with engine.begin() as conn:
        b = EnterpriseBuilder(conn)
        for org in ("alpha", "beta"):
            b.member(org, f"{org}-user")
        data = usage_page(conn, Scope.enterprise("acme"), MARCH, "organization", AS_OF)
    assert sorted(label for label, _values in data.series) == ["alpha", "beta"]


def test_each_day_lists_its_largest_groups_first_and_the_rest_as_one_row(engine: Engine) -> None:
    with engine.begin() as conn:
        b = EnterpriseBuilder(conn)
        orgs = [f"org{i:02d}" for i in range(DAY_ROWS + 3)]
        for i, org in enumerate(orgs):  # cost grows with the index
            for n in range(i + 1):
                b.member(org, f"{org}-user{n}")
        data = usage_page(conn, Scope.enterprise("acme"), MARCH, "organization", AS_OF)
    assert data.by_day
    for _day, billed, rows in data.by_day:
        named = rows[:DAY_ROWS]
        assert [r.label for r in named] == orgs[::-1][:DAY_ROWS]
        assert [r.net for r in named] == sorted((r.net for r in named), reverse=True)
        assert rows[DAY_ROWS:][0].label == "3 others" and len(rows) == DAY_ROWS + 1
        assert sum((r.net for r in rows), Decimal(0)) == billed
