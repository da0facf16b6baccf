"""The API's serving path: the caller and their roles are read from the database on every
request (a revoked token or an ended role is refused at once, also for a memoised page), a
memoised page follows every write. (The rate counter's batches: test_api_throttle.py.)"""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
import sqlalchemy as sa

from seatledger import tokens
from seatledger.db import tables as t
from seatledger.db.clock import utcnow
from seatledger.db.ledger import Ledger
from api_fixtures import ALL_SCOPES, LONG_AGO

CONSUMED = "/enterprises/acme/consumed-licenses"
GHAS = "/enterprises/acme/settings/billing/advanced-security"


def _token_id(api_world, who: str) -> int:
    return api_world.token_ids[f"{who}|{ALL_SCOPES}|acme|[]"]


@pytest.mark.parametrize("path", [CONSUMED, GHAS])
def test_an_ended_enterprise_role_is_refused_on_the_next_request_even_for_a_memoised_page(
    api: httpx.Client, api_world, path: str
) -> None:
    headers = api_world.auth("owner")
    first, again = api.get(path, headers=headers), api.get(path, headers=headers)
    assert first.status_code == again.status_code == 200
    assert first.content == again.content
    # Straight in the table, as an outside change would be: the ledger version does not move.
    with api_world.engine.begin() as conn:
        conn.execute(
            sa.update(t.enterprise_roles)
            .where(t.enterprise_roles.c.user_id == api_world.users["owner"])
            .values(ended_at=utcnow() - dt.timedelta(seconds=1))
        )
    refused = api.get(path, headers=headers)
    assert refused.status_code == 403
    assert refused.json()["message"].startswith("Must be an enterprise owner")


def test_a_revoked_token_is_refused_on_the_next_request_for_a_memoised_page(api: httpx.Client, api_world) -> None:
    headers = api_world.auth("owner")
    assert api.get(CONSUMED, headers=headers).status_code == 200
    with api_world.engine.begin() as conn:
        tokens.revoke_token(conn, _token_id(api_world, "owner"))
    r = api.get(CONSUMED, headers=headers)
    assert r.status_code == 401
    assert r.json()["message"] == "Bad credentials"


def test_a_memoised_page_follows_a_write_at_once(api: httpx.Client, api_world) -> None:
    headers = api_world.auth("owner")
    before = api.get(CONSUMED, headers=headers, params={"per_page": 100}).json()
    assert api.get(CONSUMED, headers=headers, params={"per_page": 100}).json() == before
    with api_world.engine.begin() as conn:
        led = Ledger(conn)
        eid = led.enterprise_id("acme")
        uid = led.add_user(eid, "newcomer", name="Newcomer", emails=["newcomer@acme.test"], created_at=LONG_AGO)
        led.add_membership(api_world.orgs["octo"], uid, "member", started_at=LONG_AGO)
    after = api.get(CONSUMED, headers=headers, params={"per_page": 100}).json()
    assert after["total_seats_consumed"] == before["total_seats_consumed"] + 1
    assert "newcomer" in [u["github_com_login"] for u in after["users"]]
