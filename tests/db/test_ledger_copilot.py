"""Copilot seats: a cancellation ends the seat at its date and can be withdrawn; a seat listed
again is the same seat brought up to date, each upsert saying what it did."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from seatledger.db import tables as t
from tests.factories import T0, EnterpriseBuilder

DAY = dt.timedelta(days=1)
FEB = dt.datetime(2026, 2, 1)


def _seats(conn: Connection, user_id: int) -> list[tuple[object, ...]]:
    cs = t.copilot_seats
    return [
        tuple(r)
        for r in conn.execute(
            sa.select(cs.c.plan, cs.c.pending_cancellation_date, cs.c.ended_at)
            .where(cs.c.user_id == user_id)
            .order_by(cs.c.id)
        )
    ]


def test_a_cancelled_seat_ends_at_its_date_until_the_cancellation_is_withdrawn(engine: Engine) -> None:
    with engine.begin() as conn:
        b = EnterpriseBuilder(conn)
        octo, ann = b.org("octo"), b.user("ann")
        seat = b.ledger.add_copilot_seat(octo, ann, created_at=T0)
        b.ledger.cancel_copilot_seat(seat, FEB)
        assert _seats(conn, ann) == [("business", FEB.date(), FEB)]
        b.ledger.withdraw_copilot_cancellation(seat)
        assert _seats(conn, ann) == [("business", None, None)]


def test_a_listed_seat_is_brought_up_to_date_and_a_listing_without_a_cancellation_reopens_it(engine: Engine) -> None:
    with engine.begin() as conn:
        b = EnterpriseBuilder(conn)
        octo, ann = b.org("octo"), b.user("ann")
        led = b.ledger
        assert led.upsert_copilot_seat(octo, ann, created_at=T0, at=T0 + DAY) == "created"
        assert led.upsert_copilot_seat(octo, ann, pending_cancellation_date=FEB.date(), at=T0 + 2 * DAY) == "updated"
        assert _seats(conn, ann) == [("business", FEB.date(), FEB)]
        assert led.upsert_copilot_seat(octo, ann, plan="enterprise", at=T0 + 3 * DAY) == "updated"
        assert led.upsert_copilot_seat(octo, ann, plan="enterprise", at=T0 + 3 * DAY) == "unchanged"
        assert _seats(conn, ann) == [("enterprise", None, None)]
