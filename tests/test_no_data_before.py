"""An answer for an instant before a source's first import says "no data before" on every
surface instead of reading as zero (issue 18 item 5's statement): ``summary`` (JSON and
table), the REST usage answers (a header beside GitHub's JSON) and the pages."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import httpx
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from seatledger import tokens
from seatledger.app import create_app
from seatledger.cli import app as cli
from seatledger.config import Settings
from seatledger.db.ledger import Ledger
from seatledger.ingest.people import ingest_people
from seatledger.licensing import data_gaps
from seatledger.web.accounts import set_password
from tests.livesupport import LiveServer

IMPORTED = dt.datetime(2026, 11, 30, 9, 0)
STATEMENT = "no data before 2026-11-30 for organization memberships from the people CSV"


def _imported(engine: Engine) -> None:
    with engine.begin() as conn:
        led = Ledger(conn)
        eid = led.add_enterprise("acme", created_at=dt.datetime(2025, 1, 1))
        uid = led.add_user(eid, "boss", created_at=dt.datetime(2025, 1, 1))
        led.add_enterprise_role(eid, uid, "owner", started_at=dt.datetime(2025, 1, 1))
        set_password(conn, uid, "boss-password")
    with engine.begin() as conn:
        ingest_people(conn, b"login,org,role\nada,acme-org,member\nbob,acme-org,member\n", "acme", now=IMPORTED)


def test_an_instant_before_an_undated_sources_first_import_is_stated_not_counted_as_zero(engine: Engine) -> None:
    _imported(engine)
    with engine.connect() as conn:
        assert [g.statement for g in data_gaps(conn, "acme", IMPORTED - dt.timedelta(seconds=1))] == [STATEMENT]
        assert data_gaps(conn, "acme", IMPORTED) == []


def test_summary_says_no_data_before_in_json_and_under_the_table(engine: Engine, db_url: str, tmp_path: Path) -> None:
    _imported(engine)
    env = {"SEATLEDGER_DATABASE_URL": db_url, "SEATLEDGER_DATA_DIR": str(tmp_path / "data")}
    before = CliRunner().invoke(cli, ["summary", "--enterprise", "acme", "--as-of", "2026-11-15", "--json"], env=env)
    doc = json.loads(before.stdout)
    assert (doc["seats"]["consumed"], doc["no_data_before"]) == (0, [STATEMENT])
    after = CliRunner().invoke(cli, ["summary", "--enterprise", "acme", "--as-of", "2026-12-01", "--json"], env=env)
    assert (json.loads(after.stdout)["seats"]["consumed"], json.loads(after.stdout)["no_data_before"]) == (2, [])
    table = CliRunner().invoke(cli, ["summary", "--enterprise", "acme", "--as-of", "2026-11-15"], env=env)
    assert f"Note: {STATEMENT}." in table.stdout


def test_the_usage_api_says_no_data_before_in_a_header_for_a_period_before_the_first_import(
    settings: Settings, engine: Engine
) -> None:
    _imported(engine)
    with engine.begin() as conn:
        _id, token = tokens.create_token(conn, "acme", "boss", "read:enterprise,manage_billing:enterprise")
    app = create_app(settings, engine)
    app.state.billing_clock = lambda: dt.date(2026, 12, 5)
    auth = {"Authorization": f"Bearer {token}"}
    with LiveServer(app) as live, httpx.Client(base_url=live.url, headers=auth, timeout=60) as api:
        november = api.get("/api/v3/enterprises/acme/settings/billing/usage", params={"year": 2026, "month": 11})
        december = api.get("/api/v3/enterprises/acme/settings/billing/usage", params={"year": 2026, "month": 12})
        summary = api.get("/api/v3/enterprises/acme/settings/billing/usage/summary", params={"year": 2026, "month": 11})
    assert november.status_code == 200, november.text
    assert november.headers["X-Seatledger-No-Data-Before"] == STATEMENT
    assert summary.headers["X-Seatledger-No-Data-Before"] == STATEMENT
    assert december.status_code == 200 and "X-Seatledger-No-Data-Before" not in december.headers


def test_the_summary_page_says_no_data_before_for_an_instant_before_the_first_import(
    settings: Settings, engine: Engine
) -> None:
    from tests.web.web_site import http_sign_in

    _imported(engine)
    with LiveServer(create_app(settings, engine)) as live, httpx.Client(base_url=live.url, timeout=60) as client:
        http_sign_in(client, "boss", "boss-password")
        before = client.get("/summary", params={"as_of": "2026-11-15"}).text
        after = client.get("/summary", params={"as_of": "2026-12-01"}).text
    assert f'data-testid="no-data-before">N{STATEMENT[1:]}: the numbers below do not include them.' in before
    assert 'data-testid="no-data-before"' not in after
