"""``GET /enterprise/settings/license`` (``api/server_license.py``): the license summary a
server's site admin reads, answered to the enterprise's owners only."""

from __future__ import annotations

import datetime as dt

import httpx

from seatledger.api.server_license import license_info
from seatledger.db import tables as t
from seatledger.db.clock import utcnow
from seatledger.db.ledger import Ledger
from seatledger.licensing.seats import SeatTotals
from test_api_auth import assert_github_error


def test_server_license_for_metered_billing_has_as_many_seats_as_used(api: httpx.Client, api_world) -> None:
    body = api.get("/enterprise/settings/license", headers=api_world.auth("owner")).json()
    assert body == {
        "seats": 11,
        "seats_used": 11,
        "seats_available": 0,
        "kind": "metered",
        "days_until_expiration": None,
        "expire_at": None,
    }


def test_server_license_for_volume_billing_counts_down_to_the_expiry(api: httpx.Client, api_world) -> None:
    expires = utcnow().date() + dt.timedelta(days=40)
    with api_world.engine.begin() as conn:
        led = Ledger(conn)
        led.set_product(
            led.enterprise_id("acme"), t.PRODUCT_ENTERPRISE, billing="volume", purchased=25, expires_at=expires
        )
    body = api.get("/enterprise/settings/license", headers=api_world.auth("owner")).json()
    assert body == {
        "seats": 25,
        "seats_used": 11,
        "seats_available": 14,
        "kind": "volume",
        "days_until_expiration": 40,
        "expire_at": expires.isoformat() + "T00:00:00Z",
    }
    consumed = api.get("/enterprises/acme/consumed-licenses", headers=api_world.auth("owner")).json()
    assert consumed["total_seats_purchased"] == 25


def test_server_license_is_404_for_anyone_but_an_enterprise_owner(api: httpx.Client, api_world) -> None:
    assert_github_error(api.get("/enterprise/settings/license", headers=api_world.auth("billing")), 404)
    assert_github_error(api.get("/enterprise/settings/license", headers=api_world.auth("alice")), 404)
    assert api.get("/enterprise/settings/license", headers=api_world.auth("owner")).status_code == 200


def test_an_expired_and_overused_volume_license_has_no_days_and_no_seats_left() -> None:
    totals = SeatTotals(
        consumed=12,
        purchased=10,
        available=0,
        over_limit=2,
        billing="volume",
        expires_at=dt.date(2026, 3, 31),
        enterprise_licenses=12,
        visual_studio_licenses=0,
        cloud_users=12,
        server_only_users=0,
        invited_only_users=0,
        billable_this_month=12,
    )
    info = license_info(totals, dt.date(2026, 4, 15))
    assert (info.seats, info.seats_used, info.seats_available) == (10, 12, 0)
    assert info.days_until_expiration == 0 and info.expire_at == dt.datetime(2026, 3, 31)
