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
