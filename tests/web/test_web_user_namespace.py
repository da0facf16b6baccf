"""A user namespace whose login exists in two enterprises belongs, for each caller, to the
caller's own enterprise (issue 17, item 9).

A ``Scope`` carries its enterprise: the report is resolved, and counted, in the caller's."""

from __future__ import annotations

import datetime as dt
from typing import Iterator

import httpx
import pytest
from sqlalchemy.engine import Engine

from seatledger.app import create_app
from seatledger.config import Settings
from seatledger.db.ledger import Ledger
from seatledger.web.accounts import set_password

from web_site import LiveServer, http_sign_in

T0 = dt.datetime(2026, 1, 1)


@pytest.fixture
def server(settings: Settings, engine: Engine) -> Iterator[str]:
    with engine.begin() as conn:
        led = Ledger(conn)
        for slug in ("acme", "globex"):  # acme first: the one a lookup by login alone finds
            eid = led.add_enterprise(slug, created_at=T0)
            twin = led.add_user(eid, "twin", created_at=T0)
            led.add_repo(eid, "twin", "tool", owner_user_id=twin, code_security=True, created_at=T0)
            owner = led.add_user(eid, f"{slug}-owner", created_at=T0)
            led.add_enterprise_role(eid, owner, "owner", started_at=T0)
            set_password(conn, owner, f"{slug}-password")
    with LiveServer(create_app(settings, engine)) as live:
        yield live.url


def test_a_user_namespace_in_two_enterprises_resolves_within_the_callers_enterprise(server: str) -> None:
    with httpx.Client(base_url=server, timeout=60) as client:
        http_sign_in(client, "globex-owner", "globex-password")
        answer = client.get("/reports/advanced-security.csv?scope=user_namespace:twin&product=code_security")
    assert answer.status_code == 200, answer.text


def test_a_report_scope_names_its_enterprise_after_an_at_sign_and_keeps_it_for_an_emailed_export() -> None:
    from seatledger.exports.catalog import report_request

    wanted = report_request("advanced-security", "user_namespace:twin@globex", "code_security")
    assert (wanted.scope.name, wanted.scope.enterprise_slug) == ("twin", "globex")
    assert wanted.scope_token == "user_namespace:twin@globex"
    assert (
        report_request("advanced-security", "repository:twin/tool", "code_security").scope_token
        == "repository:twin/tool"
    )
