"""Each source's freshness (its first and last import, what it covered, its last failure) and
the answers it cannot give: no data before the first import of a source without dates."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.engine import Engine

from seatledger.ingest.source_runs import record_failure, record_success
from seatledger.licensing.freshness import UNDATED_FACTS, data_gaps, iter_source_freshness, source_freshness
from tests.factories import EnterpriseBuilder

JAN, FEB, MAR = dt.datetime(2026, 1, 10), dt.datetime(2026, 2, 10), dt.datetime(2026, 3, 10)


def test_sources_come_in_a_fixed_order_since_their_earliest_import(engine: Engine) -> None:
    with engine.begin() as conn:
        b = EnterpriseBuilder(conn)
        record_success(conn, b.id, "people", {"rows": 3}, at=FEB)
        record_success(conn, b.id, "sync", {"organizations": ["octo"]}, at=MAR)
        record_success(conn, b.id, "sync", {"organizations": ["octo", "hubs"]}, at=JAN)  # an older export, later
        sources = source_freshness(conn, "acme")
        assert [f.source for f in sources] == ["sync", "people"]
        sync = sources[0]
        assert (sync.label, sync.since, sync.covered) == ("GitHub API sync", JAN, {"organizations": ["octo", "hubs"]})
        assert not sync.failing and not sync.partial
        assert [(slug, len(fs)) for slug, fs in iter_source_freshness(conn)] == [("acme", 2)]


def test_a_failure_after_the_last_success_is_failing_and_skipped_resources_are_partial(engine: Engine) -> None:
    with engine.begin() as conn:
        b = EnterpriseBuilder(conn)
        record_success(conn, b.id, "git", {"repositories": ["octo/app"], "failed": ["octo/big"]}, at=JAN)
    record_failure(engine, "acme", "git", "git fetch failed")
    record_failure(engine, "nope", "git", "an enterprise the ledger does not have records nothing")
    with engine.connect() as conn:
        (git,) = source_freshness(conn, "acme")
        assert git.failing and git.partial and git.last_failure_reason == "git fetch failed"
        doc = git.document()
        assert doc["since"] == "2026-01-10T00:00:00Z" and doc["failing"] is True and doc["partial"] is True
        assert set(doc) == {
            "label",
            "since",
            "last_success_at",
            "covered",
            "partial",
            "last_failure_at",
            "last_failure_reason",
            "failing",
        }


def test_an_answer_before_an_undated_sources_first_import_names_the_gap(engine: Engine) -> None:
    with engine.begin() as conn:
        b = EnterpriseBuilder(conn)
        record_success(conn, b.id, "people", {"rows": 1}, at=FEB)
        record_success(conn, b.id, "webhook", {"deliveries": 1}, at=FEB)  # pushes carry their own dates
        (gap,) = data_gaps(conn, "acme", JAN)
        assert (gap.source, gap.since) == ("people", FEB.date())
        assert gap.statement == f"no data before 2026-02-10 for {UNDATED_FACTS['people']}"
        assert data_gaps(conn, "acme", MAR) == []
