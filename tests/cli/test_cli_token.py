"""``seatledger token``: create prints the token once, list shows everything but the token,
revoke makes the running server answer 401; end to end against a running server."""

from __future__ import annotations

import re
import subprocess

import httpx

from cli_support import run_seatledger
from seatledger import tokens
from seatledger.config import Settings
from tests.api.api_fixtures import ApiWorld, api, api_world  # noqa: F401  (the API tests' world and client)

TOKEN_SHAPE = re.compile(r"^ghp_[0-9A-Za-z]{36}$")


def _token(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return run_seatledger(["token", *args], settings.data_dir, {"SEATLEDGER_DATABASE_URL": settings.database_url or ""})


def test_token_cli_creates_lists_and_revokes_a_working_token(
    api: httpx.Client,
    api_world: ApiWorld,
    settings: Settings,
) -> None:
    made = _token(
        settings,
        "create",
        "--login",
        "owner",
        "--enterprise",
        "acme",
        "--scopes",
        "read:enterprise,manage_billing:copilot",
        "--expires-in-days",
        "30",
    )
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()
    assert TOKEN_SHAPE.match(token)  # printed once, alone on stdout
    h = {"Authorization": f"token {token}"}
    assert api.get("/enterprises/acme/consumed-licenses", headers=h).status_code == 200

    listed = _token(settings, "list", "--login", "owner")
    assert listed.returncode == 0
    header, row = listed.stdout.strip().splitlines()
    assert header.split("\t")[:3] == ["id", "state", "login"]
    token_id, state, login, enterprise, prefix, scopes = row.split("\t")[:6]
    assert (state, login, enterprise, scopes) == ("active", "owner", "acme", "manage_billing:copilot,read:enterprise")
    assert token not in listed.stdout and prefix == token[:8] + "…"

    revoked = _token(settings, "revoke", token_id)
    assert revoked.returncode == 0 and "revoked" in revoked.stdout
    r = api.get("/enterprises/acme/consumed-licenses", headers=h)
    assert r.status_code == 401 and r.json()["message"] == "Bad credentials"
    with api_world.engine.connect() as conn:
        assert [i.state(tokens.utcnow()) for i in tokens.list_tokens(conn, login="owner")] == ["revoked"]

    bad = _token(settings, "create", "--login", "ghost", "--enterprise", "acme", "--scopes", "read:enterprise")
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.strip() == "error: no user 'ghost' in enterprise 'acme'"


def test_list_shows_a_tokens_note_and_no_expiry_and_only_the_enterprise_asked_for(
    api_world: ApiWorld,
    settings: Settings,
) -> None:
    for token_id, login, enterprise in ((1, "owner", "acme"), (2, "stranger", "globex")):
        made = _token(
            settings,
            "create",
            "--login",
            login,
            "--enterprise",
            enterprise,
            "--scopes",
            "read:org",
            "--note",
            f"{login}'s script",
        )
        assert made.stderr == f"token {token_id} for {login} ({enterprise}); it is shown only now, keep it safe\n"
    header, row = _token(settings, "list", "--enterprise", "globex").stdout.splitlines()
    assert header == "id\tstate\tlogin\tenterprise\tprefix\tscopes\tcreated_at\texpires_at\tnote"
    fields = row.split("\t")
    assert (fields[0], fields[2], fields[3], fields[5]) == ("2", "stranger", "globex", "read:org")
    assert (fields[7], fields[8]) == ("never", "stranger's script")
    assert len(_token(settings, "list").stdout.splitlines()) == 3
