"""Signed, expiring links: a token gives back its value until its time to live is over, is
refused when forged or signed for another kind of link, and says how long it lives."""

from __future__ import annotations

import datetime as dt

import pytest

from seatledger.errors import InvalidInput
from seatledger.exports.links import LinkExpired, lifetime, sign_job, sign_value, verify_job_token, verify_token
from tests.factories import Clock

KEY = "k" * 32
DAY = 86400


def test_a_download_link_gives_its_job_until_its_time_to_live_is_over() -> None:
    clock = Clock(dt.datetime(2026, 3, 1, 9, 0))
    token = sign_job(KEY, 42, clock=clock)
    clock.advance(DAY)
    assert verify_job_token(KEY, token, DAY, clock=clock) == 42
    clock.advance(1.5)
    with pytest.raises(LinkExpired, match="This download link has expired. Request the report again"):
        verify_job_token(KEY, token, DAY, clock=clock)
    assert LinkExpired.status_code == 410


@pytest.mark.parametrize("tamper", ["key", "token", "salt"])
def test_a_forged_link_or_one_of_another_kind_is_not_valid(tamper: str) -> None:
    clock = Clock(dt.datetime(2026, 3, 1, 9, 0))
    token = sign_value(KEY, "7", salt="digest", clock=clock)
    key, salt = ("x" * 32 if tamper == "key" else KEY), ("other" if tamper == "salt" else "digest")
    if tamper == "token":
        token = token.replace("7", "8", 1)
    with pytest.raises(InvalidInput, match="This page link is not valid."):
        verify_token(key, token, DAY, salt=salt, what="page link", again="", clock=clock)
    with pytest.raises(InvalidInput):
        verify_job_token(KEY, sign_value(KEY, "7", salt="digest", clock=clock), DAY, clock=clock)


@pytest.mark.parametrize(
    ("seconds", "said"),
    [
        (1, "1 second"),
        (30, "30 seconds"),
        (60, "1 minute"),
        (5400, "90 minutes"),
        (3600, "1 hour"),
        (86400, "24 hours"),
        (2 * 86400, "2 days"),
        (3601, "1.0 hours"),
    ],
)
def test_a_links_lifetime_reads_as_a_person_says_it(seconds: int, said: str) -> None:
    assert lifetime(seconds) == said
