"""The memo's warmer (licensing/cache.py): after a write it has the new version's answer
before anyone asks; close to a minute's end it has the next minute's; a question nobody asks
any more goes cold. Rounds are run by the test under its own clock."""

from __future__ import annotations

import datetime as dt
from typing import Callable

import pytest
from sqlalchemy.engine import Connection, Engine

from seatledger.db.ledger import Ledger
from seatledger.licensing import cache, seats
from tests.factories import AS_OF, T0, Clock, EnterpriseBuilder, enterprise_of_members


pytestmark = pytest.mark.usefixtures("fresh_memo")


def _build(engine: Engine) -> EnterpriseBuilder:
    return enterprise_of_members(engine, 5)


def _join(engine: Engine, b: EnterpriseBuilder, login: str) -> None:
    with engine.begin() as conn:
        uid = Ledger(conn).add_user(b.id, login, created_at=T0)
        Ledger(conn).add_membership(b.orgs["octo"], uid, started_at=T0)


def _consumed_counting_its_calls() -> tuple[list[dt.datetime], Callable[[Connection, dt.datetime], int]]:
    """The engine's consumed count, and the list of the instants it was counted at."""
    calls: list[dt.datetime] = []

    def consumed(conn: Connection, at: dt.datetime) -> int:
        calls.append(at)
        return seats.count_consumed(conn, "acme", as_of=at)

    return calls, consumed


@pytest.mark.parametrize("kind", ["floor", "ceiling"])
def test_the_warmer_recomputes_after_a_write_and_before_the_next_minute(engine: Engine, kind: str) -> None:
    b = _build(engine)
    clock = Clock(AS_OF + dt.timedelta(seconds=20))
    calls, consumed = _consumed_counting_its_calls()

    def ask() -> int:
        at = cache._floor(clock.utc()) if kind == "floor" else cache._bucket(clock.utc())
        with engine.connect() as conn:
            return cache.memoized(conn, "probe", b.id, (), at, consumed)

    warmer = cache.Warmer(engine, clock=clock)  # not started: the test runs its rounds
    try:
        first = ask()
        assert first == 5 and len(calls) == 1
        assert warmer.run_once() == 0  # nothing missing

        _join(engine, b, "newcomer")
        assert warmer.run_once() == 1  # the new version's answer, before anyone asks
        assert ask() == 6
        assert len(calls) == 2  # asking found it ready

        clock.advance(35)  # 12:00:55: within the lead of the minute's end
        assert warmer.run_once() >= 1
        next_minute = AS_OF + dt.timedelta(minutes=1)
        assert calls[-1] == (next_minute if kind == "floor" else next_minute + dt.timedelta(minutes=1))
        assert len(calls) == 3  # the next minute's answer, ahead
        clock.advance(10)  # 12:01:05
        assert ask() == 6
        assert len(calls) == 3  # the new minute's question was already answered
        assert calls[-1] == (cache._floor(clock.utc()) if kind == "floor" else cache._bucket(clock.utc()))

        clock.advance(cache.HOT_TTL.total_seconds() + 60)  # nobody asked since
        assert warmer.run_once() == 0
        _join(engine, b, "latecomer")
        assert warmer.run_once() == 0  # cold: a write no longer makes it compute
    finally:
        warmer.stop()


def test_a_question_of_the_date_alone_is_counted_once_a_day_and_after_each_write(engine: Engine) -> None:
    b = _build(engine)
    clock = Clock(AS_OF + dt.timedelta(seconds=20))
    calls, consumed = _consumed_counting_its_calls()

    def ask() -> int:
        with engine.connect() as conn:
            return cache.memoized(conn, "daily probe", b.id, (), cache.day_start(clock.utc()), consumed)

    today = cache.day_start(AS_OF)
    warmer = cache.Warmer(engine, clock=clock)
    try:
        assert ask() == 5 and calls == [today]
        for _ in range(3):  # minutes end, and the warmer has nothing to count ahead
            clock.advance(45)
            assert warmer.run_once() == 0
            clock.advance(15)
        assert ask() == 5 and calls == [today]

        _join(engine, b, "newcomer")
        assert warmer.run_once() == 1  # the new version's answer, before anyone asks
        assert ask() == 6 and calls == [today, today]

        clock.advance((today + dt.timedelta(days=1) - clock.utc()).total_seconds() - 15)  # 23:59:45
        assert ask() == 6 and len(calls) == 2
        clock.advance(10)  # 23:59:55: within the lead of the day's end
        warmer.run_once()
        tomorrow = today + dt.timedelta(days=1)
        assert calls[-1] == tomorrow  # the next day's answer, ahead
        clock.advance(10)  # 00:00:05 the next day
        assert ask() == 6 and len(calls) == 3
    finally:
        warmer.stop()


def test_a_question_about_an_explicit_instant_is_not_kept_warm(engine: Engine) -> None:
    b = _build(engine)
    clock = Clock(AS_OF + dt.timedelta(seconds=20))
    warmer = cache.Warmer(engine, clock=clock)
    try:
        with engine.connect() as conn:
            at = AS_OF - dt.timedelta(days=3, seconds=7)  # a report 'as of' some past second
            cache.memoized(conn, "probe", b.id, (), at, lambda c, a: seats.count_consumed(c, "acme", as_of=a))
        _join(engine, b, "newcomer")
        assert warmer.run_once() == 0
    finally:
        warmer.stop()


