"""Personal access tokens: GitHub's classic shape, stored only as a hash, and the
``seatledger token`` commands end to end against a running server."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import httpx
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


def _cli(settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SEATLEDGER_DATABASE_URL": settings.database_url, "SEATLEDGER_DATA_DIR": str(settings.data_dir)}
    return subprocess.run([sys.executable, "-m", "seatledger", "token", *args], capture_output=True, text=True, env=env)


def test_token_cli_creates_lists_and_revokes_a_working_token(api: httpx.Client, api_world, settings) -> None:
    made = _cli(settings, "create", "--login", "owner", "--enterprise", "acme", "--scopes",
                "read:enterprise,manage_billing:copilot", "--expires-in-days", "30")
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()
    assert TOKEN_SHAPE.match(token)  # printed once, alone on stdout
    h = {"Authorization": f"token {token}"}
    assert api.get("/enterprises/acme/consumed-licenses", headers=h).status_code == 200

    listed = _cli(settings, "list", "--login", "owner")
    assert listed.returncode == 0
    header, row = listed.stdout.strip().splitlines()
    assert header.split("\t")[:3] == ["id", "state", "login"]
    token_id, state, login, enterprise, prefix, scopes = row.split("\t")[:6]
    assert (state, login, enterprise, scopes) == ("active", "owner", "acme", "manage_billing:copilot,read:enterprise")
    assert token not in listed.stdout and prefix == token[:8] + "…"

    revoked = _cli(settings, "revoke", token_id)
    assert revoked.returncode == 0 and "revoked" in revoked.stdout
    r = api.get("/enterprises/acme/consumed-licenses", headers=h)
    assert r.status_code == 401 and r.json()["message"] == "Bad credentials"
    with api_world.engine.connect() as conn:
        assert [i.state(tokens.utcnow()) for i in tokens.list_tokens(conn, login="owner")] == ["revoked"]

    bad = _cli(settings, "create", "--login", "ghost", "--enterprise", "acme", "--scopes", "read:enterprise")
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.strip() == "error: no user 'ghost' in enterprise 'acme'"
