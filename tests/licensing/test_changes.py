"""The change list between two instants reconciles with the totals at both ends: for every
product, at the enterprise and through one organization,
total(to) - total(from) = added - removed, counted from the listed changes."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from seatledger import licensing
from seatledger.demo import build_demo
from seatledger.errors import InvalidInput, NotFound
from seatledger.licensing import Scope

ANCHOR = dt.datetime(2026, 11, 1)
ORG = "acme-web"
# The demo's history: about two and a half years before the anchor, and a few days after it.
EARLIEST = ANCHOR - dt.timedelta(days=900)


@pytest.fixture
def demo(engine: Engine) -> Engine:
    build_demo(engine, size="small", seed=1, anchor=ANCHOR)
    return engine


def _total(conn: object, product: str, org: str | None, at: dt.datetime) -> int:
    scope = Scope.org(org) if org else Scope.enterprise("acme")
    if product == "enterprise":
        return licensing.count_consumed(conn, "acme", org=org, as_of=at)  # type: ignore[arg-type]
    if product == "copilot":
        return licensing.copilot_totals(conn, scope, as_of=at).breakdown.total  # type: ignore[arg-type]
    return licensing.committer_totals(conn, scope, product, as_of=at).total_committers  # type: ignore[arg-type]


def _reconciles(conn: object, start: dt.datetime, end: dt.datetime, org: str | None) -> None:
    found = licensing.license_changes(conn, "acme", start, end, org=org)  # type: ignore[arg-type]
    assert [p.product for p in found.products] == list(licensing.CHANGE_PRODUCTS)
    for summary in found.products:
        listed = [c for c in found.changes if c.product == summary.product]
        added = sum(c.change == "added" for c in listed)
        removed = len(listed) - added
        before, after = _total(conn, summary.product, org, start), _total(conn, summary.product, org, end)
        assert after - before == added - removed, (summary, org, start, end)
        assert (summary.at_start, summary.at_end, summary.added, summary.removed) == (before, after, added, removed)
    assert all(start < c.at <= end for c in found.changes)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    start=st.integers(min_value=0, max_value=(ANCHOR - EARLIEST).days * 24),
    hours=st.integers(min_value=0, max_value=400 * 24),
)
def test_totals_at_the_end_minus_at_the_start_equal_added_minus_removed_per_product_and_scope(
    demo: Engine, start: int, hours: int
) -> None:
    t1 = EARLIEST + dt.timedelta(hours=start, seconds=17)
    t2 = t1 + dt.timedelta(hours=hours)
    with demo.connect() as conn:
        for org in (None, ORG):
            _reconciles(conn, t1, t2, org)


def test_each_change_names_the_rule_that_made_it(demo: Engine) -> None:
    with demo.connect() as conn:
        found = licensing.license_changes(conn, "acme", ANCHOR - dt.timedelta(days=90), ANCHOR)
    reasons = {(c.product, c.change, c.reason) for c in found.changes}
    assert ("enterprise", "added", "org_member") in reasons
    assert ("code_security", "added", "first_push") in reasons
    assert ("secret_protection", "removed", "left_window") in reasons
    assert ("copilot", "added", "seat_assigned") in reasons
    joined = next(c for c in found.changes if c.reason == "org_member")
    assert joined.rule.startswith("joined organization acme-")
    assert all(c.rule and c.handle for c in found.changes)


def test_one_product_lists_only_its_changes(demo: Engine) -> None:
    with demo.connect() as conn:
        found = licensing.license_changes(conn, "acme", ANCHOR - dt.timedelta(days=60), ANCHOR, products=("copilot",))
    assert [p.product for p in found.products] == ["copilot"]
    assert {c.product for c in found.changes} == {"copilot"}


def test_a_range_that_ends_before_it_starts_or_an_unknown_product_or_org_is_refused(demo: Engine) -> None:
    with demo.connect() as conn:
        with pytest.raises(InvalidInput, match="ends .* before it starts"):
            licensing.license_changes(conn, "acme", ANCHOR, ANCHOR - dt.timedelta(days=1))
        with pytest.raises(InvalidInput, match="product must be one of"):
            licensing.license_changes(conn, "acme", ANCHOR - dt.timedelta(days=1), ANCHOR, products=("seats",))
        with pytest.raises(NotFound, match="no organization"):
            licensing.license_changes(conn, "acme", ANCHOR - dt.timedelta(days=1), ANCHOR, org="nope")
