"""The memo of counted results (licensing/cache.py): a cached answer is the uncached one, a
write invalidates it, and an explicit ``as_of`` is never bucketed."""

from __future__ import annotations

import datetime as dt
from typing import Any, Callable

import pytest
from sqlalchemy.engine import Connection, Engine

from seatledger.db.ledger import Ledger, wrote_in_transaction
from seatledger.licensing import advanced_security as ghas
from seatledger.licensing import cache, copilot, seats
from seatledger.licensing.scope import Scope
from tests.factories import AS_OF, T0, EnterpriseBuilder


pytestmark = pytest.mark.usefixtures("fresh_memo")


def _build(engine: Engine) -> EnterpriseBuilder:
    with engine.begin() as conn:
        b = EnterpriseBuilder(conn)
        for i in range(7):
            b.member("octo", f"user{i:02d}")
        b.member("labs", "user03", role="owner")
        b.collaborator("octo", "api", "zed", visibility="private")
        b.invite("labs", email="new@acme.test")
        repo = b.repo("octo", "api", code_security=True, secret_protection=True)
        other = b.repo("labs", "web", code_security=True)
        pushed = AS_OF - dt.timedelta(days=3)
        commits = []
        for i in (1, 2, 3):
            b.ledger.add_email(b.users[f"user{i:02d}"], f"u{i}@acme.test")
            commits.append({"sha": f"{i:040d}", "author_email": f"u{i}@acme.test", "author_date": pushed, "pushed_at": pushed})
        b.ledger.add_commits(repo, commits)
        b.ledger.add_commits(other, commits[:1])
        for i in (1, 4):
            b.ledger.add_copilot_seat(b.orgs["octo"], b.users[f"user{i:02d}"], created_at=T0)
    return b


# Each question asked at a fixed instant; its answer as a comparable value.
QUESTIONS: dict[str, Callable[[Connection], Any]] = {
    "count_consumed": lambda c: seats.count_consumed(c, "acme", as_of=AS_OF),
    "count_consumed_org": lambda c: seats.count_consumed(c, "acme", org="labs", as_of=AS_OF),
    "seat_totals": lambda c: seats.seat_totals(c, "acme", as_of=AS_OF),
    "licensed_people_page": lambda c: list(seats.iter_licensed_people(c, "acme", as_of=AS_OF, offset=2, limit=4)),
    "seat_history": lambda c: seats.seat_history(c, "acme", AS_OF.date() - dt.timedelta(days=3), AS_OF.date()),
    "committer_totals": lambda c: ghas.committer_totals(c, Scope.enterprise("acme"), "code_security", as_of=AS_OF),
    "repository_committers_page": lambda c: list(
        ghas.iter_repository_committers(c, Scope.enterprise("acme"), "code_security", as_of=AS_OF, offset=1, limit=1)
    ),
    "namespace_committers": lambda c: list(ghas.iter_namespace_committers(c, "acme", "code_security", as_of=AS_OF)),
    "copilot_totals": lambda c: copilot.copilot_totals(c, Scope.enterprise("acme"), as_of=AS_OF),
}


@pytest.mark.parametrize("question", sorted(QUESTIONS))
def test_a_cached_answer_equals_the_uncached_one(engine: Engine, question: str) -> None:
    _build(engine)
    ask = QUESTIONS[question]
    cache.configure(0)
    with engine.connect() as conn:
        uncached = ask(conn)
    cache.configure(64)
    with engine.connect() as conn:
        first = ask(conn)
        hits = cache.memo.hits
        second = ask(conn)
    assert cache.memo.hits > hits  # the second answer came from the memo
    assert first == uncached
    assert second == uncached


def test_a_page_of_licensed_people_slices_the_same_order_as_the_full_stream(engine: Engine) -> None:
    _build(engine)
    with engine.connect() as conn:
        everyone = [p.key for p in seats.iter_licensed_people(conn, "acme", as_of=AS_OF)]
        pages = [
            p.key
            for start in range(0, len(everyone), 3)
            for p in seats.iter_licensed_people(conn, "acme", as_of=AS_OF, offset=start, limit=3)
        ]
    assert len(everyone) == 9
    assert pages == everyone


def test_a_write_invalidates_the_cached_answer(engine: Engine) -> None:
    b = _build(engine)
    with engine.connect() as conn:
        before = seats.count_consumed(conn, "acme", as_of=AS_OF)
        page = [p.login for p in seats.iter_licensed_people(conn, "acme", as_of=AS_OF, offset=0, limit=100)]
    with engine.begin() as conn:
        uid = Ledger(conn).add_user(b.id, "aaron", created_at=T0)
        Ledger(conn).add_membership(b.orgs["octo"], uid, started_at=T0)
    with engine.connect() as conn:
        after = seats.count_consumed(conn, "acme", as_of=AS_OF)
        new_page = [p.login for p in seats.iter_licensed_people(conn, "acme", as_of=AS_OF, offset=0, limit=100)]
    assert after == before + 1
    assert new_page == ["aaron", *page]


