"""Signed, expiring links: download links for finished exports, and the page links of the
digest emails (each kind with its own salt, so one kind's token is never the other's).

A link carries a value (the job id) signed with a timestamp (itsdangerous). The clock is a
parameter so tests can travel in time instead of sleeping.
"""

from __future__ import annotations

import time
from typing import Callable

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner

from seatledger.errors import InvalidInput, LedgerError

Clock = Callable[[], float]
LINK_SALT = "seatledger.export-download"


class LinkExpired(LedgerError):
    """The signature is good but the link is older than its time to live."""

    status_code = 410


class _ClockedSigner(TimestampSigner):
    def __init__(self, secret_key: str, clock: Clock, salt: str = LINK_SALT) -> None:
        super().__init__(secret_key, salt=salt)
        self._clock = clock

    def get_timestamp(self) -> int:
        return int(self._clock())


def lifetime(ttl_seconds: int) -> str:
    """How long a link lives, as a person says it: "24 hours", "90 minutes", "30 seconds"."""
    for unit, seconds in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if ttl_seconds >= seconds and ttl_seconds % seconds == 0 and not (unit == "day" and ttl_seconds == 86400):
            n = ttl_seconds // seconds
            return f"{n} {unit}{'s' if n != 1 else ''}"
    if ttl_seconds >= 3600:
        return f"{ttl_seconds / 3600:.1f} hours"
    return f"{ttl_seconds} second{'s' if ttl_seconds != 1 else ''}"


def sign_value(secret_key: str, value: str, *, salt: str, clock: Clock = time.time) -> str:
    """A token carrying ``value``, signed now."""
    return _ClockedSigner(secret_key, clock, salt).sign(value).decode()


def verify_token(
    secret_key: str, token: str, ttl_seconds: int, *, salt: str, what: str, again: str, clock: Clock = time.time
) -> str:
    """The value in ``token``; LinkExpired ("This {what} has expired. {again}") after
    ``ttl_seconds``, InvalidInput if forged."""
    try:
        value = _ClockedSigner(secret_key, clock, salt).unsign(token, max_age=ttl_seconds)
    except SignatureExpired as exc:
        raise LinkExpired(f"This {what} has expired. {again}") from exc
    except BadSignature as exc:
        raise InvalidInput(f"This {what} is not valid.") from exc
    return value.decode()


def sign_job(secret_key: str, job_id: int, *, clock: Clock = time.time) -> str:
    """The token for ``/exports/{id}/download?token=...``."""
    return sign_value(secret_key, str(job_id), salt=LINK_SALT, clock=clock)


def verify_job_token(secret_key: str, token: str, ttl_seconds: int, *, clock: Clock = time.time) -> int:
    """The job id in ``token``; LinkExpired after ``ttl_seconds``, InvalidInput if forged."""
    value = verify_token(
        secret_key,
        token,
        ttl_seconds,
        salt=LINK_SALT,
        what="download link",
        again="Request the report again to get a new link.",
        clock=clock,
    )
    return int(value)
