"""Pages kept warm (web/page_cache.py through licensing/cache.py): a server seeds every
enterprise's Licensing and Usage pages (and a small enterprise's org pages), so the first view
after start-up finds them counted;
a page's data is the same whether the warmer or the request computed it."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.engine import Connection, Engine

from seatledger.licensing import Scope, cache
from seatledger.web import licensing_view, routes_licensing, usage_view
from seatledger.web.page_cache import PageCache
from tests.factories import AS_OF, Clock, EnterpriseBuilder

NOW = AS_OF + dt.timedelta(seconds=42)


pytestmark = pytest.mark.usefixtures("fresh_memo")


def _build(engine: Engine) -> EnterpriseBuilder:
    with engine.begin() as conn:
        b = EnterpriseBuilder(conn)
        for i in range(4):
            b.member("octo", f"user{i:02d}")
        b.repo("octo", "api", code_security=True)
    return b


def test_seeded_pages_are_counted_before_anyone_opens_them(engine: Engine) -> None:
    b = _build(engine)
    clock = lambda: NOW.replace(tzinfo=dt.timezone.utc).timestamp()  # noqa: E731 - the test's fixed clock
    warmer = cache.Warmer(engine, clock=clock)
    try:
        with engine.connect() as conn:
            routes_licensing.warm_enterprise_pages(PageCache(), warmer, conn, NOW)
        assert warmer.run_once() >= 3  # the Licensing page, this month's Usage page, the org's Licensing page

        pages = PageCache()
        as_of = pages.instant(NOW)
        asked: list[str] = []

        def must_not_count(name: str):  # type: ignore[no-untyped-def]
            def compute(c: Connection, at: dt.datetime) -> object:
                asked.append(name)
                raise AssertionError(f"{name} was counted again")
            return compute

        scope = Scope.enterprise("acme")
        month = usage_view.parse_month(None, NOW)
        with engine.connect() as conn:
            warm, recounting = pages.data_within(
                conn, routes_licensing.ENTERPRISE_PAGE, b.id, ("acme",), as_of, must_not_count("licensing"), 60
            )
            assert recounting is None
            # The month's usage changes only with the date: the page asks at the day's start.
            usage, recounting = pages.data_within(
                conn, routes_licensing.USAGE_PAGE, b.id, (scope, month, "sku"), pages.day_instant(NOW),
                must_not_count("usage"), 60,
            )
            assert recounting is None
            # A small enterprise's org pages are seeded too.
            org_page, recounting = pages.data_within(
                conn, routes_licensing.ORG_PAGE, b.id, ("octo",), as_of, must_not_count("org licensing"), 60
            )
            assert recounting is None
            fresh = licensing_view.enterprise_page(conn, "acme", as_of)
            fresh_org = licensing_view.org_page(conn, "octo", as_of)
        assert asked == []
        assert org_page.seats.totals.value == fresh_org.seats.totals.value  # type: ignore[attr-defined]
        assert usage.month == month  # type: ignore[attr-defined]
        assert warm.seats.totals.value == fresh.seats.totals.value  # type: ignore[attr-defined]
        assert warm.seats.totals.value.consumed == 4  # type: ignore[attr-defined]
        assert warm.advanced_security == fresh.advanced_security  # type: ignore[attr-defined]
        assert warm.history == fresh.history  # type: ignore[attr-defined]
    finally:
        warmer.stop()


def test_a_seeded_page_is_counted_once_and_kept_warm_only_once_someone_opens_it(engine: Engine) -> None:
    b = _build(engine)
    clock = Clock(NOW)
    warmer = cache.Warmer(engine, clock=clock)
    pages = PageCache()
    try:
        with engine.connect() as conn:
            routes_licensing.warm_enterprise_pages(pages, warmer, conn, NOW)
        assert warmer.run_once() == 3  # the Licensing page, this month's Usage page, the org's Licensing page
        clock.advance(15)  # 3 s before the minute ends: a warm question's next minute is due
        assert warmer.run_once() == 0  # nobody opened them: not counted again
        assert cache._hot.of(warmer.url) == []

        clock.advance(60)  # a later minute: someone opens the enterprise page
        as_of = pages.instant(clock.utc())
        with engine.connect() as conn:
            page, recounting = pages.data_within(
                conn, routes_licensing.ENTERPRISE_PAGE, b.id, ("acme",), as_of,
                routes_licensing._enterprise_page("acme"), 60,
            )
        assert recounting is None and page.seats.totals.value.consumed == 4  # type: ignore[attr-defined]
        assert warmer.run_once() == 1  # now it is warm: the next minute's, ahead
    finally:
        warmer.stop()


def test_a_page_waits_a_bounded_time_for_a_recount_and_meanwhile_shows_its_earlier_numbers(engine: Engine) -> None:
    import threading

    from seatledger.db.ledger import Ledger
    from tests.factories import T0

    b = _build(engine)
    pages = PageCache()
    as_of = pages.instant(NOW)
    release = threading.Event()

    def page(c: Connection, at: dt.datetime) -> licensing_view.LicensingPage:
        return licensing_view.enterprise_page(c, "acme", at)

    def slow_page(c: Connection, at: dt.datetime) -> licensing_view.LicensingPage:
        assert release.wait(60), "the test never released the recount"
        return page(c, at)

    with engine.connect() as conn:
        first, recounting = pages.data_within(conn, "probe-page", b.id, ("acme",), as_of, page, 60)
    assert recounting is None and first.seats.totals.value.consumed == 4  # type: ignore[union-attr]

    with engine.begin() as conn:
        uid = Ledger(conn).add_user(b.id, "newcomer", created_at=T0)
        Ledger(conn).add_membership(b.orgs["octo"], uid, started_at=T0)

    later = as_of + dt.timedelta(minutes=1)
    with engine.connect() as conn:
        shown, recounting = pages.data_within(conn, "probe-page", b.id, ("acme",), later, slow_page, 0.01)
    assert recounting == as_of  # the earlier numbers, and when they were counted
    assert shown.seats.totals.value.consumed == 4  # type: ignore[union-attr]

    release.set()
    with engine.connect() as conn:
        fresh, recounting = pages.data_within(conn, "probe-page", b.id, ("acme",), later, slow_page, 60)
    assert recounting is None
    assert fresh.seats.totals.value.consumed == 5  # type: ignore[union-attr]


def test_a_first_count_that_takes_too_long_goes_on_in_the_background_and_is_found_when_asked_again(
    engine: Engine,
) -> None:
    import threading

    b = _build(engine)
    pages = PageCache()
    as_of = pages.instant(NOW)
    release = threading.Event()
    counted: list[dt.datetime] = []

    def slow_page(c: Connection, at: dt.datetime) -> licensing_view.LicensingPage:
        assert release.wait(60), "the test never released the count"
        counted.append(at)
        return licensing_view.enterprise_page(c, "acme", at)

    with engine.connect() as conn:
        with pytest.raises(cache.StillCounting) as still:
            pages.data_within(conn, "first-count", b.id, ("acme",), as_of, slow_page, 0.01)
    assert still.value.at == as_of

    release.set()
    with engine.connect() as conn:
        data, recounting = pages.data_within(conn, "first-count", b.id, ("acme",), as_of, slow_page, 60)
    assert recounting is None
    assert data.seats.totals.value.consumed == 4  # type: ignore[union-attr]
    assert counted == [as_of]  # counted once: the second view found the background count


def test_the_warmer_counts_a_page_part_after_part_and_a_person_side_by_side(engine: Engine) -> None:
    import threading

    b = _build(engine)
    threads: dict[str, set[int]] = {"person": set(), "warmer": set()}

    def page_of(who: str):  # type: ignore[no-untyped-def]
        def compute(c: Connection, at: dt.datetime) -> int:
            def part(_c: Connection) -> int:
                threads[who].add(threading.get_ident())
                return 1
            return sum(licensing_view._gather(c, {"a": part, "b": part, "c": part}).values())  # type: ignore[arg-type]
        return compute

    clock = lambda: NOW.replace(tzinfo=dt.timezone.utc).timestamp()  # noqa: E731 - the test's fixed clock
    warmer = cache.Warmer(engine, clock=clock)
    try:
        warmer.keep("parts-page", b.id, (), page_of("warmer"))
        assert warmer.run_once() == 1
    finally:
        warmer.stop()
    with engine.connect() as conn:
        assert page_of("person")(conn, NOW) == 3
    assert threads["warmer"] == {threading.get_ident()}  # the warmer's own thread (run_once here), one part after another
    assert threads["person"] and threading.get_ident() not in threads["person"]  # side by side, in a pool
