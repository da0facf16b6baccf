"""The Licensing cards for billing states the demo does not show (a seat limit exceeded,
metered billing's estimated payment) and the USER NAMESPACED level of a managed enterprise."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Iterator

import httpx
import pytest
from sqlalchemy.engine import Engine

from seatledger import licensing
from seatledger.app import create_app
from seatledger.config import Settings
from seatledger.db.ledger import Ledger
from seatledger.demo import build_demo
from seatledger.licensing import Scope
from seatledger.web import signin_hint
from seatledger.web.accounts import set_password

from web_site import LiveServer, http_sign_in, number_of

T0 = dt.datetime(2026, 1, 1)
NOW = dt.datetime(2026, 3, 15, 12, 0)


def _serve(settings: Settings, engine: Engine) -> LiveServer:
    app = create_app(settings, engine)
    app.state.clock = lambda: NOW.replace(tzinfo=dt.timezone.utc).timestamp()
    return LiveServer(app)


def _three_members(engine: Engine, *, billing: str, purchased: int = 0) -> None:
    with engine.begin() as conn:
        led = Ledger(conn)
        eid = led.add_enterprise("acme", created_at=T0)
        led.set_product(eid, "enterprise", billing=billing, purchased=purchased)
        org = led.add_org(eid, "acme-web", created_at=T0)
        owner = led.add_user(eid, "owner", emails=["owner@acme.test"], created_at=T0)
        led.add_enterprise_role(eid, owner, "owner", started_at=T0)
        set_password(conn, owner, "owner-password")
        for login in ("ann", "bob", "cy"):
            led.add_membership(org, led.add_user(eid, login, created_at=T0), started_at=T0)


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=60, follow_redirects=True) as c:
        yield c


def test_consuming_more_than_purchased_shows_limit_exceeded(
    settings: Settings, engine: Engine, client: httpx.Client
) -> None:
    _three_members(engine, billing="volume", purchased=2)
    with _serve(settings, engine) as server:
        client.base_url = server.url
        http_sign_in(client, "owner", "owner-password")
        html = client.get("/enterprises/acme/licensing").text
    assert (number_of(html, "seats-consumed"), number_of(html, "seats-purchased")) == (3, 2)
    assert re.search(r'data-testid="seats-limit-exceeded">Limit exceeded by 1<', html)


def test_metered_billing_shows_the_estimated_monthly_payment_at_the_list_price(
    settings: Settings, engine: Engine, client: httpx.Client
) -> None:
    _three_members(engine, billing="metered")
    with _serve(settings, engine) as server:
        client.base_url = server.url
        http_sign_in(client, "owner", "owner-password")
        html = client.get("/enterprises/acme/licensing").text
    assert number_of(html, "seats-consumed") == 3
    assert 'data-testid="seats-estimated-cost">$63.00<' in html  # 3 people x $21
    assert "seats-limit-exceeded" not in html


def test_user_namespaced_table_downloads_each_namespace_of_a_managed_enterprise(
    settings: Settings, engine: Engine, client: httpx.Client
) -> None:
    build_demo(engine, size="small", managed=True, anchor=dt.datetime(2026, 3, 15))
    hint = signin_hint(settings, engine)
    assert hint is not None
    words = hint.split()
    with _serve(settings, engine) as server:
        client.base_url = server.url
        http_sign_in(client, words[words.index("as") + 1], words[words.index("password") + 1])
        html = client.get("/enterprises/acme/licensing").text
        table = html[html.index('data-testid="namespaces-user_namespace"') :]
        table = table[: table.index("</table>")]
        names = re.findall(r'<tr data-name="([^"]+)">', table)
        assert names, "the managed demo has user namespaces with active committers"
        with engine.connect() as conn:
            expected = sorted(
                n.organization
                for p in ("code_security", "secret_protection")
                for n in licensing.iter_namespace_committers(conn, "acme", p, as_of=NOW)
                if n.kind == "user_namespace"
            )
        assert names == sorted(set(expected))
        name = names[0]
        for product in ("code_security", "secret_protection"):
            with engine.connect() as conn:
                total = licensing.committer_totals(
                    conn, Scope.user_namespace(name), product, as_of=NOW
                ).total_committers
            response = client.get(f"/reports/advanced-security.csv?scope=user_namespace:{name}&product={product}")
            assert response.status_code == 200
            rows = list(csv.reader(io.StringIO(response.text)))
            assert rows[0] == ["User login", "Organization / repository", "Last pushed date", "Last pushed email"]
            assert len({r[0] for r in rows[1:]}) == total
            assert all(r[1].startswith(f"{name}/") for r in rows[1:])
