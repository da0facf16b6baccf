"""The counting rules in SQL: which facts give a seat reason and for which span, the filter to
some people, and the active-committer windows of pushes (spec 2.1 and 2.2)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.engine import Connection, Engine

from seatledger.db import rules
from seatledger.db.rules import (
    ACTIVE_COMMITTER_WINDOW,
    EVERYONE,
    People,
    committer_emails,
    email_pushes,
    push_windows,
    load_policy,
    merge_spans,
    seat_reasons,
)
from tests.factories import T0, EnterpriseBuilder

DAY = dt.timedelta(days=1)


def _reasons(conn: Connection, enterprise_id: int, people: People | None = EVERYONE) -> set[tuple[object, ...]]:
    query = seat_reasons(load_policy(conn, enterprise_id), people)
    return {(r.user_id, r.reason, r.started_at, r.ended_at) for r in conn.execute(query)}


def test_touching_and_overlapping_spans_merge_and_apart_ones_stay_apart() -> None:
    a, b, c, d, e = (T0 + n * DAY for n in range(5))
    assert merge_spans([(c, d), (a, b), (b, c)]) == [(a, d)]  # touching, in any order
    assert merge_spans([(a, d), (b, c)]) == [(a, d)]  # one inside another
    assert merge_spans([(a, b), (c, e)]) == [(a, b), (c, e)]
    assert merge_spans([]) == []


def test_members_owners_and_outside_collaborators_on_paid_repositories_have_reasons(engine: Engine) -> None:
    with engine.begin() as conn:
        b = EnterpriseBuilder(conn)
        ann = b.member("octo", "ann")
        olga = b.member("octo", "olga", "owner")
        bill = b.member("octo", "bill", "billing_manager")  # an org billing manager never consumes
        carl = b.collaborator("octo", "secret", "carl")
        b.collaborator("octo", "open", "pat", visibility="public")  # public repositories never consume
        b.collaborator("octo", "fork", "fred", is_fork=True)  # nor forks
        b.member("octo", "robot", is_bot=True)  # nor bots
        setup = b.member("octo", "setup")
        b.ledger.set_setup_user(b.id, setup)  # nor the setup user
        assert _reasons(conn, b.id) == {
            (ann, rules.REASON_ORG_MEMBER, T0, None),
            (olga, rules.REASON_ORG_OWNER, T0, None),
            (carl, rules.REASON_OUTSIDE_COLLABORATOR, T0, None),
        }
        assert bill not in {r[0] for r in _reasons(conn, b.id)}


def test_suspension_cuts_a_reason_short_and_a_reason_begun_after_it_never_holds(engine: Engine) -> None:
    with engine.begin() as conn:
        b = EnterpriseBuilder(conn)
        ann = b.member("octo", "ann")
        b.ledger.suspend_user(ann, T0 + 10 * DAY)
        b.ledger.add_membership(b.org("later"), ann, started_at=T0 + 20 * DAY)
        assert _reasons(conn, b.id) == {(ann, rules.REASON_ORG_MEMBER, T0, T0 + 10 * DAY)}


def test_the_people_filter_derives_only_their_rows(engine: Engine) -> None:
    with engine.begin() as conn:
        b = EnterpriseBuilder(conn)
        ann, bob = b.member("octo", "ann"), b.member("octo", "bob")
        assert {r[0] for r in _reasons(conn, b.id)} == {ann, bob}
        assert {r[0] for r in _reasons(conn, b.id, People(user_ids=(bob,)))} == {bob}
        assert _reasons(conn, b.id, People()) == set()


def test_pushes_less_than_the_window_apart_make_one_island_and_unverified_emails_none(engine: Engine) -> None:
    with engine.begin() as conn:
        b = EnterpriseBuilder(conn)
        ann = b.user("ann", emails=["ann@x.test"], unverified_emails=["ann@old.test"])
        repo = b.repo("octo", "app")
        far = ACTIVE_COMMITTER_WINDOW + DAY
        pushes = [T0, T0 + 30 * DAY, T0 + 30 * DAY + far]
        b.ledger.add_commits(
            repo,
            [
                *(
                    {"sha": f"s{i}", "author_email": "ann@x.test", "author_date": at, "pushed_at": at}
                    for i, at in enumerate(pushes)
                ),
                {"sha": "u1", "author_email": "ann@old.test", "author_date": T0, "pushed_at": T0 + 500 * DAY},
            ],
        )
        windows = list(push_windows(conn.execute(email_pushes(b.id, ("ann@x.test",)))))
        end = ACTIVE_COMMITTER_WINDOW
        assert windows == [
            ("ann@x.test", repo, (pushes[0], pushes[1] + end)),
            ("ann@x.test", repo, (pushes[2], pushes[2] + end)),
        ]
        assert list(conn.execute(email_pushes(b.id, ("nobody@x.test",)))) == []
        # Only verified emails make a person commit: the unverified one is nobody's.
        assert set(conn.execute(committer_emails(b.id, None))) == {("ann@x.test", ann)}
        assert list(conn.execute(committer_emails(b.id, (ann + 1000,)))) == []
