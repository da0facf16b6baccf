"""A Copilot seat the sync finds pending cancellation ends at its cancellation date."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from github_answers import serve
from seatledger.db import tables as t
from seatledger.ingest.github_api import sync_github
from seatledger.ingest.github_client import GitHubClient
from seatledger.licensing import Scope, copilot_totals


def _seat(login: str, created_at: str, pending_cancellation_date: str | None) -> dict[str, Any]:
    return {
        "created_at": created_at,
        "updated_at": created_at,
        "pending_cancellation_date": pending_cancellation_date,
        "last_activity_at": None,
        "last_activity_editor": None,
        "last_authenticated_at": None,
        "plan_type": "business",
        "assigning_team": None,
        "assignee": {"login": login, "id": hash(login) % 10_000, "type": "User", "site_admin": False},
    }


def _sync(engine: Engine, seats: list[dict[str, Any]]) -> None:
    answers = {"/orgs/octo-org/copilot/billing/seats": {"total_seats": len(seats), "seats": seats}}
    with GitHubClient("https://api.github.com", "t", transport=httpx.MockTransport(serve(answers))) as client:
        sync_github(engine, client, "acme", ["octo-org"])


def _held(engine: Engine, when: dt.datetime) -> int:
    with engine.connect() as conn:
        return copilot_totals(conn, Scope.enterprise("acme"), as_of=when).breakdown.total


def test_a_synced_seat_pending_cancellation_counts_until_its_date_and_not_after(engine: Engine) -> None:
    _sync(
        engine,
        [
            _seat("octocat", "2026-02-01T09:00:00Z", None),
            _seat("monalisa", "2026-02-01T09:00:00Z", "2026-05-01"),
        ],
    )

    assert _held(engine, dt.datetime(2026, 4, 30, 23, 59)) == 2, "before the date the seat still holds"
    assert _held(engine, dt.datetime(2026, 5, 1, 0, 0)) == 1, "from the cancellation date on it does not"
    assert _held(engine, dt.datetime.utcnow()) == 1


def test_syncing_the_same_cancelled_seat_again_keeps_one_seat_and_a_withdrawn_cancellation_reopens_it(
    engine: Engine,
) -> None:
    cancelled = _seat("monalisa", "2026-02-01T09:00:00Z", "2026-05-01")
    _sync(engine, [cancelled])
    _sync(engine, [cancelled])
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t.copilot_seats)).scalar_one() == 1

    _sync(engine, [_seat("monalisa", "2026-02-01T09:00:00Z", None)])

    with engine.connect() as conn:
        rows = conn.execute(sa.select(t.copilot_seats.c.pending_cancellation_date, t.copilot_seats.c.ended_at)).all()
    assert [tuple(r) for r in rows] == [(None, None)]
    assert _held(engine, dt.datetime(2026, 6, 1)) == 1
