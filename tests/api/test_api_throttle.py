"""The per-token rate limit's counter (``api/throttle.py``): far from the limit a process counts
requests in memory and writes them in batches, a token gone quiet is written by the next
request of any token, and two processes counting one token lose no request and are exact
near the limit. The counter's clock is the test's, not a sleep."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
import sqlalchemy as sa

from seatledger.api import throttle
from seatledger.config import Settings
from seatledger.db.clock import utcnow
from seatledger.db.tables_api import api_rate_windows
from test_api_serving import _token_id

LIMIT = 1000  # margin 100: far from the limit, requests are counted in memory


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.with_(rate_limit_per_hour=LIMIT)


def _app(live_server: object) -> object:
    return live_server.server.config.app  # type: ignore[attr-defined]


def _written(api_world, token_id: int) -> int:
    with api_world.engine.connect() as conn:
        used = conn.execute(sa.select(api_rate_windows.c.used).where(api_rate_windows.c.token_id == token_id)).scalar()
    return int(used or 0)


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
    used = [
        b.add(engine, token_id, start, limit) if i % 2 else a.add(engine, token_id, start, limit) for i in range(51)
    ]
    assert used == list(range(202, 253))
    assert 201 + sum(u <= limit for u in used) == limit


def test_the_write_through_margin_and_the_window_and_headers_of_a_state() -> None:
    assert [throttle.write_through_margin(n) for n in (60, 2000, 15000)] == [100, 100, 750]
    start = throttle.window_start(dt.datetime(2026, 4, 15, 10, 59, 59, 999))
    assert start == dt.datetime(2026, 4, 15, 10, 0)
    state = throttle.RateState(limit=10, used=12, reset=1_776_250_800)
    assert state.remaining == 0  # never below zero
    assert state.headers() == {
        "X-RateLimit-Limit": "10",
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Used": "12",
        "X-RateLimit-Reset": "1776250800",
        "X-RateLimit-Resource": "core",
    }
