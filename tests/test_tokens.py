"""Personal access tokens (``tokens.py``): GitHub's classic shape with a checksum, stored only
as a hash, GitHub's scope hierarchy, and who a token acts for until it expires, is revoked or
its person is suspended."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from seatledger import tokens
from seatledger.db import tables as t
from seatledger.db.ledger import Ledger
from seatledger.errors import InvalidInput, NotFound

TOKEN_SHAPE = re.compile(r"^ghp_[0-9A-Za-z]{36}$")
LONG_AGO = dt.datetime(2024, 1, 1)
NOW = dt.datetime(2026, 4, 15, 12, 0)
ALL_SCOPES = "read:enterprise,manage_billing:enterprise,read:org,manage_billing:copilot,admin:org"


@pytest.fixture
def engine(engine: Engine) -> Engine:
    """acme with its owner ``owner`` (an enterprise owner) and ``dev``, who holds no role."""
    with engine.begin() as conn:
        led = Ledger(conn)
        eid = led.add_enterprise("acme", "Acme", created_at=LONG_AGO)
        owner = led.add_user(eid, "owner", emails=["owner@acme.test"], created_at=LONG_AGO)
        led.add_enterprise_role(eid, owner, "owner", started_at=LONG_AGO)
        led.add_user(eid, "dev", emails=["dev@acme.test"], created_at=LONG_AGO)
    return engine


def test_tokens_look_like_classic_pats_and_carry_a_checksum() -> None:
    token = tokens.generate_token()
    assert TOKEN_SHAPE.match(token)
    assert tokens.well_formed(token)
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert not tokens.well_formed(flipped)
    assert not tokens.well_formed("ghp_" + "a" * 36)
    assert len({tokens.generate_token() for _ in range(50)}) == 50


def test_only_the_sha256_of_a_token_is_stored(engine: Engine) -> None:
    with engine.begin() as conn:
        _token_id, token = tokens.create_token(conn, "acme", "owner", ALL_SCOPES)
    with engine.connect() as conn:
        rows = conn.execute(sa.select(t.api_tokens)).mappings().all()
    assert len(rows) == 1
    assert rows[0]["token_hash"] == tokens.hash_token(token) and len(rows[0]["token_hash"]) == 64
    assert all(token not in str(value) for value in rows[0].values())
    assert rows[0]["prefix"] == token[:8]


def test_unknown_scopes_users_and_enterprises_are_refused(engine: Engine) -> None:
    with engine.begin() as conn:
        with pytest.raises(InvalidInput, match="unknown scope 'read:everything'"):
            tokens.create_token(conn, "acme", "owner", "read:enterprise,read:everything")
        with pytest.raises(NotFound, match="no user 'ghost'"):
            tokens.create_token(conn, "acme", "ghost", "read:enterprise")
        with pytest.raises(NotFound, match="no enterprise 'nope'"):
            tokens.create_token(conn, "nope", "owner", "read:enterprise")
        with pytest.raises(InvalidInput):
            tokens.create_token(conn, "acme", "owner", "read:enterprise", expires_in_days=0)


def test_implied_scopes_follow_githubs_hierarchy() -> None:
    assert tokens.expand_scopes(["admin:enterprise"]) >= {"manage_billing:enterprise", "read:enterprise"}
    assert tokens.expand_scopes(["admin:org"]) >= {"write:org", "read:org"}
    assert "read:enterprise" not in tokens.expand_scopes(["read:org", "manage_billing:copilot"])


def test_a_token_acts_for_its_person_with_their_roles_until_it_expires(engine: Engine) -> None:
    with engine.begin() as conn:
        token_id, token = tokens.create_token(conn, "acme", "owner", "admin:org", expires_in_days=30, now=NOW)
        _dev_id, dev_token = tokens.create_token(conn, "acme", "dev", "read:org", now=NOW)
    with engine.connect() as conn:
        owner = tokens.verify_token(conn, token, now=NOW, with_roles=True)
        assert owner is not None
        assert (owner.token_id, owner.login, owner.enterprise) == (token_id, "owner", "acme")
        assert owner.scopes == {"admin:org"}  # as granted; expand_scopes says what they include
        assert owner.enterprise_roles == {"owner"} and owner.expires_at == NOW + dt.timedelta(days=30)
        dev = tokens.verify_token(conn, dev_token, now=NOW, with_roles=True)
        assert dev is not None and dev.enterprise_roles == frozenset() and dev.expires_at is None
        plain = tokens.verify_token(conn, token, now=NOW)
        assert plain is not None and plain.enterprise_roles is None  # roles only when asked for
        assert tokens.verify_token(conn, token, now=NOW + dt.timedelta(days=30)) is None  # expired
        assert tokens.verify_token(conn, tokens.generate_token(), now=NOW) is None  # unknown
        assert tokens.verify_token(conn, token[:-1], now=NOW) is None  # malformed
        (info,) = tokens.list_tokens(conn, login="owner")
    assert info.state(NOW) == "active" and info.state(NOW + dt.timedelta(days=30)) == "expired"
    with engine.begin() as conn:
        with pytest.raises(InvalidInput, match="from 1 to 3650"):
            tokens.create_token(conn, "acme", "owner", "read:org", expires_in_days=tokens.MAX_EXPIRES_IN_DAYS + 1)


def test_a_revoked_token_or_one_of_a_suspended_person_acts_for_no_one(engine: Engine) -> None:
    with engine.begin() as conn:
        owner_id, owner_token = tokens.create_token(conn, "acme", "owner", "read:enterprise", now=NOW)
        _dev_id, dev_token = tokens.create_token(conn, "acme", "dev", "read:org", now=NOW)
        first = tokens.revoke_token(conn, owner_id, now=NOW)
        again = tokens.revoke_token(conn, owner_id, now=NOW + dt.timedelta(days=1))
        led = Ledger(conn)
        dev = led.user_id(led.enterprise_id("acme"), "dev")
        assert dev is not None
        led.suspend_user(dev, at=NOW)
        with pytest.raises(NotFound, match="no token with id 999"):
            tokens.revoke_token(conn, 999)
    assert first.revoked_at == again.revoked_at == NOW  # revoking twice keeps the first time
    assert again.state(NOW) == "revoked"
    with engine.connect() as conn:
        assert tokens.verify_token(conn, owner_token, now=NOW) is None
        assert tokens.verify_token(conn, dev_token, now=NOW) is None
        assert [i.login for i in tokens.list_tokens(conn, enterprise="acme")] == ["owner", "dev"]
        assert tokens.list_tokens(conn, enterprise="globex") == []
