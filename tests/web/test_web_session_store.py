"""Server-side sessions: a token signs its person in until it expires, is revoked or the person
is suspended; only its hash is stored; ended sessions are dropped as new ones open."""

from __future__ import annotations

import datetime as dt
import hashlib

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from seatledger.db.tables_web import web_sessions
from seatledger.web.session_store import (
    SESSION_LIFETIME,
    open_session,
    revoke_session,
    revoke_sessions_of,
    user_of_session,
)
from tests.factories import EnterpriseBuilder

NOW = dt.datetime(2026, 3, 1, 9, 0)


def test_a_session_signs_its_person_in_until_it_expires_and_only_its_hash_is_stored(engine: Engine) -> None:
    with engine.begin() as conn:
        ann = EnterpriseBuilder(conn).user("ann")
        token = open_session(conn, ann, NOW)
        assert user_of_session(conn, token, NOW + SESSION_LIFETIME - dt.timedelta(seconds=1)) == ann
        assert user_of_session(conn, token, NOW + SESSION_LIFETIME) is None
        assert user_of_session(conn, token + "x", NOW) is None
        assert user_of_session(conn, None, NOW) is None
        stored = conn.execute(sa.select(web_sessions.c.token_hash)).scalars().all()
        assert stored == [hashlib.sha256(token.encode()).hexdigest()]


def test_signing_out_ends_one_session_and_suspension_ends_them_all(engine: Engine) -> None:
    with engine.begin() as conn:
        b = EnterpriseBuilder(conn)
        ann, bob = b.user("ann"), b.user("bob")
        laptop, phone, bobs = open_session(conn, ann, NOW), open_session(conn, ann, NOW), open_session(conn, bob, NOW)
        revoke_session(conn, laptop, NOW)
        assert (user_of_session(conn, laptop, NOW), user_of_session(conn, phone, NOW)) == (None, ann)
        assert revoke_sessions_of(conn, ann, NOW) == 1  # the phone's; the laptop's was already ended
        assert user_of_session(conn, phone, NOW) is None
        b.ledger.suspend_user(bob, NOW + dt.timedelta(days=30))  # a suspension of any date refuses at once
        assert user_of_session(conn, bobs, NOW) is None


def test_ended_sessions_are_dropped_when_a_new_one_opens(engine: Engine) -> None:
    with engine.begin() as conn:
        ann = EnterpriseBuilder(conn).user("ann")
        old, signed_out = open_session(conn, ann, NOW), open_session(conn, ann, NOW + SESSION_LIFETIME / 2)
        revoke_session(conn, signed_out, NOW + SESSION_LIFETIME / 2)
        open_session(conn, ann, NOW + SESSION_LIFETIME)  # `old` has expired by now
        assert conn.execute(sa.select(sa.func.count()).select_from(web_sessions)).scalar() == 1
        assert user_of_session(conn, old, NOW) is None
