"""How fresh and how complete each source's data is, and which answers it cannot give.

Per enterprise and source (GitHub API sync, push webhooks, people CSV, server usage uploads,
Visual Studio list, git repositories): the last successful import and what it covered, the
last failure and its reason, and since when the source has data. A source whose facts carry
no dates of their own (a membership listed by the sync begins at the sync) has no data
before its first import: an answer for an earlier instant says so instead of reading as zero.
Push webhooks and git carry their push dates, so they state no such limit.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any, Iterator

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from seatledger.db import tables as t
from seatledger.db.tables_sources import source_runs
from seatledger.licensing.scope import as_of_or_now, get_enterprise

SOURCE_LABELS = {
    "sync": "GitHub API sync",
    "webhook": "push webhooks",
    "people": "people CSV",
    "server_upload": "server usage uploads",
    "vs_list": "Visual Studio subscriber list",
    "git": "git repositories",
}
# What a source without dates of its own asserts only from its first import on.
UNDATED_FACTS = {
    "sync": "organization memberships, collaborators, invitations and Copilot seats from the GitHub API sync",
    "people": "organization memberships from the people CSV",
    "server_upload": "server accounts from server usage uploads",
    "vs_list": "Visual Studio subscriptions",
}


@dataclass(frozen=True)
class SourceFreshness:
    """One source of one enterprise: when it last imported, what that covered, how it failed."""

    source: str
    label: str
    since: dt.datetime | None  # the first successful import
    last_success_at: dt.datetime | None
    covered: dict[str, Any] = field(default_factory=dict)  # organizations, servers, repositories, skipped, failed
    last_failure_at: dt.datetime | None = None
    last_failure_reason: str | None = None

    @property
    def failing(self) -> bool:
        """The last attempt failed: the data is as old as the last success (if any)."""
        return self.last_failure_at is not None and (
            self.last_success_at is None or self.last_failure_at > self.last_success_at
        )

    @property
    def partial(self) -> bool:
        """The last success skipped resources or repositories."""
        return bool(self.covered.get("skipped") or self.covered.get("failed"))

    def document(self) -> dict[str, Any]:
        """The JSON of ``summary --json`` and ``/healthz`` (the same keys in both)."""
        return {
            "label": self.label,
            "since": _iso(self.since),
            "last_success_at": _iso(self.last_success_at),
            "covered": self.covered,
            "partial": self.partial,
            "last_failure_at": _iso(self.last_failure_at),
            "last_failure_reason": self.last_failure_reason,
            "failing": self.failing,
        }


def _iso(value: dt.datetime | None) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value is not None else None


@dataclass(frozen=True)
class DataGap:
    """An answer at ``as_of`` misses a source's facts: it has no data before ``since``."""

    source: str
    since: dt.date
    facts: str

    @property
    def statement(self) -> str:
        return f"no data before {self.since.isoformat()} for {self.facts}"


def _freshness(row: Any) -> SourceFreshness:
    try:
        covered = json.loads(row.last_success_covered) if row.last_success_covered else {}
    except ValueError:
        covered = {}
    return SourceFreshness(
        source=row.source,
        label=SOURCE_LABELS.get(row.source, row.source),
        since=row.first_success_at,
        last_success_at=row.last_success_at,
        covered=covered if isinstance(covered, dict) else {},
        last_failure_at=row.last_failure_at,
        last_failure_reason=row.last_failure_reason,
    )


def source_freshness(conn: Connection, enterprise_slug: str) -> list[SourceFreshness]:
    """Every source that has imported (or tried to) into the enterprise, in a fixed order."""
    info = get_enterprise(conn, enterprise_slug)
    sr = source_runs
    rows = conn.execute(sa.select(sr).where(sr.c.enterprise_id == info.id)).all()
    order = list(SOURCE_LABELS)
    return sorted((_freshness(r) for r in rows), key=lambda f: order.index(f.source) if f.source in order else 99)


def iter_source_freshness(conn: Connection) -> Iterator[tuple[str, list[SourceFreshness]]]:
    """(enterprise slug, its sources) for every enterprise, by slug."""
    e = t.enterprises
    for slug in conn.execute(sa.select(e.c.slug).order_by(e.c.slug)).scalars():
        yield slug, source_freshness(conn, slug)


def data_gaps(conn: Connection, enterprise_slug: str, as_of: dt.datetime | None = None) -> list[DataGap]:
    """The sources without dates of their own whose first import came after ``as_of``: an
    answer at ``as_of`` cannot include what they assert."""
    at = as_of_or_now(as_of)
    return [
        DataGap(f.source, f.since.date(), UNDATED_FACTS[f.source])
        for f in source_freshness(conn, enterprise_slug)
        if f.source in UNDATED_FACTS and f.since is not None and f.since > at
    ]
