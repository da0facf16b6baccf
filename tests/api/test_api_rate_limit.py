"""The per-token primary rate limit: past the hourly limit, GitHub's 403 with Retry-After."""

from __future__ import annotations

import httpx
import pytest

from seatledger.config import Settings

LIMIT = 3


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The shared settings with a tiny limit (the live server of these tests uses them)."""
    return settings.with_(rate_limit_per_hour=LIMIT)


def test_requests_past_the_hourly_limit_get_403_with_retry_after(api: httpx.Client, api_world) -> None:
    h = api_world.auth("owner")
    answers = [api.get("/enterprises/acme/license-sync-status", headers=h) for _ in range(LIMIT + 2)]
    assert [r.status_code for r in answers] == [200, 200, 200, 403, 403]
    assert [r.headers["X-RateLimit-Remaining"] for r in answers] == ["2", "1", "0", "0", "0"]
    over = answers[LIMIT]
    assert over.json()["message"] == f"API rate limit exceeded for user ID {api_world.users['owner']}."
    assert over.headers["X-RateLimit-Used"] == str(LIMIT)
    assert 1 <= int(over.headers["Retry-After"]) <= 3600
    assert over.headers["X-RateLimit-Reset"] == answers[0].headers["X-RateLimit-Reset"]
    # Another token still has its own hour.
    assert (
        api.get("/enterprises/acme/license-sync-status", headers=api_world.auth("owner", "read:enterprise")).status_code
        == 200
    )
