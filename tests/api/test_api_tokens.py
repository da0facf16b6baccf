"""Personal access tokens: GitHub's classic shape, stored only as a hash, scopes that imply
others as on GitHub. The ``seatledger token`` commands: tests/cli/test_cli_token.py."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from seatledger import tokens
from seatledger.db import tables as t
from seatledger.errors import InvalidInput, NotFound

TOKEN_SHAPE = re.compile(r"^ghp_[0-9A-Za-z]{36}$")


def test_tokens_look_like_classic_pats_and_carry_a_checksum() -> None:
    token = tokens.generate_token()
    assert TOKEN_SHAPE.match(token)
    assert tokens.well_formed(token)
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert not tokens.well_formed(flipped)
    assert not tokens.well_formed("ghp_" + "a" * 36)
    assert len({tokens.generate_token() for _ in range(50)}) == 50


def test_only_the_sha256_of_a_token_is_stored(api_world) -> None:
    token = api_world.token("owner")
    with api_world.engine.connect() as conn:
        rows = conn.execute(sa.select(t.api_tokens)).mappings().all()
    assert len(rows) == 1
    assert rows[0]["token_hash"] == tokens.hash_token(token) and len(rows[0]["token_hash"]) == 64
    assert all(token not in str(value) for value in rows[0].values())
    assert rows[0]["prefix"] == token[:8]


def test_unknown_scopes_users_and_enterprises_are_refused(api_world) -> None:
    with api_world.engine.begin() as conn:
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
