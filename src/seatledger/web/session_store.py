"""Server-side sessions: the cookie carries a random token, the database says whom it signs in.

A signed cookie alone cannot be taken back: one saved before sign-out would work until it
expired. Here sign-out (and suspension) revokes the row, and every request asks the row, so a
copied cookie stops working at once, on every ``serve`` process.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from seatledger.db import tables as t
from seatledger.db.tables_web import web_sessions

# How long a sign-in lasts without signing in again.
SESSION_LIFETIME = dt.timedelta(days=14)

__all__ = ["SESSION_LIFETIME", "open_session", "revoke_session", "revoke_sessions_of", "user_of_session"]


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(conn: Connection, user_id: int, now: dt.datetime) -> str:
    """A new session for the person; returns the token for the cookie (stored only hashed)."""
    token = secrets.token_urlsafe(32)
    s = web_sessions
    # Ended sessions sign nobody in: drop them as new ones open, so the table stays small.
    conn.execute(sa.delete(s).where(sa.or_(s.c.expires_at <= now, s.c.revoked_at.is_not(None))))
    conn.execute(
        sa.insert(web_sessions).values(
            token_hash=_hash(token),
            user_id=user_id,
            created_at=now,
            expires_at=now + SESSION_LIFETIME,
        )
    )
    return token


def user_of_session(conn: Connection, token: str | None, now: dt.datetime) -> int | None:
    """The person the token signs in: None once it is revoked or expired, or the person is
    suspended (a suspension of any date: access is refused at once, whatever clock the pages
    count by)."""
    if not token:
        return None
    s, u = web_sessions, t.users
    user_id = conn.execute(
        sa.select(s.c.user_id)
        .join(u, u.c.id == s.c.user_id)
        .where(
            s.c.token_hash == _hash(token),
            s.c.revoked_at.is_(None),
            s.c.expires_at > now,
            u.c.suspended_at.is_(None),
        )
    ).scalar()
    return int(user_id) if user_id is not None else None


def revoke_session(conn: Connection, token: str | None, now: dt.datetime) -> None:
    """End one session (sign-out)."""
    if token:
        s = web_sessions
        conn.execute(
            sa.update(s).where(s.c.token_hash == _hash(token), s.c.revoked_at.is_(None)).values(revoked_at=now)
        )


def revoke_sessions_of(conn: Connection, user_id: int, now: dt.datetime) -> int:
    """End every open session of the person (suspension); returns how many."""
    s = web_sessions
    return int(
        conn.execute(
            sa.update(s).where(s.c.user_id == user_id, s.c.revoked_at.is_(None)).values(revoked_at=now)
        ).rowcount
    )
