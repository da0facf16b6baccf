"""The demo's commits: pushed within the 120-day history, a few heavy committers and a long
tail, some authored long before the push, some by emails of nobody."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from seatledger.db import tables as t
from tests.demo.demo_ledger import ANCHOR, count


def test_small_demo_commits_are_skewed_pushed_in_120_days_and_some_authored_long_before(demo: Engine) -> None:
    c = t.commits
    with demo.connect() as conn:
        first, last = conn.execute(sa.select(sa.func.min(c.c.pushed_at), sa.func.max(c.c.pushed_at))).one()
        per_author = sorted(
            conn.execute(sa.select(sa.func.count()).select_from(c).group_by(c.c.author_email)).scalars(), reverse=True
        )
        lags = [pushed - authored for authored, pushed in conn.execute(sa.select(c.c.author_date, c.c.pushed_at))]
    assert ANCHOR - dt.timedelta(days=120) <= first and last <= ANCHOR
    assert min(lags) >= dt.timedelta(0)  # pushed at or after it was authored
    assert max(lags) > dt.timedelta(days=90)  # some authored long before the push
    assert per_author[0] >= 10 * per_author[len(per_author) // 2]  # a few heavy committers, a long tail
    known = sa.select(t.user_emails.c.email)
    assert count(demo, sa.select(c.c.id).where(c.c.author_email.not_in(known))) >= 1
