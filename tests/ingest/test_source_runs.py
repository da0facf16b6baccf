"""Freshness and coverage per source (issue 18 item 10): each importer records its last
success and what it covered in its own transaction, and a failure with its reason after its
transaction rolled back; a failed or partial sync never reads as an empty source."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from github_answers import serve
from ingest_gitrepo import Repo
from seatledger.cli import app
from seatledger.db.ledger import Ledger
from seatledger.errors import ImportRejected, InvalidInput, SourceError
from seatledger.ingest.git import GitOptions, ingest_git
from seatledger.ingest.github_api import sync_github
from seatledger.ingest.github_client import GitHubClient
from seatledger.ingest.server_usage import ingest_server_usage
from seatledger.ingest.vs_subscribers import ingest_vs_subscribers
from seatledger.ingest.webhooks import receive, signature_for
from seatledger.licensing import SourceFreshness, count_consumed, source_freshness

SECRET = "freshness-secret"
WEBHOOKS = Path(__file__).parent.parent / "data" / "github" / "webhooks"
CONSUMED: dict[str, Any] = {
    "/enterprises/acme/consumed-licenses": {
        "total_seats_consumed": 1,
        "total_seats_purchased": 10,
        "users": [
            {
                "github_com_login": "octocat",
                "github_com_member_roles": ["acme-org:Member"],
                "license_type": "enterprise",
            },
        ],
    },
}
SERVER_EXPORT = {
    "format_version": 1,
    "features": [],
    "host_name": "ghes.acme.test",
    "http_only": False,
    "license": "3f1a9c",
    "public_key": None,
    "server_id": "5d8a1e4c-3c0a-4f39-9a7e-1f2d3c4b5a69",
    "version": "3.17.2",
    "enterprise": "acme",
    "exported_at": "2026-06-30T12:00:00Z",
    "users": [
        {
            "user_id": 1,
            "login": "ada",
            "primary_email": "ada@acme.test",
            "emails": ["ada@acme.test"],
            "suspended": False,
            "dormant": False,
            "site_admin": False,
            "is_scim_setup_user": False,
            "code_security_user": False,
            "secret_protection_user": False,
        }
    ],
}


def _enterprise(engine: Engine) -> None:
    with engine.begin() as conn:
        led = Ledger(conn)
        eid = led.add_enterprise("acme", created_at=dt.datetime(2025, 1, 1))
        led.set_webhook_secret(eid, SECRET)
        led.add_org(eid, "acme-org", created_at=dt.datetime(2025, 1, 1))


def _sources(engine: Engine) -> dict[str, SourceFreshness]:
    with engine.connect() as conn:
        return {f.source: f for f in source_freshness(conn, "acme")}


def _sync(engine: Engine, handler: Any) -> Any:
    with GitHubClient("https://api.github.com", "t", transport=httpx.MockTransport(handler), max_retries=0) as client:
        return sync_github(engine, client, "acme", ["acme-org"])


def _cli(args: list[str], db_url: str, tmp_path: Path) -> Any:
    env = {"SEATLEDGER_DATABASE_URL": db_url, "SEATLEDGER_DATA_DIR": str(tmp_path / "data")}
    return CliRunner().invoke(app, args, env=env)


def test_every_importer_records_its_last_success_and_what_it_covered(
    engine: Engine, db_url: str, tmp_path: Path, make_repo: Any
) -> None:
    _enterprise(engine)
    _sync(engine, serve(CONSUMED))
    people = tmp_path / "people.csv"
    people.write_text("login,emails,org,role\nada,ada@acme.test,acme-org,member\nbob,,acme-web,owner\n")
    assert _cli(["ingest", "people", str(people), "--enterprise", "acme"], db_url, tmp_path).exit_code == 0
    with engine.begin() as conn:
        ingest_vs_subscribers(conn, b"email\nada@acme.test\nzed@acme.test\n", "acme")
        ingest_server_usage(conn, json.dumps(SERVER_EXPORT).encode(), "acme")
    body = (WEBHOOKS / "push.json").read_bytes()
    assert receive(engine, body, "push", "d-1", signature_for(SECRET, body))["status"] == "processed"
    repo: Repo = make_repo("tools")
    repo.commit("Ada", "ada@acme.test", dt.datetime.utcnow() - dt.timedelta(days=1))
    ingest_git(engine, [repo.path], GitOptions(org="acme-org"))

    got = _sources(engine)
    assert list(got) == ["sync", "webhook", "people", "server_upload", "vs_list", "git"]
    assert all(f.since is not None and f.last_success_at is not None and not f.failing for f in got.values())
    assert got["sync"].covered["organizations"] == ["acme-org"]
    assert got["sync"].covered["api_url"] == "https://api.github.com"
    assert got["sync"].partial, "an API without the org endpoints gave a partial sync"
    assert "orgs/acme-org/members?role=admin: /orgs/acme-org/members: 404 Not Found" in got["sync"].covered["skipped"]
    assert got["webhook"].covered == {
        "event": "push",
        "organizations": ["acme-org"],
        "repositories": ["acme-org/Hello-World"],
    }
    assert got["people"].covered == {"organizations": ["acme-org", "acme-web"], "people": 2}
    assert got["server_upload"].covered == {"servers": ["ghes.acme.test (5d8a1e4c-3c0a-4f39-9a7e-1f2d3c4b5a69)"]}
    assert got["vs_list"].covered == {"subscribers": 2}
    assert got["git"].covered == {"organizations": ["acme-org"], "repositories": ["acme-org/tools"], "failed": []}


def test_a_refused_file_records_its_failure_after_the_rollback_and_keeps_the_last_success(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    _enterprise(engine)
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_text("login,org,role\nada,acme-org,member\n")
    bad.write_text("login,org,role\ncarl,acme-org,member\nbad login,acme-org,member\n")
    assert _cli(["ingest", "people", str(good), "--enterprise", "acme"], db_url, tmp_path).exit_code == 0
    first = _sources(engine)["people"]

    refused = _cli(["ingest", "people", str(bad), "--enterprise", "acme"], db_url, tmp_path)
    assert isinstance(refused.exception, ImportRejected)

    after = _sources(engine)["people"]
    assert (after.since, after.last_success_at, after.covered) == (first.since, first.last_success_at, first.covered)
    assert after.failing and after.last_failure_reason == "line 3: 'bad login' is not a login"
    with engine.connect() as conn:
        assert Ledger(conn).user_id(Ledger(conn).enterprise_id("acme"), "carl") is None, "the import rolled back"


def test_a_failed_sync_records_why_and_keeps_what_the_last_one_read(engine: Engine) -> None:
    _enterprise(engine)
    _sync(engine, serve(CONSUMED))
    before = _sources(engine)["sync"]

    def unreachable(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, json={"message": "Service Unavailable"})

    with pytest.raises(SourceError, match="503"):
        _sync(engine, unreachable)

    after = _sources(engine)["sync"]
    assert after.failing and "503" in str(after.last_failure_reason)
    assert (after.last_success_at, after.covered) == (before.last_success_at, before.covered)
    with engine.connect() as conn:
        assert count_consumed(conn, "acme", as_of=dt.datetime.utcnow() + dt.timedelta(minutes=1)) == 1


def test_a_webhook_delivery_that_cannot_be_applied_is_recorded_as_the_webhooks_last_failure(engine: Engine) -> None:
    _enterprise(engine)
    payload = json.loads((WEBHOOKS / "push.json").read_text())
    payload["commits"] = "not a list"
    body = json.dumps(payload).encode()
    with pytest.raises(InvalidInput):
        receive(engine, body, "push", "d-bad", signature_for(SECRET, body))
    webhook = _sources(engine)["webhook"]
    assert webhook.failing and webhook.last_success_at is None
    assert str(webhook.last_failure_reason).startswith("delivery d-bad (push): ")


def test_git_records_the_repositories_it_read_and_the_ones_that_failed(
    engine: Engine, make_repo: Any, tmp_path: Path
) -> None:
    _enterprise(engine)
    repo: Repo = make_repo("app")
    repo.commit("Ada", "ada@acme.test", dt.datetime.utcnow() - dt.timedelta(days=1))
    missing = tmp_path / "not-a-repo"
    missing.mkdir()
    ingest_git(engine, [repo.path, missing], GitOptions(org="acme-org"))
    git = _sources(engine)["git"]
    assert git.partial and git.covered["repositories"] == ["acme-org/app"] and git.covered["failed"] == [str(missing)]
    assert git.failing is False, "the run succeeded (partly) after recording the failure"
    assert str(git.last_failure_reason).startswith("1 of 2 repositories failed: ")
