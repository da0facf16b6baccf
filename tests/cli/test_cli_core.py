"""The core commands as a person runs them: one clear line and exit 2 on bad input, and
``summary --json`` showing exactly the numbers of the summary page."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from html import unescape
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine

from seatledger.db import create_engine, migrate
from seatledger.demo import build_demo
from seatledger.web.accounts import find_user, set_password

ANCHOR = dt.datetime(2026, 6, 15)
AS_OF = "2026-06-15T12:00:00Z"


def _run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("SEATLEDGER_")}
    return subprocess.run(
        [sys.executable, "-m", "seatledger", *args],
        capture_output=True,
        text=True,
        env={**base, **env},
        cwd=cwd,
        timeout=120,
    )


def _one_error_line(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


@pytest.fixture
def data_env(tmp_path: Path) -> dict[str, str]:
    return {"SEATLEDGER_DATA_DIR": str(tmp_path / "data")}


def _demo_in(env: dict[str, str], *slugs: str) -> None:
    """Build demos in-process (faster than a subprocess each) into the data dir's ledger."""
    data = Path(env["SEATLEDGER_DATA_DIR"])
    data.mkdir(parents=True, exist_ok=True)
    engine = create_engine(f"sqlite:///{data / 'seatledger.db'}")
    migrate(engine)
    for slug in slugs:
        build_demo(engine, size="small", seed=1, slug=slug, anchor=ANCHOR)
    engine.dispose()


def test_demo_with_an_unknown_size_prints_one_line_and_exits_2(data_env: dict[str, str], tmp_path: Path) -> None:
    line = _one_error_line(_run(["demo", "--size", "huge"], data_env, tmp_path))
    assert "small, medium, large" in line and "'huge'" in line


def test_summary_of_an_unknown_enterprise_prints_one_line_and_exits_2(data_env: dict[str, str], tmp_path: Path) -> None:
    assert _run(["migrate"], data_env, tmp_path).returncode == 0
    line = _one_error_line(_run(["summary", "--enterprise", "nosuch"], data_env, tmp_path))
    assert "nosuch" in line


@pytest.mark.parametrize("command", [["summary", "--enterprise", "acme"], ["demo"], ["serve", "--first-run"]])
def test_unreachable_database_prints_one_line_and_exits_2(command: list[str], tmp_path: Path) -> None:
    env = {"SEATLEDGER_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none"}
    assert "cannot reach the database" in _one_error_line(_run(command, env, tmp_path))


def test_demo_into_an_existing_enterprise_prints_one_line_and_exits_2(data_env: dict[str, str], tmp_path: Path) -> None:
    first = _run(["demo", "--size", "small", "--seed", "3", "--as-of", "2026-06-15"], data_env, tmp_path)
    assert first.returncode == 0, first.stderr
    assert "demo enterprise 'acme'" in first.stdout
    assert "already exists" in _one_error_line(_run(["demo"], data_env, tmp_path))
    table = _run(["summary", "--enterprise", "acme", "--as-of", AS_OF], data_env, tmp_path)
    assert table.returncode == 0, table.stderr
    assert "Acme Corporation" in table.stdout and "active committers" in table.stdout


def test_summary_with_an_org_of_another_enterprise_prints_one_line_and_exits_2(
    data_env: dict[str, str], tmp_path: Path
) -> None:
    _demo_in(data_env, "acme", "globex")
    line = _one_error_line(_run(["summary", "--enterprise", "acme", "--org", "globex-platform"], data_env, tmp_path))
    assert "globex-platform" in line


def _sign_in(client: httpx.Client, login: str, password: str) -> None:
    form = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token, form.text
    answer = client.post(
        "/login", data={"login": login, "password": password, "csrf_token": token.group(1), "next": "/summary"}
    )
    assert answer.status_code in (200, 303), answer.text


def _page_numbers(html: str) -> dict[str, int]:
    found = re.findall(r'data-key="([^"]+)">([^<]*)<', html)
    return {key: int(unescape(text).replace(",", "")) for key, text in found}


def _json_value(doc: dict[str, Any], key: str) -> Any:
    for part in key.split("."):
        doc = doc[part]
    return doc


def test_summary_json_and_the_summary_page_show_the_same_totals_for_the_demo(
    engine: Engine, db_url: str, live_server: Any, tmp_path: Path
) -> None:
    build_demo(engine, size="small", seed=1, anchor=ANCHOR)
    with engine.begin() as conn:
        set_password(conn, find_user(conn, "acme-setup", "acme"), "correct horse battery")
    proc = _run(
        ["summary", "--enterprise", "acme", "--as-of", AS_OF, "--json"], {"SEATLEDGER_DATABASE_URL": db_url}, tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    with httpx.Client(base_url=live_server.url, follow_redirects=True, timeout=30) as client:
        _sign_in(client, "acme-setup", "correct horse battery")
        page = client.get("/summary", params={"as_of": AS_OF})
    assert page.status_code == 200, page.text
    numbers = _page_numbers(page.text)
    assert set(numbers) >= {
        "seats.consumed",
        "seats.purchased",
        "seats.available",
        "seats.billable_this_month",
        "seats.license_types.enterprise",
        "seats.license_types.visual_studio_subscription",
        "advanced_security.code_security.active_committers",
        "advanced_security.secret_protection.active_committers",
        "advanced_security.code_security.maximum_committers",
        "copilot.total",
        "copilot.business",
        "copilot.enterprise",
        "copilot.breakdown.pending_cancellation",
    }
    for key, shown in numbers.items():  # every number on the page is the JSON's
        assert shown == _json_value(doc, key), key
    assert doc["seats"]["consumed"] > 100 and doc["copilot"]["total"] > 0  # the demo is not an empty ledger


def test_summary_json_has_the_documented_stable_keys(data_env: dict[str, str], tmp_path: Path) -> None:
    _demo_in(data_env, "acme")
    doc = json.loads(_run(["summary", "--enterprise", "acme", "--as-of", AS_OF, "--json"], data_env, tmp_path).stdout)
    assert list(doc) == [
        "enterprise",
        "name",
        "organization",
        "as_of",
        "seats",
        "advanced_security",
        "copilot",
        "no_data_before",
        "sources",
    ]
    assert (doc["no_data_before"], doc["sources"]) == ([], {}), "the demo is written directly, by no importer"
    assert doc["as_of"] == "2026-06-15T12:00:00Z"
    assert set(doc["seats"]) == {
        "consumed",
        "purchased",
        "available",
        "over_limit",
        "billing",
        "expires_at",
        "billable_this_month",
        "license_types",
        "cloud_users",
        "server_only_users",
        "invited_only_users",
    }
    assert set(doc["advanced_security"]) == {"code_security", "secret_protection"}
    assert set(doc["advanced_security"]["code_security"]) == {
        "active_committers",
        "maximum_committers",
        "purchased",
        "over_limit",
        "billing",
        "repositories",
    }
    assert set(doc["copilot"]) == {"total", "business", "enterprise", "plan_type", "breakdown"}
