"""Sign-in throttling, per login and per client address, with a lockout that doubles.

The first ``FREE_FAILURES`` wrong passwords of a login (or from an address) cost nothing;
each one after locks that login (address) for ``FIRST_LOCKOUT``, doubled at every further
failure up to ``MAX_LOCKOUT``. While locked, even the right password is refused, with how long
to wait. Failures older than ``FORGET_AFTER`` are forgotten; a successful sign-in forgets the
login's. Counts live in the database, so every ``serve`` process sees the same ones.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from seatledger.db.conflicts import upsert_insert
from seatledger.db.tables_web import signin_failures

FREE_FAILURES = 4  # the fifth failure locks
FIRST_LOCKOUT = dt.timedelta(seconds=30)
MAX_LOCKOUT = dt.timedelta(hours=1)
FORGET_AFTER = dt.timedelta(hours=24)

__all__ = ["Keys", "lockout_left", "record_failure", "record_success"]


@dataclass(frozen=True)
class Keys:
    """What a sign-in attempt is counted against."""

    login: str
    address: str | None

    def all(self) -> list[str]:
        keys = [f"login:{self.login.strip().lower()[:250]}"]
        if self.address:
            keys.append(f"address:{self.address[:250]}")
        return keys


def lockout_left(conn: Connection, keys: Keys, now: dt.datetime) -> dt.timedelta | None:
    """How long the attempt must still wait, if its login or address is locked."""
    f = signin_failures
    until = conn.execute(
        sa.select(sa.func.max(f.c.locked_until)).where(f.c.key.in_(keys.all()), f.c.locked_until > now)
    ).scalar()
    return until - now if until is not None else None


def _lockout(failures: int) -> dt.timedelta | None:
    beyond = failures - FREE_FAILURES
    if beyond <= 0:
        return None
    return min(FIRST_LOCKOUT * (1 << min(beyond - 1, 20)), MAX_LOCKOUT)


def record_failure(conn: Connection, keys: Keys, now: dt.datetime) -> None:
    """Count a wrong password against the login and the address, locking either past the free ones."""
    f = signin_failures
    # Counts past FORGET_AFTER with no lock left count nothing: drop them as new ones come.
    conn.execute(
        sa.delete(f).where(
            f.c.last_failed_at < now - FORGET_AFTER, sa.or_(f.c.locked_until.is_(None), f.c.locked_until <= now)
        )
    )
    for key in keys.all():
        row = conn.execute(sa.select(f.c.failures, f.c.last_failed_at).where(f.c.key == key)).first()
        failures = 1 if row is None or row.last_failed_at < now - FORGET_AFTER else row.failures + 1
        lockout = _lockout(failures)
        values = {"failures": failures, "last_failed_at": now, "locked_until": now + lockout if lockout else None}
        # Two racing failures both count: the later write wins with the same or a higher count.
        conn.execute(
            upsert_insert(conn)(f)
            .values(key=key, **values)
            .on_conflict_do_update(index_elements=[f.c.key], set_=values)
        )


def record_success(conn: Connection, keys: Keys) -> None:
    """The login's failures are forgotten (the address's stay: one good account must not
    reset the count of guesses made at others from there)."""
    conn.execute(sa.delete(signin_failures).where(signin_failures.c.key == keys.all()[0]))
