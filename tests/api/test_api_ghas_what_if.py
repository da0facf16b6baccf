"""``GET /enterprises/{e}/seatledger/ghas/what-if``: the counting engine's what-if (or plan) as
JSON for enterprise owners and billing managers; refusals and mistakes in GitHub's error shape.
``seatledger ghas what-if`` prints the same (tests/cli/test_cli_ghas.py)."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.engine import Engine

from seatledger import licensing
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
    params = {
        "product": "code_security",
        "visibility": ["internal", "private"],
        "pattern": "acme-*/*",
        "as_of": "2026-10-31",
    }
    for who in ("owner", "billing_manager"):
        r = c.get(f"{BASE}/ghas/what-if", params=params, headers=_as(auth, who))
        assert r.status_code == 200, r.text
        assert r.json() == what_if
    assert what_if["total_if_enabled"] - what_if["total_committers"] == len(what_if["enabling_adds"])  # type: ignore[index]
    plan = c.get(
        f"{BASE}/ghas/what-if",
        params={"product": "code_security", "spare": 3, "as_of": "2026-10-31"},
        headers=_as(auth, "owner"),
    )
    assert plan.json() == _expected(engine, spare=3)


@pytest.mark.parametrize(
    "who, params, status, message",
    [
        ("member", {"product": "code_security"}, 403, ""),
        ("no_scope", {"product": "code_security"}, 403, ""),
        ("owner", {}, 422, "product is required"),
        ("owner", {"product": "copilot"}, 422, "product must be"),
        ("owner", {"product": "code_security", "org": "no-such-org"}, 422, "no repository"),
        ("owner", {"product": "code_security", "visibility": "secret"}, 422, "visibility"),
        ("owner", {"product": "code_security", "spare": -2}, 422, "spare"),
        ("owner", {"product": "code_security", "as_of": "yesterday"}, 422, "as_of"),
    ],
)
def test_refusals_and_mistakes_answer_in_githubs_shape(
    client: tuple[httpx.Client, dict[str, str]], who: str, params: dict[str, object], status: int, message: str
) -> None:
    c, auth = client
    r = c.get(f"{BASE}/ghas/what-if", params=params, headers=_as(auth, who))  # type: ignore[arg-type]
    assert r.status_code == status, r.text
    assert set(r.json()) >= {"message", "documentation_url"} and message in r.json()["message"]