def test_uncommitted_writes_neither_read_nor_fill_the_memo(engine: Engine) -> None:
    b = _build(engine)
    with engine.connect() as conn:
        before = seats.count_consumed(conn, "acme", as_of=AS_OF)
    conn = engine.connect()
    try:
        uid = Ledger(conn).add_user(b.id, "ghost", created_at=T0)
        Ledger(conn).add_membership(b.orgs["octo"], uid, started_at=T0)
        assert seats.count_consumed(conn, "acme", as_of=AS_OF) == before + 1  # its own write
        conn.rollback()
    finally:
        conn.close()
    with engine.connect() as conn:
        assert seats.count_consumed(conn, "acme", as_of=AS_OF) == before


def test_a_write_committed_while_computing_keeps_the_answer_out_of_the_memo(engine: Engine) -> None:
    b = _build(engine)

    def compute_while_someone_writes(conn: Connection, at: dt.datetime) -> int:
        with engine.begin() as other:
            Ledger(other).suspend_user(b.users["user00"], AS_OF)
        return 42

    with engine.connect() as conn:
        assert cache.memoized(conn, "probe", b.id, (), AS_OF, compute_while_someone_writes) == 42
        assert cache.memoized(conn, "probe", b.id, (), AS_OF, lambda c, a: 7) == 7


def test_as_of_given_explicitly_is_never_bucketed(engine: Engine) -> None:
    b = _build(engine)
    exact = dt.datetime(2026, 3, 15, 12, 0, 30)
    with engine.begin() as conn:
        uid = Ledger(conn).add_user(b.id, "late", created_at=T0)
        Ledger(conn).add_membership(b.orgs["octo"], uid, started_at=exact + dt.timedelta(seconds=10))
    assert cache.instant(exact) == exact
    with engine.connect() as conn:
        at_exact = seats.count_consumed(conn, "acme", as_of=exact)
        at_later = seats.count_consumed(conn, "acme", as_of=exact + dt.timedelta(seconds=10))
    assert at_later == at_exact + 1


def test_now_is_bucketed_to_the_end_of_the_minute_and_exact_when_the_memo_is_off() -> None:
    start = cache.as_of_or_now(None)
    bucketed = cache.instant(None)
    assert bucketed.second == 0 and bucketed.microsecond == 0
    assert start <= bucketed <= start + dt.timedelta(seconds=61) or bucketed.time() == dt.time.max
    assert cache._bucket(dt.datetime(2026, 3, 31, 23, 59, 30)) == dt.datetime(2026, 3, 31, 23, 59, 59, 999999)
    assert cache._bucket(dt.datetime(2026, 3, 15, 12, 0, 0)) == dt.datetime(2026, 3, 15, 12, 0, 0)
    assert cache._bucket(dt.datetime(2026, 3, 15, 12, 0, 0, 1)) == dt.datetime(2026, 3, 15, 12, 1, 0)
    cache.configure(0)
    exact = cache.instant(None)
    assert exact.microsecond != 0 or exact.second != 0 or exact == cache._bucket(exact)  # not rounded up
    assert exact <= cache.as_of_or_now(None) < exact + dt.timedelta(seconds=5)


def test_the_memo_is_bounded_and_a_new_stamp_replaces_the_old_answer() -> None:
    memo = cache.Memo(2)
    memo.put("a", 1, "A1")
    memo.put("b", 1, "B1")
    memo.put("a", 2, "A2")  # same question, new version: replaces
    assert len(memo) == 2
    assert memo.get("a", 1) == (False, None)
    assert memo.get("a", 2) == (True, "A2")
    memo.put("c", 1, "C1")  # 'b' is the least recently used
    assert len(memo) == 2
    assert memo.get("b", 1) == (False, None)
    assert memo.get("c", 1) == (True, "C1")


def test_size_zero_turns_the_memo_off(engine: Engine) -> None:
    b = _build(engine)
    cache.configure(0)
    calls = []
    with engine.connect() as conn:
        for _ in range(2):
            cache.memoized(conn, "probe", b.id, (), AS_OF, lambda c, a: calls.append(1))
    assert len(calls) == 2
    assert len(cache.memo) == 0


def test_a_write_in_a_released_savepoint_still_keeps_the_transaction_out_of_the_memo(engine: Engine) -> None:
    b = _build(engine)
    with engine.connect() as conn:
        seats.count_consumed(conn, "acme", as_of=AS_OF)
    entries = len(cache.memo)
    with engine.connect() as conn:
        with conn.begin():
            with conn.begin_nested():
                uid = Ledger(conn).add_user(b.id, "ghost", created_at=T0)
                Ledger(conn).add_membership(b.orgs["octo"], uid, started_at=T0)
            assert wrote_in_transaction(conn)
            seats.count_consumed(conn, "acme", org="octo", as_of=AS_OF)
            assert len(cache.memo) == entries  # neither read nor filled
        assert not wrote_in_transaction(conn)  # committed: a new transaction starts clean
