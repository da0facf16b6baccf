"""``GET /enterprises/{e}/seatledger/people/{person}`` and ``.../seatledger/changes``: the
counting engine's answer as JSON, for enterprise owners and billing managers with the
enterprise billing scopes; every refusal and mistake in GitHub's error shape."""

from __future__ import annotations

import datetime as dt
from typing import Iterator

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from seatledger import licensing, tokens
from seatledger.db import tables as t
from seatledger.demo import build_demo
from seatledger.jsonable import jsonable

ANCHOR = dt.datetime(2026, 11, 1)
AT = dt.datetime(2026, 10, 31, 23, 59, 59)
BASE = "/enterprises/acme/seatledger"


@pytest.fixture
def client(live_server: object, engine: Engine) -> Iterator[tuple[httpx.Client, dict[str, str]]]:
    build_demo(engine, size="small", seed=1, anchor=ANCHOR)
    er, u, om = t.enterprise_roles, t.users, t.org_memberships
    auth: dict[str, str] = {}
    with engine.begin() as conn:
        for role in ("owner", "billing_manager"):
            login = conn.execute(
                sa.select(u.c.login).join(er, er.c.user_id == u.c.id).where(er.c.role == role).order_by(u.c.id).limit(1)
            ).scalar_one()
            auth[role] = tokens.create_token(conn, "acme", login, "read:enterprise")[1]
        member = conn.execute(
            sa.select(u.c.login)
            .join(om, om.c.user_id == u.c.id)
            .where(om.c.role == "member", u.c.id.not_in(sa.select(er.c.user_id)))
            .order_by(u.c.id)
            .limit(1)
        ).scalar_one()
        auth["member"] = tokens.create_token(conn, "acme", member, "read:enterprise")[1]
        auth["no_scope"] = tokens.create_token(conn, "acme", login, "read:org")[1]
    with httpx.Client(
        base_url=live_server.url + "/api/v3",  # type: ignore[attr-defined]
        headers={"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"},
        timeout=30,
    ) as c:
        yield c, auth


def _as(auth: dict[str, str], who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {auth[who]}"}


def test_a_person_is_the_engines_explanation_for_owners_and_billing_managers(
    client: tuple[httpx.Client, dict[str, str]], engine: Engine
) -> None:
    c, auth = client
    with engine.connect() as conn:
        invited = next(p for p in licensing.iter_licensed_people(conn, "acme", as_of=AT) if p.invited_email)
        expected = jsonable(licensing.describe_person(conn, "acme", invited.invited_email, as_of=AT))  # type: ignore[arg-type]
    for who in ("owner", "billing_manager"):
        r = c.get(f"{BASE}/people/{invited.invited_email}", params={"as_of": "2026-10-31"}, headers=_as(auth, who))
        assert r.status_code == 200, r.text
        assert r.json() == expected
    assert expected["seat_reasons"][0]["reason"] == "pending_invitation"


def test_changes_reconcile_with_the_totals(client: tuple[httpx.Client, dict[str, str]], engine: Engine) -> None:
    c, auth = client
    r = c.get(f"{BASE}/changes", params={"from": "2026-09-01", "to": "2026-10-31"}, headers=_as(auth, "owner"))
    assert r.status_code == 200, r.text
    with engine.connect() as conn:
        assert r.json() == jsonable(licensing.license_changes(conn, "acme", dt.datetime(2026, 9, 1, 23, 59, 59), AT))
    for p in r.json()["products"]:
        assert p["at_end"] - p["at_start"] == p["added"] - p["removed"]


def test_history_is_the_engines_history(client: tuple[httpx.Client, dict[str, str]], engine: Engine) -> None:
    c, auth = client
    params = {"product": "code_security", "from": "2026-06-01", "to": "2026-10-31", "org": "acme-web"}
    r = c.get(f"{BASE}/history", params=params, headers=_as(auth, "billing_manager"))
    assert r.status_code == 200, r.text
    with engine.connect() as conn:
        expected = licensing.license_history(
            conn, "acme", "code_security", dt.date(2026, 6, 1), AT.date(), org="acme-web"
        )
    assert r.json() == jsonable(expected)
    assert r.json()["peak"] == max(n for _, n in r.json()["days"])


# The errors are decided before any count: one database is enough.
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("who", "path", "params", "status", "message"),
    [
        ("member", "/people/x", {}, 403, "Must be an enterprise owner or billing manager to use this endpoint."),
        ("no_scope", "/people/x", {}, 403, "This endpoint needs a token with the 'read:enterprise' or"),
        ("owner", "/people/nobody-at-all", {}, 404, "no person 'nobody-at-all' in enterprise 'acme'"),
        ("owner", "/people/x", {"as_of": "2026-02-30"}, 422, "as_of must be a date YYYY-MM-DD"),
        (
            "owner",
            "/changes",
            {"from": "2026-10-31", "to": "2026-09-01"},
            422,
            "the range ends (2026-09-01 23:59:59) before it starts",
        ),
        (
            "owner",
            "/changes",
            {"from": "2026-09-01", "to": "2026-10-31", "product": "seats"},
            422,
            "product must be one of",
        ),
        ("owner", "/changes", {"from": "2026-09-01", "to": "2026-10-31", "org": "nope"}, 404, "no organization 'nope'"),
        (
            "owner",
            "/history",
            {"from": "2026-10-31", "to": "2026-09-01"},
            422,
            "the history ends (2026-09-01) before it starts",
        ),
        (
            "owner",
            "/history",
            {"from": "2026-09-01", "to": "2026-10-31", "product": "seats"},
            422,
            "product must be one of",
        ),
        ("owner", "/history", {"from": "2026-9-1", "to": "2026-10-31"}, 422, "from must be a date YYYY-MM-DD"),
        ("owner", "/changes", {"from": "2026-09-01"}, 422, "to is required"),
    ],
)
def test_refusals_and_mistakes_are_githubs_error_shape(
    client: tuple[httpx.Client, dict[str, str]], who: str, path: str, params: dict[str, str], status: int, message: str
) -> None:
    c, auth = client
    r = c.get(BASE + path, params=params, headers=_as(auth, who))
    assert r.status_code == status, r.text
    body = r.json()
    assert body["message"].startswith(message) and body["documentation_url"].startswith("https://")
