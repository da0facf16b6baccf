"""The API's serving path: the caller and their roles are read from the database on every
request (a revoked token or an ended role is refused at once, also for a memoised page), a
memoised page follows every write, and the per-process rate counter writes its counts in
batches without losing any."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
import sqlalchemy as sa

from seatledger import tokens
from seatledger.api import throttle
from seatledger.config import Settings
from seatledger.db import tables as t
from seatledger.db.clock import utcnow
from seatledger.db.ledger import Ledger
from seatledger.db.tables_api import api_rate_windows
from api_fixtures import ALL_SCOPES, LONG_AGO

LIMIT = 1000  # margin 100: far from the limit, requests are counted in memory
CONSUMED = "/enterprises/acme/consumed-licenses"
GHAS = "/enterprises/acme/settings/billing/advanced-security"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.with_(rate_limit_per_hour=LIMIT)


def _app(live_server: object) -> object:
    return live_server.server.config.app  # type: ignore[attr-defined]


def _written(api_world, token_id: int) -> int:
    with api_world.engine.connect() as conn:
        used = conn.execute(sa.select(api_rate_windows.c.used).where(api_rate_windows.c.token_id == token_id)).scalar()
    return int(used or 0)


def _token_id(api_world, who: str) -> int:
    return api_world.token_ids[f"{who}|{ALL_SCOPES}|acme|[]"]


@pytest.mark.parametrize("path", [CONSUMED, GHAS])
def test_an_ended_enterprise_role_is_refused_on_the_next_request_even_for_a_memoised_page(
    api: httpx.Client, api_world, path: str
) -> None:
    headers = api_world.auth("owner")
    first, again = api.get(path, headers=headers), api.get(path, headers=headers)
    assert first.status_code == again.status_code == 200
    assert first.content == again.content
    # Straight in the table, as an outside change would be: the ledger version does not move.
    with api_world.engine.begin() as conn:
        conn.execute(
            sa.update(t.enterprise_roles)
            .where(t.enterprise_roles.c.user_id == api_world.users["owner"])
            .values(ended_at=utcnow() - dt.timedelta(seconds=1))
        )
    refused = api.get(path, headers=headers)
    assert refused.status_code == 403
    assert refused.json()["message"].startswith("Must be an enterprise owner")


def test_a_revoked_token_is_refused_on_the_next_request_for_a_memoised_page(api: httpx.Client, api_world) -> None:
    headers = api_world.auth("owner")
    assert api.get(CONSUMED, headers=headers).status_code == 200
    with api_world.engine.begin() as conn:
        tokens.revoke_token(conn, _token_id(api_world, "owner"))
    r = api.get(CONSUMED, headers=headers)
    assert r.status_code == 401
    assert r.json()["message"] == "Bad credentials"


def test_a_memoised_page_follows_a_write_at_once(api: httpx.Client, api_world) -> None:
    headers = api_world.auth("owner")
    before = api.get(CONSUMED, headers=headers, params={"per_page": 100}).json()
    assert api.get(CONSUMED, headers=headers, params={"per_page": 100}).json() == before
    with api_world.engine.begin() as conn:
        led = Ledger(conn)
        eid = led.enterprise_id("acme")
        uid = led.add_user(eid, "newcomer", name="Newcomer", emails=["newcomer@acme.test"], created_at=LONG_AGO)
        led.add_membership(api_world.orgs["octo"], uid, "member", started_at=LONG_AGO)
    after = api.get(CONSUMED, headers=headers, params={"per_page": 100}).json()
    assert after["total_seats_consumed"] == before["total_seats_consumed"] + 1
    assert "newcomer" in [u["github_com_login"] for u in after["users"]]


def test_far_from_the_limit_requests_are_counted_in_memory_and_written_in_batches(
    api: httpx.Client, api_world, live_server
) -> None:
    now = [1000.0]
    _app(live_server).state.rate_counter = throttle.RateCounter(clock=lambda: now[0])  # type: ignore[attr-defined]
    headers = api_world.auth("owner")
    token_id = _token_id(api_world, "owner")
    answers = [api.get("/enterprises/acme/license-sync-status", headers=headers) for _ in range(5)]
    assert [r.headers["X-RateLimit-Used"] for r in answers] == ["1", "2", "3", "4", "5"]
    assert [r.headers["X-RateLimit-Remaining"] for r in answers] == ["999", "998", "997", "996", "995"]
    assert _written(api_world, token_id) == 1  # the window's first request; the others are in memory
    # GET /rate_limit counts what is in memory too (and does not count itself).
    assert api.get("/rate_limit", headers=headers).json()["rate"]["used"] == 5
    now[0] += throttle.FLUSH_INTERVAL_S
    r = api.get("/enterprises/acme/license-sync-status", headers=headers)
    assert r.headers["X-RateLimit-Used"] == "6"
    assert _written(api_world, token_id) == 6


def test_a_token_gone_quiet_is_written_by_another_tokens_request(api: httpx.Client, api_world, live_server) -> None:
    now = [1000.0]
    _app(live_server).state.rate_counter = throttle.RateCounter(clock=lambda: now[0])  # type: ignore[attr-defined]
    quiet, busy = api_world.auth("owner"), api_world.auth("billing")
    for _ in range(3):
        api.get("/enterprises/acme/license-sync-status", headers=quiet)
    assert _written(api_world, _token_id(api_world, "owner")) == 1
    now[0] += throttle.FLUSH_INTERVAL_S
    api.get("/enterprises/acme/settings/billing/advanced-security", headers=busy)
    assert _written(api_world, _token_id(api_world, "owner")) == 3


def test_two_processes_counting_one_token_lose_no_request_and_are_exact_near_the_limit(api_world) -> None:
    engine = api_world.engine
    api_world.token("owner")
    token_id = _token_id(api_world, "owner")
    start = throttle.window_start(utcnow())
    limit = 250  # margin 100
    now = [0.0]
    a, b = throttle.RateCounter(clock=lambda: now[0]), throttle.RateCounter(clock=lambda: now[0])
    assert [a.add(engine, token_id, start, limit) for _ in range(50)] == list(range(1, 51))
    # b's first request is written at once and sees a's first (written) one; a's others are in memory.
    assert [b.add(engine, token_id, start, limit) for _ in range(50)] == list(range(2, 52))
    assert _written(api_world, token_id) == 2
    # a counts in memory until its view (its own requests and what is written) comes within the
    # margin of the limit; that request is written with the 149 a held back.
    used_a = [a.add(engine, token_id, start, limit) for _ in range(101)]
    assert used_a[:100] == list(range(51, 151))
    assert used_a[-1] == _written(api_world, token_id) == 2 + 150
    b.flush(engine)
    assert _written(api_world, token_id) == 201  # every request counted, none lost
    # Near the limit both write every request, so the count is exact: with 201 counted, 49 more
    # are answered and the 251st request overall is the first refused.
    used = [b.add(engine, token_id, start, limit) if i % 2 else a.add(engine, token_id, start, limit) for i in range(51)]
    assert used == list(range(202, 253))
    assert 201 + sum(u <= limit for u in used) == limit
