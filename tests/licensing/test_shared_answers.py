"""Answers shared between serving processes (licensing/shared_answers.py through cache.share_answers):
an answer counted in one process is read, not counted again, in another; a write retires it;
a question keeps only its newest answers on disk."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy.engine import Connection, Engine

from seatledger.db.ledger import Ledger
from seatledger.licensing import cache, seats
from seatledger.licensing.shared_answers import SharedAnswers
from tests.factories import AS_OF, T0, EnterpriseBuilder, enterprise_of_members

pytestmark = pytest.mark.usefixtures("fresh_memo")

AT = AS_OF.replace(second=0, microsecond=0)

# Another interpreter, as a second `serve` worker is: it counts the question and shares it.
CHILD = """
import datetime as dt, sys
from pathlib import Path
from seatledger.db import create_engine
from seatledger.licensing import cache, seats
url, directory, eid, at = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), dt.datetime.fromisoformat(sys.argv[4])
cache.configure(16)
cache.share_answers(directory)
engine = create_engine(url)
with engine.connect() as conn:
    totals = cache.memoized(conn, "probe", eid, ("acme",), at, lambda c, a: seats.seat_totals(c, "acme", as_of=a))
print(totals.consumed)
"""


@pytest.fixture
def shared(tmp_path: Path) -> Iterator[Path]:
    directory = tmp_path / "answers"
    cache.share_answers(directory, clear=True)
    yield directory
    cache.share_answers(None)


def _build(engine: Engine) -> EnterpriseBuilder:
    return enterprise_of_members(engine, 5)


def _must_not_count(c: Connection, at: dt.datetime) -> object:
    raise AssertionError("counted again: the other process's answer was not read")


def test_an_answer_counted_in_one_process_is_read_not_counted_in_another(engine: Engine, shared: Path) -> None:
    b = _build(engine)
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(engine.url.render_as_string(hide_password=False)), str(shared), str(b.id),
         AT.isoformat()],
        capture_output=True, text=True, timeout=120,
    )
    assert child.returncode == 0, child.stderr
    assert int(child.stdout.strip()) == 5

    with engine.connect() as conn:  # this process's memo is empty: the answer can only come from the child
        answer = cache.memoized(conn, "probe", b.id, ("acme",), AT, _must_not_count)
        assert answer == seats.seat_totals(conn, "acme", as_of=AT)  # type: ignore[comparison-overlap]


def test_a_write_retires_the_shared_answer(engine: Engine, shared: Path) -> None:
    b = _build(engine)
    count = lambda c, a: seats.seat_totals(c, "acme", as_of=a).consumed  # noqa: E731 - the question
    with engine.connect() as conn:
        assert cache.memoized(conn, "probe", b.id, ("acme",), AT, count) == 5
    with engine.begin() as conn:
        uid = Ledger(conn).add_user(b.id, "newcomer", created_at=T0)
        Ledger(conn).add_membership(b.orgs["octo"], uid, started_at=T0)
    cache.memo.clear()  # as a process that never asked: only the shared answers are left
    with engine.connect() as conn:
        assert cache.memoized(conn, "probe", b.id, ("acme",), AT, count) == 6


def test_a_question_keeps_only_its_newest_answers_on_disk(tmp_path: Path) -> None:
    answers = SharedAnswers(tmp_path, keep=3)
    slot = ("sqlite:///x.db", "probe", 1, ("acme",), None)
    for version in (7, 8):
        for minute in range(3):
            answers.put(slot, (version, AT + dt.timedelta(minutes=minute)), f"v{version}m{minute}")
    assert [answers.get(slot, (7, AT + dt.timedelta(minutes=m)))[0] for m in range(3)] == [False] * 3
    assert [answers.get(slot, (8, AT + dt.timedelta(minutes=m))) for m in range(3)] == [
        (True, "v8m0"), (True, "v8m1"), (True, "v8m2")
    ]
    assert answers.get(("another", "question"), (8, AT)) == (False, None)


def test_the_questions_answered_longest_ago_are_forgotten_beyond_the_limit(tmp_path: Path) -> None:
    import os

    answers = SharedAnswers(tmp_path, keep=3, max_questions=2)
    slots = [("sqlite:///x.db", f"question {i}", 1, (), None) for i in range(3)]
    for i, slot in enumerate(slots[:2]):
        answers.put(slot, (1, AT), i)
        folder = answers._folder(slot)
        os.utime(folder, (1_000_000 + i, 1_000_000 + i))  # answered in this order, a second apart
    answers.put(slots[2], (1, AT), 2)
    assert [answers.get(slot, (1, AT)) for slot in slots] == [(False, None), (True, 1), (True, 2)]


# -- the one warmer of `serve --workers N`, in the supervising process -------------------------

# The supervising process's warmer, as another interpreter: it takes in what the workers told
# and counts it ahead, under the same clock (ten seconds before the minute `at` ends).
WARMER = """
import datetime as dt, sys
from pathlib import Path
from seatledger.db import create_engine
from seatledger.licensing import cache
url, directory, wall = sys.argv[1], Path(sys.argv[2]), float(sys.argv[3])
cache.configure(16)
cache.share_answers(directory)
warmer = cache.Warmer(create_engine(url), gather=True, clock=lambda: wall)
print(warmer.run_once())
"""


def _wall(at: dt.datetime) -> float:
    return (at - dt.datetime(1970, 1, 1)).total_seconds()


def test_a_question_a_worker_is_asked_is_counted_ahead_by_the_supervising_process(
    engine: Engine, shared: Path
) -> None:
    b = _build(engine)
    wall = _wall(AT) + 50  # ten seconds before the minute ends: time to count the next one
    cache.warm_elsewhere(engine, clock=lambda: wall)
    this_minute = AT + dt.timedelta(minutes=1)  # 'now' to the minute, as the API asks it
    next_minute = AT + dt.timedelta(minutes=2)
    with engine.connect() as conn:
        assert seats.seat_totals(conn, "acme", as_of=this_minute).consumed == 5
    told = list((shared / ".asked").iterdir())
    assert [p.name.endswith("-ceiling.pickle") for p in told] == [True]
    assert told[0].stat().st_mtime == wall

    warmer = subprocess.run(
        [sys.executable, "-c", WARMER, engine.url.render_as_string(hide_password=False), str(shared), str(wall)],
        capture_output=True, text=True, timeout=120,
    )
    assert warmer.returncode == 0, warmer.stderr
    assert int(warmer.stdout.strip()) == 2  # this minute (read from the worker's answer) and the next

    cache.memo.clear()  # a worker at the next minute: the answer is there, counted by the warmer
    with engine.connect() as conn:
        answer = cache.memoized(conn, "seat_totals", b.id, (None,), next_minute, _must_not_count)
        assert answer == seats.seat_totals(conn, "acme", as_of=next_minute)  # type: ignore[comparison-overlap]


def test_a_worker_tells_a_question_once_in_a_while_and_only_one_that_pickles(engine: Engine, shared: Path) -> None:
    b = _build(engine)
    now = [_wall(AT) + 5]
    cache.warm_elsewhere(engine, clock=lambda: now[0])
    at = AT + dt.timedelta(minutes=1)
    with engine.connect() as conn:
        cache.memoized(conn, "a closure", b.id, (), at, lambda c, a: 1)
        cache.memoized(conn, "a question", b.id, (), at, cache.question(seats._count_consumed, "acme", None))
        [note] = (shared / ".asked").iterdir()  # the closure cannot be told
        assert note.stat().st_mtime == now[0]
        now[0] += cache.TELL_EVERY_S - 1
        cache.memoized(conn, "a question", b.id, (), at, cache.question(seats._count_consumed, "acme", None))
        assert note.stat().st_mtime == _wall(AT) + 5  # told lately: not again
        now[0] += 1
        cache.memoized(conn, "a question", b.id, (), at, cache.question(seats._count_consumed, "acme", None))
        assert note.stat().st_mtime == now[0]


def test_told_questions_not_asked_for_a_while_are_forgotten(tmp_path: Path) -> None:
    answers = SharedAnswers(tmp_path, keep=3)
    slot = ("sqlite:///x.db", "probe", 1, (), None)
    assert answers.note_asked(slot, "ceiling", (slot, 1, cache.question(seats._count_consumed, "acme", None)), 1000.0)
    assert [kind for _name, kind, _when, _path in answers.asked_since(900.0)] == ["ceiling"]
    assert list(answers.asked_since(1001.0)) == []
    assert list((tmp_path / ".asked").iterdir()) == []
    assert not answers.note_asked(slot, "floor", (slot, 1, lambda c, a: 1), 1000.0)  # does not pickle


@pytest.mark.parametrize("asker", ["api", "page"])
def test_as_the_minute_turns_a_worker_leaves_the_count_to_the_warmer_for_one_minute(
    engine: Engine, shared: Path, asker: str
) -> None:
    b = _build(engine)
    now = [_wall(AT) + 5]
    cache.warm_elsewhere(engine, clock=lambda: now[0])
    consumed = cache.question(seats._count_consumed, "acme", None)
    slot = cache._slot(str(engine.url), "consumed", b.id, ("acme",), AT)
    # The API asks at the minute's end; a page at its start, and waits a moment for a recount.
    page = asker == "page"

    def ask() -> object:
        with engine.connect() as conn:
            wall = cache.utc_at(now[0])
            if not page:
                return cache.memoized(conn, "consumed", b.id, ("acme",), cache._bucket(wall), consumed)
            answer, earlier = cache.memoized_within(conn, "consumed", b.id, ("acme",), cache._floor(wall), consumed, 0.5)
            assert earlier is None  # the same version: no "recounting" note
            return answer

    def counted_anywhere(minutes: int) -> bool:
        with engine.connect() as conn:
            stamp = (cache.current_version(conn, b.id), AT + dt.timedelta(minutes=minutes - page))
        return (slot, stamp) in cache.memo or SharedAnswers(shared, keep=3).has(slot, stamp)

    assert ask() == 5  # this minute, counted here (there is no earlier answer)
    assert counted_anywhere(1)
    now[0] += 60  # the next minute, which the warmer has not counted yet
    assert ask() == 5  # at once: the previous minute's answer, same version
    cache.settle(60)
    assert not counted_anywhere(2)  # not counted in this process's background: left to the warmer

    warmer = subprocess.run(
        [sys.executable, "-c", WARMER, engine.url.render_as_string(hide_password=False), str(shared), str(now[0])],
        capture_output=True, text=True, timeout=120,
    )
    assert warmer.returncode == 0, warmer.stderr
    assert int(warmer.stdout.strip()) == 1  # the new minute, told by this worker
    assert ask() == 5
    with engine.connect() as conn:
        assert (slot, (cache.current_version(conn, b.id), AT + dt.timedelta(minutes=2 - page))) in cache.memo  # read

    now[0] += 120  # the warmer fell behind: two minutes without its answer
    assert ask() == 5  # the earlier answer still stands in, and this process counts the new one
    cache.settle(60)
    assert counted_anywhere(4)


def test_a_page_nobody_opened_here_shows_the_answer_another_process_counted_while_it_counts(
    engine: Engine, shared: Path
) -> None:
    import threading

    b = _build(engine)
    slot = cache._slot(str(engine.url), "page", b.id, (), AT)
    with engine.connect() as conn:
        version = cache.current_version(conn, b.id)
    SharedAnswers(shared, keep=3).put(slot, (version, AT), "seeded at start-up")  # the warmer's seed
    release = threading.Event()

    def slow_page(c: Connection, at: dt.datetime) -> str:
        assert release.wait(60), "the test never released the count"
        return f"counted at {at:%H:%M}"

    later = AT + dt.timedelta(minutes=5)
    with engine.connect() as conn:
        shown, counted_at = cache.memoized_within(conn, "page", b.id, (), later, slow_page, 0.01)
    assert (shown, counted_at) == ("seeded at start-up", AT)  # at once, with the instant it is from
    release.set()
    cache.settle(60)
    with engine.connect() as conn:
        assert cache.memoized_within(conn, "page", b.id, (), later, slow_page, 60) == (f"counted at {later:%H:%M}", None)
