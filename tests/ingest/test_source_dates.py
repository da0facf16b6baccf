"""Dates from the source (issue 18 item 5): where a source carries a date, the fact starts
then, not at the import's wall clock; a past instant after that date counts it."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from github_answers import serve
from seatledger.db import tables as t
from seatledger.db import tables_intervals as ti
from seatledger.db.ledger import Ledger
from seatledger.errors import ImportRejected
from seatledger.ingest.github_api import sync_github
from seatledger.ingest.github_client import GitHubClient
from seatledger.ingest.people import ingest_people
from seatledger.ingest.server_usage import ingest_server_usage
from seatledger.ingest.vs_subscribers import ingest_vs_subscribers
from seatledger.ingest.webhooks import receive, signature_for
from seatledger.licensing import Scope, copilot_totals, count_consumed, data_gaps, iter_licensed_people

ORG, SECRET = "acme-org", "dates-secret"
SINCE = dt.datetime(2026, 3, 2)
BEFORE, AFTER = SINCE - dt.timedelta(days=1), SINCE + dt.timedelta(days=1)


def _enterprise(engine: Engine) -> None:
    with engine.begin() as conn:
        ledger = Ledger(conn)
        eid = ledger.add_enterprise("acme", created_at=dt.datetime(2025, 1, 1))
        ledger.set_webhook_secret(eid, SECRET)
        ledger.add_org(eid, ORG, created_at=dt.datetime(2025, 1, 1))


def _consumed(engine: Engine, when: dt.datetime) -> int:
    with engine.connect() as conn:
        return count_consumed(conn, "acme", as_of=when)


def _people(engine: Engine, text: str) -> None:
    with engine.begin() as conn:
        ingest_people(conn, text.encode(), "acme")


def _sync(engine: Engine, answers: dict[str, Any]) -> None:
    with GitHubClient("https://api.github.com", "t", transport=httpx.MockTransport(serve(answers))) as client:
        sync_github(engine, client, "acme", [ORG])


# -- people CSV: the since column -----------------------------------------------------------


def test_a_people_row_with_since_starts_its_membership_and_access_then(engine: Engine) -> None:
    _enterprise(engine)
    _people(
        engine,
        "login,org,role,repo,since\n"
        f"ann,{ORG},member,,2026-03-02\n"
        f"carl,{ORG},outside_collaborator,app,2026-03-02T00:00:00Z\n"
        f"dan,{ORG},member,,\n",
    )

    assert _consumed(engine, BEFORE) == 0
    # ann by membership, carl by access to a private repository; dan only from the import on.
    assert _consumed(engine, AFTER) == 2
    assert _consumed(engine, dt.datetime.utcnow()) == 3


def test_an_earlier_since_moves_the_start_of_a_membership_the_sync_began_today(engine: Engine) -> None:
    _enterprise(engine)
    _sync(
        engine,
        {
            f"/orgs/{ORG}/members?role=admin": [],
            f"/orgs/{ORG}/members?role=member": [
                {"login": "ann", "id": 1, "type": "User"},
            ],
        },
    )
    assert _consumed(engine, AFTER) == 0, "the members API carries no date: the sync starts it today"

    _people(engine, f"login,org,role,since\nann,{ORG},member,2026-03-02\n")

    assert (_consumed(engine, BEFORE), _consumed(engine, AFTER)) == (0, 1)


@pytest.mark.parametrize(
    "since, reason",
    [
        ("March 2nd", "line 2: since must be a date (YYYY-MM-DD), not 'March 2nd'"),
        ("2999-01-01", "line 2: since 2999-01-01 is in the future"),
    ],
)
def test_a_people_file_with_a_bad_since_is_refused_whole_on_the_cli(
    db_url: str, engine: Engine, tmp_path: Path, since: str, reason: str
) -> None:
    _enterprise(engine)
    csv = tmp_path / "people.csv"
    csv.write_text(f"login,org,role,since\nann,{ORG},member,{since}\n")
    env = {**os.environ, "SEATLEDGER_DATABASE_URL": db_url, "SEATLEDGER_DATA_DIR": str(tmp_path / "data")}
    proc = subprocess.run(
        [sys.executable, "-m", "seatledger", "ingest", "people", str(csv), "--enterprise", "acme"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert (proc.returncode, proc.stderr.strip()) == (2, f"error: {reason}")
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t.org_memberships)).scalar_one() == 0


# -- server usage export: exported_at -------------------------------------------------------


def _export(exported_at: str | None, users: list[tuple[int, str]]) -> bytes:
    return json.dumps(
        {
            "format_version": 1,
            "server_id": "5d8a1e4c-3c0a-4f39-9a7e-1f2d3c4b5a69",
            "host_name": "ghes.acme.test",
            "version": "3.17.2",
            "enterprise": "acme",
            "exported_at": exported_at,
            "users": [
                {"user_id": uid, "login": login, "primary_email": f"{login}@acme.test", "emails": []}
                for uid, login in users
            ],
        }
    ).encode()


def test_server_accounts_start_at_the_exports_date_and_an_older_export_moves_the_start_back(engine: Engine) -> None:
    _enterprise(engine)
    with engine.begin() as conn:
        ingest_server_usage(conn, _export("2026-03-02T00:00:00Z", [(1, "sam")]), "acme")
    assert (_consumed(engine, BEFORE), _consumed(engine, AFTER)) == (0, 1), "sam, server-only"

    with engine.begin() as conn:
        ingest_server_usage(conn, _export("2026-02-01T00:00:00Z", [(1, "sam")]), "acme")
    assert _consumed(engine, dt.datetime(2026, 2, 2)) == 1
    with engine.connect() as conn:
        gaps = [(g.source, g.since) for g in data_gaps(conn, "acme", dt.datetime(2026, 1, 31))]
        assert gaps == [("server_upload", dt.date(2026, 2, 1))], "no data before the earliest export"
        assert data_gaps(conn, "acme", dt.datetime(2026, 2, 2)) == []


def test_an_export_with_a_future_date_is_refused(engine: Engine) -> None:
    _enterprise(engine)
    with pytest.raises(ImportRejected, match="exported_at 2999-01-01T00:00:00Z is in the future"):
        with engine.begin() as conn:
            ingest_server_usage(conn, _export("2999-01-01T00:00:00Z", [(1, "sam")]), "acme")


# -- the sync: invitations, Copilot seats, repositories --------------------------------------


def test_the_sync_starts_invitations_seats_and_repositories_at_githubs_created_at(engine: Engine) -> None:
    _enterprise(engine)
    _sync(
        engine,
        {
            f"/orgs/{ORG}/invitations": [
                {"login": "ivy", "email": None, "role": "direct_member", "created_at": "2026-03-02T00:00:00Z"}
            ],
            f"/orgs/{ORG}/repos": [
                {
                    "name": "app",
                    "private": True,
                    "visibility": "private",
                    "fork": False,
                    "created_at": "2026-03-02T00:00:00Z",
                }
            ],
            f"/orgs/{ORG}/copilot/billing/seats": {
                "total_seats": 1,
                "seats": [
                    {
                        "created_at": "2026-03-02T00:00:00Z",
                        "pending_cancellation_date": None,
                        "plan_type": "business",
                        "assignee": {"login": "cora", "id": 3, "type": "User"},
                    },
                ],
            },
        },
    )

    assert (_consumed(engine, BEFORE), _consumed(engine, AFTER)) == (0, 1), "ivy's pending invitation"
    with engine.connect() as conn:
        held = [copilot_totals(conn, Scope.enterprise("acme"), as_of=w).breakdown.total for w in (BEFORE, AFTER)]
        created = conn.execute(sa.select(t.repositories.c.created_at)).scalar_one()
    assert held == [0, 1]
    assert created == SINCE


def test_enabling_a_product_on_a_known_repository_dates_the_change_at_the_sync_not_its_creation(
    engine: Engine,
) -> None:
    _enterprise(engine)
    repo = {
        "name": "app",
        "private": True,
        "visibility": "private",
        "fork": False,
        "created_at": "2026-03-02T00:00:00Z",
    }
    _sync(engine, {f"/orgs/{ORG}/repos": [repo]})
    started = dt.datetime.utcnow()
    _sync(
        engine,
        {
            f"/orgs/{ORG}/repos": [
                {**repo, "security_and_analysis": {"advanced_security": {"status": "enabled"}}},
            ]
        },
    )

    with engine.connect() as conn:
        starts = conn.execute(sa.select(ti.ghas_enablements.c.started_at)).scalars().all()
    assert len(starts) == 2 and all(s >= started.replace(microsecond=0) for s in starts), starts


# -- webhooks: a push's pushed_at -----------------------------------------------------------


def test_a_pushed_commit_counts_from_the_pushs_date_not_the_delivery(engine: Engine) -> None:
    _enterprise(engine)
    pushed = int(SINCE.replace(tzinfo=dt.timezone.utc).timestamp())
    with engine.begin() as conn:
        ledger = Ledger(conn)
        ledger.add_user(ledger.enterprise_id("acme"), "pat", emails=["pat@acme.test"])
    body = json.dumps(
        {
            "ref": "refs/heads/main",
            "before": "0" * 40,
            "after": "a" * 40,
            "repository": {
                "name": "app",
                "private": True,
                "visibility": "private",
                "owner": {"login": ORG},
                "created_at": pushed - 86_400,
                "pushed_at": pushed,
                "security_and_analysis": {"advanced_security": {"status": "enabled"}},
            },
            "organization": {"login": ORG},
            "pusher": {"name": "pat", "email": "pat@acme.test"},
            "head_commit": {"id": "a" * 40, "timestamp": "2026-03-01T10:00:00Z"},
            "commits": [
                {
                    "id": "a" * 40,
                    "timestamp": "2026-03-01T10:00:00Z",
                    "distinct": True,
                    "author": {"name": "Pat", "email": "pat@acme.test"},
                }
            ],
        }
    ).encode()
    assert receive(engine, body, "push", "push-1", signature_for(SECRET, body))["status"] == "processed"

    with engine.connect() as conn:
        assert conn.execute(sa.select(t.commits.c.pushed_at)).scalar_one() == SINCE


# -- Visual Studio list: the since column ---------------------------------------------------


def test_a_vs_subscriber_with_since_is_matched_from_then(engine: Engine) -> None:
    _enterprise(engine)
    _people(engine, f"login,emails,org,role,since\nnia,nia@acme.test,{ORG},member,2026-01-10\n")
    with engine.begin() as conn:
        ingest_vs_subscribers(conn, b"email,since\nnia@acme.test,2026-03-02\n", "acme")

    with engine.connect() as conn:
        matched = [
            [p.visual_studio_subscription_email for p in iter_licensed_people(conn, "acme", as_of=when)]
            for when in (BEFORE, AFTER)
        ]
    assert matched == [[None], ["nia@acme.test"]]
