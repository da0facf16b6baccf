"""The ``seatledger token`` commands end to end against a running server (the tokens
themselves: tests/test_tokens.py)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import httpx

from seatledger import tokens

TOKEN_SHAPE = re.compile(r"^ghp_[0-9A-Za-z]{36}$")


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
