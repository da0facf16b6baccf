"""Unattributed commit emails: the worklist of pushes that count for nobody.

A commit counts towards Advanced Security only through a verified email of a person in the
enterprise (spec 2.2). An author email pushed in the window that resolves to nobody is work
for an owner: map it to the person it belongs to (``seatledger emails map``) and their
committer counts change at once. Bots are not listed: there is nobody to map them to.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterator

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from seatledger.bots import BOT_EMAILS, BOT_MARK
from seatledger.db import tables as t
from seatledger.db import tables_intervals as ti
from seatledger.licensing.advanced_security import ACTIVE_COMMITTER_WINDOW
from seatledger.licensing.scope import as_of_or_now, get_enterprise


@dataclass(frozen=True)
class UnattributedEmail:
    """One author email nobody in the enterprise has verified, with its pushes in the window."""

    email: str
    pushes: int  # distinct (repository, push instant) pairs: one push of many commits is one
    repositories: int
    last_push: dt.datetime


def iter_unattributed_emails(
    conn: Connection, enterprise_slug: str, *, as_of: dt.datetime | None = None
) -> Iterator[UnattributedEmail]:
    """Author emails pushed in the active-committer window before ``as_of`` to the enterprise's
    repositories where a push can count (private and internal; every repository on data
    residency, whose public repositories are licensed too), resolving to no verified email of
    anybody in the enterprise and not a bot's. Most pushes first, then by email."""
    at = as_of_or_now(as_of)
    info = get_enterprise(conn, enterprise_slug)
    c, r, ue, u, w = t.commits, t.repositories, t.user_emails, t.users, ti.email_windows
    repos = sa.select(r.c.id).where(r.c.enterprise_id == info.id)
    if not info.data_residency:
        repos = repos.where(r.c.visibility != "public")
    # The emails pushed in the window are those whose kept window holds at the instant (one
    # index range, not every commit of the window) ...
    pushed = (
        sa.select(w.c.author_email.label("email"))
        .where(w.c.enterprise_id == info.id, w.c.ended_at > at, w.c.started_at <= at, w.c.repository_id.in_(repos))
        .distinct()
        .cte("pushed_emails")
        .prefix_with("MATERIALIZED")
    )
    known = (
        sa.select(ue.c.email)
        .join(u, u.c.id == ue.c.user_id)
        .where(ue.c.verified == sa.true(), u.c.enterprise_id == info.id, ue.c.email == pushed.c.email)
    )
    nobodys = (
        sa.select(pushed.c.email)
        .where(~known.exists(), ~pushed.c.email.contains(BOT_MARK), pushed.c.email.not_in(BOT_EMAILS))
        .cte("nobodys")
        .prefix_with("MATERIALIZED")
    )
    # ... then one row per push of the emails nobody has (email, repository, instant), read by
    # email, counted per email: SQLite has no count(DISTINCT a, b).
    pushes = (
        sa.select(c.c.author_email.label("email"), c.c.repository_id, c.c.pushed_at)
        .join(nobodys, nobodys.c.email == c.c.author_email)
        .where(
            c.c.pushed_at > at - ACTIVE_COMMITTER_WINDOW,
            c.c.pushed_at <= at,
            # coalesce(): not an index constraint, so each email's commits are read through
            # its own index range, never the whole window of every repository.
            sa.func.coalesce(c.c.repository_id, 0).in_(repos),
        )
        .group_by(c.c.author_email, c.c.repository_id, c.c.pushed_at)
        .subquery()
    )
    count = sa.func.count().label("pushes")
    stmt = (
        sa.select(
            pushes.c.email,
            count,
            sa.func.count(sa.distinct(pushes.c.repository_id)).label("repositories"),
            sa.func.max(pushes.c.pushed_at).label("last_push"),
        )
        .group_by(pushes.c.email)
        .order_by(count.desc(), pushes.c.email)
    )
    for row in conn.execute(stmt):
        yield UnattributedEmail(row.email, int(row.pushes), int(row.repositories), row.last_push)
