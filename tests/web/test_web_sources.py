"""Freshness and coverage on the enterprise Licensing page and in ``GET /healthz`` (issue 18
item 10), and the "no data before" statement on the page (item 5), on a live server."""

from __future__ import annotations

import datetime as dt

import httpx
from sqlalchemy.engine import Engine

from seatledger.app import create_app
from seatledger.config import Settings
from seatledger.db.ledger import Ledger
from seatledger.ingest.people import ingest_people
from seatledger.ingest.source_runs import record_failure
from seatledger.web.accounts import set_password

from web_site import LiveServer, http_sign_in

IMPORTED = dt.datetime(2026, 11, 30, 9, 0)


def _ledger(engine: Engine) -> None:
    with engine.begin() as conn:
        led = Ledger(conn)
        eid = led.add_enterprise("acme", created_at=dt.datetime(2025, 1, 1))
        uid = led.add_user(eid, "boss", emails=["boss@acme.test"], created_at=dt.datetime(2025, 1, 1))
        led.add_enterprise_role(eid, uid, "owner", started_at=dt.datetime(2025, 1, 1))
        set_password(conn, uid, "boss-password")
    with engine.begin() as conn:
        ingest_people(conn, b"login,org,role\nada,acme-org,member\n", "acme", now=IMPORTED)
    record_failure(engine, "acme", "sync", "https://api.github.com: bad credentials (401); check the token")


def test_the_licensing_page_and_healthz_show_each_sources_freshness_coverage_and_failure(
    settings: Settings, engine: Engine
) -> None:
    _ledger(engine)
    app = create_app(settings, engine)
    now = IMPORTED + dt.timedelta(days=5)
    app.state.clock = lambda: now.replace(tzinfo=dt.timezone.utc).timestamp()
    with LiveServer(app) as live, httpx.Client(base_url=live.url, timeout=60) as client:
        health = client.get("/healthz").json()
        http_sign_in(client, "boss", "boss-password")
        page = client.get("/enterprises/acme/licensing").text

    people, sync = health["sources"]["acme"]["people"], health["sources"]["acme"]["sync"]
    assert (people["since"], people["covered"], people["failing"]) == (
        "2026-11-30T09:00:00Z",
        {"organizations": ["acme-org"], "people": 1},
        False,
    )
    assert (sync["last_success_at"], sync["failing"]) == (None, True)
    assert sync["last_failure_reason"] == "https://api.github.com: bad credentials (401); check the token"

    table = page.split('data-testid="sources"', 1)[1].split("</table>", 1)[0]
    assert '<tr data-source="people"><th>people CSV</th>' in table and "organizations: acme-org" in table
    sync_row = table.split('data-source="sync"', 1)[1].split("</tr>", 1)[0]
    assert "never succeeded" in sync_row and 'data-testid="source-failing"' in sync_row
    assert "bad credentials (401)" in sync_row
    # The history's first day (90 days back) is before the people CSV's first import.
    assert (
        'data-testid="history-no-data-before">No data before 2026-11-30 for organization memberships '
        "from the people CSV" in page
    )
