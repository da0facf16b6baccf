"""One truth: the numbers on the Licensing pages equal the counting engine's, the REST API's,
and the row counts of the CSV files downloaded from the same pages, for the same scope."""

from __future__ import annotations

import csv
import datetime as dt
import io
import time
from typing import Iterator

import httpx
import pytest
from sqlalchemy.engine import Engine

from seatledger import licensing
from seatledger.app import create_app
from seatledger.config import Settings
from seatledger.demo import build_demo
from seatledger.licensing import Scope
from seatledger.tokens import create_token
from seatledger.web import signin_hint

from web_site import LiveServer, http_sign_in, number_of

API = {"X-GitHub-Api-Version": "2022-11-28", "Accept": "application/vnd.github+json"}


@pytest.fixture
def live(settings: Settings, engine: Engine) -> Iterator[tuple[str, str, str]]:
    """The demo as of today (the API counts at the real now, so the pages do too)."""
    today = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, hour=0, minute=0, second=0, microsecond=0)
    build_demo(engine, size="small", anchor=today)
    hint = signin_hint(settings, engine)
    assert hint is not None
    words = hint.split()
    login, password = words[words.index("as") + 1], words[words.index("password") + 1]
    with engine.begin() as conn:
        _id, token = create_token(conn, "acme", login, "admin:enterprise,admin:org,manage_billing:copilot")
    app = create_app(settings, engine)
    app.state.clock = time.time
    with LiveServer(app) as server:
        yield server.url, f"{login}\n{password}", token


def _rows(client: httpx.Client, url: str) -> list[list[str]]:
    response = client.get(url)
    assert response.status_code == 200, response.text[:300]
    return list(csv.reader(io.StringIO(response.text)))


def test_enterprise_page_numbers_equal_the_engine_the_api_and_the_csv(
    live: tuple[str, str, str], engine: Engine
) -> None:
    url, credentials, token = live
    login, password = credentials.split("\n")
    api = httpx.Client(base_url=url + "/api/v3", timeout=60, headers={**API, "Authorization": f"Bearer {token}"})
    with httpx.Client(base_url=url, follow_redirects=True, timeout=60) as web:
        assert http_sign_in(web, login, password).status_code == 200
        html = web.get("/enterprises/acme/licensing").text
        with engine.connect() as conn:
            now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
            engine_consumed = licensing.count_consumed(conn, "acme", as_of=now)
            engine_ghas = {
                p: licensing.committer_totals(conn, Scope.enterprise("acme"), p, as_of=now).total_committers
                for p in ("code_security", "secret_protection")
            }
        consumed = number_of(html, "seats-consumed")
        assert consumed == engine_consumed
        assert api.get("/enterprises/acme/consumed-licenses").json()["total_seats_consumed"] == consumed
        assert len(_rows(web, "/reports/license-usage.csv?scope=enterprise:acme")) - 1 == consumed

        for product, total in engine_ghas.items():
            shown = number_of(html, f"ghas-{product}-committers")
            assert shown == total
            body = api.get(
                "/enterprises/acme/settings/billing/advanced-security", params={"advanced_security_product": product}
            ).json()
            assert body["total_advanced_security_committers"] == shown
            rows = _rows(web, f"/reports/advanced-security.csv?scope=enterprise:acme&product={product}")
            assert len({r[0] for r in rows[1:]}) == shown

        seats_shown = number_of(html, "copilot-total")
        api_seats = api.get("/enterprises/acme/copilot/billing/seats", params={"per_page": 1}).json()["total_seats"]
        assert seats_shown == api_seats
        assert len(_rows(web, "/reports/copilot-activity.csv?scope=enterprise:acme")) - 1 == seats_shown


def test_org_page_numbers_equal_the_api_and_the_csv(live: tuple[str, str, str], engine: Engine) -> None:
    url, credentials, token = live
    login, password = credentials.split("\n")
    api = httpx.Client(base_url=url + "/api/v3", timeout=60, headers={**API, "Authorization": f"Bearer {token}"})
    with httpx.Client(base_url=url, follow_redirects=True, timeout=60) as web:
        http_sign_in(web, login, password)
        org = "acme-platform"
        html = web.get(f"/orgs/{org}/licensing").text
        for product in ("code_security", "secret_protection"):
            shown = number_of(html, f"ghas-{product}-committers")
            body = api.get(
                f"/orgs/{org}/settings/billing/advanced-security", params={"advanced_security_product": product}
            ).json()
            assert body["total_advanced_security_committers"] == shown
            rows = _rows(web, f"/reports/advanced-security.csv?scope=organization:{org}&product={product}")
            assert len({r[0] for r in rows[1:]}) == shown
        seats_shown = number_of(html, "copilot-total")
        assert api.get(f"/orgs/{org}/copilot/billing").json()["seat_breakdown"]["total"] == seats_shown
        assert len(_rows(web, f"/reports/copilot-activity.csv?scope=organization:{org}")) - 1 == seats_shown
        consumed = number_of(html, "seats-consumed")
        assert len(_rows(web, f"/reports/license-usage.csv?scope=organization:{org}")) - 1 == consumed
