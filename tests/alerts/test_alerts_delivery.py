"""Sending what alerts fired (``alerts/delivery.py``): a webhook answered with an error is
retried after the backoff, read off the deliverer's clock, and every attempt is logged."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.engine import Engine

from alerts_support import LONG_AGO, Clock, Receiver, acme, write
from seatledger.alerts.delivery import BACKOFF, Deliverer
from seatledger.alerts.history import alert_history
from seatledger.alerts.rules import add_rule
from seatledger.config import Settings


def test_a_failed_webhook_delivery_is_retried_with_backoff_and_every_attempt_is_logged(
    engine: Engine, settings: Settings, receiver: Receiver
) -> None:
    _eid, octo, users = acme(engine, members=2, purchased=2)
    receiver.answers.extend([500, 503])
    with engine.begin() as conn:
        add_rule(conn, "acme", "over-purchased", product="enterprise", webhook_url=receiver.url)
    write(engine, lambda led: led.add_membership(octo, users[2], started_at=LONG_AGO))  # 3 of 2
    clock = Clock()  # read after the write: the delivery is due from the instant it fired
    deliverer = Deliverer(settings, engine, clock=clock)
    assert deliverer.deliver_due() == 1  # 500
    assert deliverer.deliver_due() == 0  # not due before its backoff
    clock.now += BACKOFF[0]
    assert deliverer.deliver_due() == 1  # 503
    clock.now += BACKOFF[1]
    assert deliverer.deliver_due() == 1  # 200
    assert len(receiver.requests) == 3
    assert len({h["x-seatledger-delivery"] for h, _b in receiver.requests}) == 1  # one delivery, three tries
    with engine.connect() as conn:
        (event,) = alert_history(conn, "acme")
    (delivery,) = event.deliveries
    assert (event.state, delivery.status) == ("firing", "delivered")
    assert [(a.ok, a.status_code, a.error) for a in delivery.attempts] == [
        (False, 500, "HTTP 500"),
        (False, 503, "HTTP 503"),
        (True, 200, None),
    ]
    assert delivery.attempts[1].attempted_at - delivery.attempts[0].attempted_at == dt.timedelta(seconds=BACKOFF[0])
