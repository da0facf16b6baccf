"""The pages' computed data, kept in the counting engine's memo and warmed ahead.

Counting Advanced Security committers over a large ledger takes seconds, and the Licensing
page asks for several such numbers. The ledger bumps a version per enterprise on every write
(``ledger_versions``), so computed page data stays right for as long as the version is the same
and the clock is in the same minute: the page counts at the start of that minute and says so.

The data lives in ``licensing.cache``'s memo, keyed by (page, arguments, version, instant), and
the page's computation is one of ``(connection, instant)``: the memo's warmer
(``licensing.cache.Warmer``, started with the web app) computes it again after a write and
before the next minute, so a person opening a page finds it ready. Each ``serve`` process has
its own memo; the version keeps them right, and they share the answers with each other and
with the one warmer, which runs in a process of its own (``licensing.shared_answers``).
A granularity of 0 counts at the exact second and keeps nothing (tests of exact instants).
"""

from __future__ import annotations

import datetime as dt
from typing import Callable, Hashable, TypeVar

from sqlalchemy.engine import Connection

from seatledger.licensing import cache

T = TypeVar("T")
GRANULARITY_S = 60


class PageCache:
    """How pages count 'now', and where their computed data is kept."""

    def __init__(self, granularity_s: int = GRANULARITY_S) -> None:
        self.granularity_s = granularity_s

    def instant(self, as_of: dt.datetime) -> dt.datetime:
        """``as_of`` floored to the granularity: what the page then counts at (and says so).
        With a granularity of 0 the page counts at ``as_of`` exactly and nothing is reused."""
        if self.granularity_s <= 0:
            return as_of
        epoch = dt.datetime(1970, 1, 1)
        seconds = int((as_of - epoch).total_seconds())
        return epoch + dt.timedelta(seconds=seconds - seconds % self.granularity_s)

    def day_instant(self, as_of: dt.datetime) -> dt.datetime:
        """The instant of a page whose data changes only with the date (the month's usage): the
        start of ``as_of``'s day, so that the data is counted once a day and after each write,
        not every minute. With a granularity of 0, ``as_of`` exactly."""
        return cache.day_start(as_of) if self.granularity_s > 0 else as_of

    def data_within(
        self, conn: Connection, page: str, enterprise_id: int, args: Hashable, as_of: dt.datetime,
        compute: Callable[[Connection, dt.datetime], T], wait_s: float,
    ) -> tuple[T, dt.datetime | None]:
        """The page's data at ``as_of`` (from :meth:`instant`), waiting at most ``wait_s`` for a
        recount: ``(data, None)`` — ``compute(conn, as_of)`` or the memo's answer for the same
        page, arguments, ledger version and instant — or the page's latest earlier data and the
        instant it counted at while the recount finishes."""
        if self.granularity_s <= 0:
            return compute(conn, as_of), None
        return cache.memoized_within(conn, memo_name(page), enterprise_id, args, as_of, compute, wait_s)

    def seed(
        self, warmer: cache.Warmer, page: str, enterprise_id: int, args: Hashable,
        compute: Callable[[Connection, dt.datetime], object], *, daily: bool = False,
    ) -> None:
        """Have ``warmer`` count the page once, as if someone had opened it now (start-up; see
        :meth:`cache.Warmer.seed`); ``daily`` for a page asked at :meth:`day_instant`."""
        if self.granularity_s > 0:
            warmer.seed(memo_name(page), enterprise_id, args, compute, kind=cache.DAY if daily else cache.FLOOR)


def memo_name(page: str) -> str:
    """The memo's name for a page's data."""
    return f"page:{page}"
