"""``seatledger ingest`` and ``sync``: each command imports through its importer and prints the
import report; a file refused whole, a path that is no repository, a missing token are one line
and exit code 2. ``ingest webhook-secret`` makes the enterprise's secret once, and anew on
``--rotate``."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from cli_support import run_seatledger
from seatledger.db import tables as t
from seatledger.db.ledger import Ledger
from tests.ingest.ingest_gitrepo import Repo


def _seatledger(db_url: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_seatledger(list(args), tmp_path / "data", {"SEATLEDGER_DATABASE_URL": db_url})


@pytest.fixture
def git_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A HOME of the test's own, so the machine's git configuration does not leak in."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    return home


def _acme(engine: Engine) -> int:
    with engine.begin() as conn:
        return Ledger(conn).add_enterprise("acme")


def test_cli_ingests_repositories_and_reports_what_it_did(db_url: str, git_home: Path, tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repos" / "app", git_home)
    repo.commit("Carol", "carol@example.com", dt.datetime.utcnow() - dt.timedelta(days=1))
    proc = _seatledger(
        db_url,
        tmp_path,
        "ingest",
        "git",
        "--org",
        "acme-org",
        "--enterprise",
        "acme",
        "--create-people",
        str(repo.path),
        str(tmp_path),
    )
    assert proc.returncode == 0, proc.stderr
    assert "1 commit" in proc.stdout and "1 user" in proc.stdout
    assert "1 of 2 repositories ingested" in proc.stdout
    assert "not a git repository" in proc.stderr


def test_cli_exits_2_when_no_path_could_be_ingested(db_url: str, tmp_path: Path, git_home: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    proc = _seatledger(db_url, tmp_path, "ingest", "git", "--org", "acme-org", "--enterprise", "acme", str(plain))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stderr.strip().endswith("error: none of the 1 paths could be ingested")


def test_cli_rejects_a_bad_export_with_one_line_and_exit_code_2(db_url: str, tmp_path: Path) -> None:
    bad = tmp_path / "usage.json"
    bad.write_text(
        json.dumps(
            {
                "format_version": 99,
                "server_id": "5d8a1e4c-3c0a-4f39-9a7e-1f2d3c4b5a69",
                "host_name": "ghes.acme.test",
                "version": "3.17.2",
                "enterprise": "acme",
                "users": [],
            }
        )
    )
    proc = _seatledger(db_url, tmp_path, "ingest", "server-usage", str(bad))
    assert proc.returncode == 2
    assert proc.stderr.strip() == "error: format_version 99 is not supported (seatledger reads 1)"


def test_a_file_import_prints_its_report_and_a_file_it_cannot_read_is_one_line(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    _acme(engine)
    people, vs = tmp_path / "people.csv", tmp_path / "vs.csv"
    people.write_text("login,emails,org,role\nann,ann@acme.test,acme-web,member\nbob,,acme-web,owner\n")
    vs.write_text("Email,Name,Subscription_Level,Status\nann@acme.test,Ann,Visual Studio Enterprise,active\n")
    done = _seatledger(db_url, tmp_path, "ingest", "people", str(people), "--enterprise", "acme")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "people: created 2 membership, 1 organization, 2 user"
    done = _seatledger(db_url, tmp_path, "ingest", "vs-subscribers", str(vs), "--enterprise", "acme")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "visual studio subscribers: created 1 subscriber"
    with engine.connect() as conn:
        assert conn.execute(sa.select(t.vs_subscriptions.c.matched_user_id)).scalar_one() is not None  # ann's
    missing = tmp_path / "nowhere.csv"
    refused = _seatledger(db_url, tmp_path, "ingest", "people", str(missing), "--enterprise", "acme")
    assert (refused.returncode, refused.stderr) == (2, f"error: cannot read {missing}: No such file or directory\n")


def test_the_webhook_secret_is_made_once_and_anew_on_rotate(engine: Engine, db_url: str, tmp_path: Path) -> None:
    eid = _acme(engine)
    first = _seatledger(db_url, tmp_path, "ingest", "webhook-secret", "--enterprise", "acme").stdout.strip()
    assert len(first) == 64 and int(first, 16) >= 0  # 32 random bytes in hex
    assert _seatledger(db_url, tmp_path, "ingest", "webhook-secret", "--enterprise", "acme").stdout.strip() == first
    rotated = _seatledger(db_url, tmp_path, "ingest", "webhook-secret", "--enterprise", "acme", "--rotate")
    rotated_secret = rotated.stdout.strip()
    assert len(rotated_secret) == 64 and rotated_secret != first
    with engine.connect() as conn:
        stored = conn.execute(sa.select(t.enterprises.c.webhook_secret).where(t.enterprises.c.id == eid)).scalar()
    assert stored == rotated_secret
    refused = _seatledger(db_url, tmp_path, "ingest", "webhook-secret", "--enterprise", "nope")
    assert refused.returncode == 2 and refused.stderr.startswith("error: ") and "nope" in refused.stderr


def test_cli_without_a_token_says_which_variable_to_set_and_exits_2(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("GITHUB_TOKEN", "MY_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    assert "MY_TOKEN" not in os.environ
    proc = _seatledger(
        db_url,
        tmp_path,
        "sync",
        "github",
        "--api-url",
        "https://api.github.com",
        "--enterprise",
        "acme",
        "--token-env",
        "MY_TOKEN",
    )
    assert proc.returncode == 2
    assert proc.stderr.strip() == "error: no token: set the environment variable MY_TOKEN"
