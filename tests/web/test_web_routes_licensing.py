"""The Billing & licensing routes' own work (``web/routes_licensing.py``): *Add server usage*
(owners only, all or nothing, a refusal recorded as the source's last failure and told in a
flash), mapping a commit email (owners only), and a bad table parameter refused before counting.
The numbers on the pages are held by test_web_one_truth.py and test_web_licensing_view.py."""

from __future__ import annotations

import json
import re
from typing import Iterator

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from seatledger.db import tables as t
from seatledger.db.ledger import Ledger
from seatledger.db.tables_sources import source_runs
from seatledger.web.accounts import set_password
from web_site import MONA_T0, csrf_of, http_sign_in

SERVER_ID = "5d8a1e4c-3c0a-4f39-9a7e-1f2d3c4b5a69"
EXPORT = {
    "format_version": 1,
    "server_id": SERVER_ID,
    "host_name": "ghes.acme.test",
    "version": "3.17.2",
    "enterprise": "acme",
    "users": [{"user_id": 1, "login": "ann", "primary_email": "ann@acme.test", "emails": []}],
}


def _upload(client: httpx.Client, body: bytes, name: str = "usage.json") -> httpx.Response:
    token = csrf_of(client.get("/enterprises/acme/licensing").text)
    return client.post(
        "/enterprises/acme/server-usage", data={"csrf_token": token}, files={"file": (name, body, "application/json")}
    )


def _flash(response: httpx.Response) -> tuple[str, str]:
    found = re.search(r'<p class="flash flash-(\w+)" role="status">([^<]*)</p>', response.text)
    assert found is not None, "no flash on the page"
    return found.group(1), found.group(2)


def _servers(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(sa.select(t.server_instances.c.hostname)).scalars())


def _last_failure(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return conn.execute(
            sa.select(source_runs.c.last_failure_reason).where(source_runs.c.source == "server_upload")
        ).scalar()


def test_an_owner_adds_server_usage_and_is_told_what_it_did(mona: httpx.Client, engine: Engine) -> None:
    done = _upload(mona, json.dumps(EXPORT).encode())
    assert done.url.path == "/enterprises/acme/licensing" and done.history[0].headers["location"].endswith("#servers")
    category, message = _flash(done)
    assert (category, message) == (
        "success",
        "Server usage uploaded from usage.json. server usage ghes.acme.test: created 1 server, 1 server account.",
    )
    assert _servers(engine) == ["ghes.acme.test"]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"  \n", "the file is empty"),
        (
            json.dumps({**EXPORT, "format_version": 9}).encode(),
            "format_version 9 is not supported (seatledger reads 1)",
        ),
    ],
)
def test_a_refused_file_adds_nothing_and_is_told_and_recorded_as_the_sources_failure(
    mona: httpx.Client, engine: Engine, body: bytes, reason: str
) -> None:
    refused = _upload(mona, body)
    assert refused.url.path == "/enterprises/acme/licensing"
    assert _flash(refused) == ("error", f"Server usage was not added: {reason}")
    assert _servers(engine) == []
    # An empty file is refused before any import is tried, so it is no failure of the source.
    assert _last_failure(engine) == (None if reason == "the file is empty" else reason)


@pytest.fixture
def billing_manager(mona: httpx.Client, engine: Engine) -> Iterator[httpx.Client]:
    with engine.begin() as conn:
        ledger = Ledger(conn)
        eid = ledger.enterprise_id("acme")
        uid = ledger.add_user(eid, "bill", created_at=MONA_T0)
        ledger.add_enterprise_role(eid, uid, "billing_manager", started_at=MONA_T0)
        set_password(conn, uid, "bill-password")
    with httpx.Client(base_url=str(mona.base_url), timeout=60, follow_redirects=True) as client:
        http_sign_in(client, "bill", "bill-password")
        yield client


def test_only_an_owner_may_add_server_usage_or_map_a_commit_email(
    billing_manager: httpx.Client, engine: Engine
) -> None:
    assert billing_manager.get("/enterprises/acme/licensing").status_code == 200, "a billing manager sees the page"
    upload = _upload(billing_manager, json.dumps(EXPORT).encode())
    token = csrf_of(billing_manager.get("/enterprises/acme/emails").text)
    mapping = billing_manager.post(
        "/enterprises/acme/emails/map", data={"csrf_token": token, "email": "ann@home.test", "login": "ann"}
    )
    assert upload.status_code == 403 and "Only owners of the enterprise acme can add server usage." in upload.text
    assert mapping.status_code == 403 and "Only owners of the enterprise acme can map commit emails." in mapping.text
    assert _servers(engine) == []
    with engine.connect() as conn:
        assert (
            conn.execute(sa.select(t.user_emails.c.email).where(t.user_emails.c.email == "ann@home.test")).first()
            is None
        )


def test_a_table_sort_the_page_does_not_offer_is_refused(mona: httpx.Client) -> None:
    answer = mona.get("/enterprises/acme/licensing", params={"org_sort": "salary"})
    assert answer.status_code == 422 and "org_sort must be one of" in answer.text
