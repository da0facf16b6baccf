"""The enterprise the digest tests send digests of, and the instants they send them at."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.engine import Engine

from seatledger.db.ledger import Ledger

T0 = dt.datetime(2026, 1, 1)
NOW = dt.datetime(2026, 11, 2, 6, 7)
SUBSCRIBED = NOW - dt.timedelta(days=8)


def build_acme(engine: Engine) -> dict[str, int]:
    """acme (10 seats bought) with org octo; mona (billing manager), bob and carol (owners) and
    dave (billing manager) may read it; members join and leave during the digest's week."""
    with engine.begin() as conn:
        led = Ledger(conn)
        eid = led.add_enterprise("acme", "Acme", created_at=T0)
        led.set_product(eid, "enterprise", billing="volume", purchased=10)
        octo = led.add_org(eid, "octo", created_at=T0)
        ids = {}
        for login, role in [
            ("mona", "billing_manager"),
            ("bob", "owner"),
            ("carol", "owner"),
            ("dave", "billing_manager"),
        ]:
            ids[login] = led.add_user(eid, login, emails=[f"{login}@acme.test"], created_at=T0)
            led.add_enterprise_role(eid, ids[login], role, started_at=T0)
        for i in range(5):
            ids[f"m{i}"] = led.add_user(eid, f"m{i}", emails=[f"m{i}@acme.test"], created_at=T0)
        for i in range(3):
            led.add_membership(octo, ids[f"m{i}"], started_at=T0)
        led.add_membership(octo, ids["m3"], started_at=NOW - dt.timedelta(days=3))
        led.end_membership(octo, ids["m0"], at=NOW - dt.timedelta(days=2))
        led.add_copilot_seat(octo, ids["m1"], created_at=T0, last_activity_at=NOW - dt.timedelta(days=1))
        led.add_copilot_seat(octo, ids["m2"], created_at=T0, last_activity_at=NOW - dt.timedelta(days=45))
        led.add_copilot_seat(octo, ids["m4"], created_at=NOW - dt.timedelta(days=60))
        # to reclaim: a dormant member, an invitation pending for months, a seat never used
        ids["dora"] = led.add_user(eid, "dora", created_at=T0, dormant=True)
        led.add_membership(octo, ids["dora"], started_at=T0)
        led.add_invitation(octo, email="ivy@elsewhere.test", created_at=NOW - dt.timedelta(days=100))
        led.add_copilot_seat(octo, ids["m3"], created_at=T0)
        ids["enterprise"] = eid
    return ids
