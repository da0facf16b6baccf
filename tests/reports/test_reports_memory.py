"""A report of 200,000 rows is written in constant memory: rows stream from the database."""

from __future__ import annotations

import datetime as dt
import tracemalloc
from pathlib import Path

import pytest

from seatledger.db import create_engine, migrate
from seatledger.db import tables as t
from seatledger.db.ledger import Ledger
from seatledger.licensing import Scope
from seatledger.reports import write_report_file

AS_OF = dt.datetime(2024, 5, 1, 12, 0, 0)
PEOPLE = 2000
REPOS = 100
# A fixed bound, independent of the row count; loading the rows at once would pass it
# (200,000 CommitterPush objects with their strings take well over 30 MB).
PEAK_BOUND = 30 * 1024 * 1024


@pytest.mark.slow
def test_advanced_security_report_of_200000_rows_stays_under_a_fixed_memory_bound(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'big.db'}")
    migrate(engine)
    created = AS_OF - dt.timedelta(days=365)
    with engine.begin() as conn:
        led = Ledger(conn)
        eid = led.add_enterprise("big", created_at=created)
        org = led.add_org(eid, "big-org", created_at=created)
        led.bulk_insert(
            t.users,
            (
                {
                    "id": 1000 + i,
                    "enterprise_id": eid,
                    "login": f"dev{i:05d}",
                    "created_at": created,
                    "dormant": False,
                    "is_bot": False,
                }
                for i in range(PEOPLE)
            ),
        )
        led.bulk_insert(
            t.user_emails,
            (
                {
                    "user_id": 1000 + i,
                    "email": f"dev{i}@big.test",
                    "verified": True,
                    "is_primary": True,
                    "verified_domain": False,
                }
                for i in range(PEOPLE)
            ),
        )
        led.bulk_insert(
            t.org_memberships,
            (
                {"organization_id": org, "user_id": 1000 + i, "role": "member", "started_at": created}
                for i in range(PEOPLE)
            ),
        )
        led.bulk_insert(
            t.repositories,
            (
                {
                    "id": 1 + r,
                    "enterprise_id": eid,
                    "organization_id": org,
                    "owner_login": "big-org",
                    "name": f"repo{r:03d}",
                    "visibility": "private",
                    "is_fork": False,
                    "created_at": created,
                    "secret_protection_enabled": False,
                    "code_security_enabled": True,
                }
                for r in range(REPOS)
            ),
        )
        pushed = AS_OF - dt.timedelta(days=7)
        inserted = led.bulk_insert(
            t.commits,
            (
                {
                    "repository_id": 1 + r,
                    "sha": f"{i:05d}{r:03d}",
                    "author_email": f"dev{i}@big.test",
                    "author_name": None,
                    "author_date": pushed,
                    "pushed_at": pushed,
                }
                for i in range(PEOPLE)
                for r in range(REPOS)
            ),
        )
    assert inserted == 200_000
    out = tmp_path / "code_security.csv"
    rows: list[int] = []
    with engine.connect() as conn:
        tracemalloc.start()
        try:
            write_report_file(
                "advanced-security",
                conn,
                Scope.enterprise("big"),
                out,
                product="code_security",
                as_of=AS_OF,
                progress=rows.append,
            )
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    engine.dispose()
    assert rows[-1] == 200_000
    with out.open("rb") as f:
        assert sum(1 for _ in f) == 200_001
    assert peak < PEAK_BOUND, f"peak traced memory {peak / 2**20:.1f} MiB"
