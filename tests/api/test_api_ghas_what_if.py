"""``GET /enterprises/{e}/seatledger/ghas/what-if``: the counting engine's what-if (or plan) as
JSON for enterprise owners and billing managers, and ``seatledger ghas what-if`` printing the
same; refusals and mistakes in GitHub's error shape (CLI: one line, exit code 2)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import httpx
import pytest
from sqlalchemy.engine import Engine

from seatledger import licensing
from seatledger.config import Settings
from seatledger.jsonable import jsonable
from seatledger.licensing import RepositorySelection

from test_api_people import AT, BASE, _as, client  # noqa: F401  (the same demo, tokens and roles)


def _expected(engine: Engine, **kw: object) -> object:
    with engine.connect() as conn:
        if "spare" in kw:
            return jsonable(licensing.ghas_plan(conn, "acme", "code_security", kw["spare"], as_of=AT))  # type: ignore[arg-type]
        return jsonable(licensing.ghas_what_if(conn, "acme", "code_security", RepositorySelection(**kw), as_of=AT))  # type: ignore[arg-type]


def test_the_what_if_and_the_plan_are_the_engines_for_owners_and_billing_managers(
    client: tuple[httpx.Client, dict[str, str]], engine: Engine
) -> None:
    c, auth = client
    what_if = _expected(engine, visibilities=("internal", "private"), pattern="acme-*/*")
    params = {"product": "code_security", "visibility": ["internal", "private"], "pattern": "acme-*/*", "as_of": "2026-10-31"}
    for who in ("owner", "billing_manager"):
        r = c.get(f"{BASE}/ghas/what-if", params=params, headers=_as(auth, who))
        assert r.status_code == 200, r.text
        assert r.json() == what_if
    assert what_if["total_if_enabled"] - what_if["total_committers"] == len(what_if["enabling_adds"])  # type: ignore[index]
    plan = c.get(f"{BASE}/ghas/what-if", params={"product": "code_security", "spare": 3, "as_of": "2026-10-31"},
                 headers=_as(auth, "owner"))
    assert plan.json() == _expected(engine, spare=3)


@pytest.mark.parametrize("who, params, status, message", [
    ("member", {"product": "code_security"}, 403, ""),
    ("no_scope", {"product": "code_security"}, 403, ""),
    ("owner", {}, 422, "product is required"),
    ("owner", {"product": "copilot"}, 422, "product must be"),
    ("owner", {"product": "code_security", "org": "no-such-org"}, 422, "no repository"),
    ("owner", {"product": "code_security", "visibility": "secret"}, 422, "visibility"),
    ("owner", {"product": "code_security", "spare": -2}, 422, "spare"),
    ("owner", {"product": "code_security", "as_of": "yesterday"}, 422, "as_of"),
])
def test_refusals_and_mistakes_answer_in_githubs_shape(
    client: tuple[httpx.Client, dict[str, str]], who: str, params: dict[str, object], status: int, message: str
) -> None:
    c, auth = client
    r = c.get(f"{BASE}/ghas/what-if", params=params, headers=_as(auth, who))  # type: ignore[arg-type]
    assert r.status_code == status, r.text
    assert set(r.json()) >= {"message", "documentation_url"} and message in r.json()["message"]


def _run(args: list[str], settings: Settings) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEATLEDGER_")}
    env["SEATLEDGER_DATA_DIR"] = str(settings.data_dir)
    env["SEATLEDGER_DATABASE_URL"] = settings.database_url or ""
    return subprocess.run([sys.executable, "-m", "seatledger", *args], capture_output=True, text=True, env=env, timeout=120)


def test_the_cli_prints_the_same_what_if_and_plan(client: tuple[httpx.Client, dict[str, str]], engine: Engine,
                                                  settings: Settings) -> None:
    base = ["ghas", "what-if", "--enterprise", "acme", "--product", "code_security", "--as-of", "2026-10-31"]
    done = _run([*base, "--visibility", "internal", "--visibility", "private", "--pattern", "acme-*/*", "--json"], settings)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == _expected(engine, visibilities=("internal", "private"), pattern="acme-*/*")
    plan = _run([*base, "--spare", "3"], settings)
    expected = _expected(engine, spare=3)
    assert f"{len(expected['steps'])} repositories covered, {expected['left_out']} left out" in plan.stdout  # type: ignore[index]
    text = _run([*base, "--org", "no-such-org"], settings)
    assert text.returncode == 2 and "no repository" in text.stderr and "Traceback" not in text.stderr