def test_without_a_warmer_nothing_is_registered(engine: Engine) -> None:
    b = _build(engine)
    with engine.connect() as conn:
        cache.memoized(conn, "probe", b.id, (), cache.instant(None), lambda c, a: seats.count_consumed(c, "acme", as_of=a))
    assert cache._hot.of(str(engine.url)) == []


def test_a_slot_keeps_several_instants_of_one_version_and_a_new_version_replaces_them() -> None:
    memo = cache.Memo(8)
    t1, t2, t3, t4 = (AS_OF + dt.timedelta(minutes=i) for i in range(4))
    for at in (t1, t2, t3):
        memo.put("q", (7, at), at.minute)
    assert all(memo.get("q", (7, at))[0] for at in (t1, t2, t3))
    memo.put("q", (7, t4), 4)  # at most STAMPS_PER_SLOT instants: the oldest goes
    assert memo.get("q", (7, t1)) == (False, None)
    assert memo.get("q", (7, t4)) == (True, 4)
    assert memo.latest("q", t3) == ((7, t3), t3.minute)  # the latest instant not after t3
    memo.put("q", (8, t4), 40)  # a newer version replaces every instant of the old one
    assert len(memo) == 1
    assert memo.get("q", (8, t4)) == (True, 40)
    assert memo.latest("q", t1) == ((8, t4), 40)  # only later instants: the earliest of them


def test_threads_asking_the_same_question_at_once_compute_it_once(engine: Engine) -> None:
    import threading

    b = _build(engine)
    at = cache._bucket(AS_OF + dt.timedelta(seconds=20))
    started = threading.Event()
    release = threading.Event()
    calls: list[int] = []
    answers: list[int] = []

    def slow(conn: Connection, a: dt.datetime) -> int:
        calls.append(1)
        started.set()
        assert release.wait(60)
        return seats.count_consumed(conn, "acme", as_of=a)

    def ask() -> None:
        with engine.connect() as conn:
            answers.append(cache.memoized(conn, "single-flight", b.id, (), at, slow))

    first = threading.Thread(target=ask)
    first.start()
    assert started.wait(60)  # the first computation is under way
    others = [threading.Thread(target=ask) for _ in range(4)]
    for t in others:
        t.start()
    release.set()
    for t in [first, *others]:
        t.join(60)
    assert answers == [5] * 5
    assert len(calls) == 1  # the four others waited for the first computation


def test_a_round_that_takes_long_starts_on_the_next_minute_early_enough_to_finish_it(engine: Engine) -> None:
    b = _build(engine)
    clock = Clock(AS_OF + dt.timedelta(seconds=20))  # 40 s before the minute ends
    calls: list[dt.datetime] = []

    def consumed(conn: Connection, at: dt.datetime) -> int:
        calls.append(at)
        return seats.count_consumed(conn, "acme", as_of=at)

    warmer = cache.Warmer(engine, clock=clock)
    try:
        for name in ("q0", "q1", "q2"):
            warmer.keep(name, b.id, (), consumed)
        assert warmer.run_once() == 3  # this minute's answers
        # Each took 10 s (as noted by the warmer): 30 s for the round, more than the 10 s lead
        # a single question would get, and each alone (3 x 10 s) would still start too late.
        for _slot, q in cache._hot.of(warmer.url):
            q.cost_s = 10.0
        assert warmer.run_once() == 3  # the next minute's, 40 s ahead
        next_minute = cache._floor(clock.utc()) + dt.timedelta(minutes=1)
        assert calls[-3:] == [next_minute] * 3
    finally:
        warmer.stop()


def test_as_the_minute_turns_now_is_the_previous_minutes_answer_until_the_new_one_is_counted(engine: Engine) -> None:
    b = _build(engine)
    clock = Clock(AS_OF + dt.timedelta(seconds=20))
    counted: list[dt.datetime] = []

    def minute_of(conn: Connection, at: dt.datetime) -> dt.datetime:  # an answer that tells its instant
        counted.append(at)
        return at

    def ask_now() -> dt.datetime:
        with engine.connect() as conn:
            return cache.memoized(conn, "probe", b.id, (), cache._bucket(clock.utc()), minute_of)

    warmer = cache.Warmer(engine, clock=clock)  # its clock is 'now' for the memo; not started
    try:
        first = ask_now()
        assert counted == [first]
        clock.advance(60)  # the next minute, not counted ahead
        assert ask_now() == first  # at once: the previous minute's answer, same version
        cache.settle(60)
        assert ask_now() == cache._bucket(clock.utc())  # the new minute's, counted in the background
        assert counted == [first, cache._bucket(clock.utc())]

        clock.advance(60)
        _join(engine, b, "newcomer")  # a write: the earlier answer no longer stands in
        assert ask_now() == cache._bucket(clock.utc())
        assert counted[-1] == cache._bucket(clock.utc())
    finally:
        warmer.stop()
