"""Helpers of the alert tests: a real HTTP receiver on loopback for the webhooks, a clock the
deliverer reads (not a sleep), and a small enterprise whose seat count a test moves."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from livesupport import SmtpSink
from seatledger.alerts.delivery import Deliverer
from seatledger.config import Settings
from seatledger.db.ledger import Ledger
from seatledger.db.tables_alerts import alert_events

LONG_AGO = dt.datetime(2024, 1, 1)


class Receiver:
    """A real HTTP server on loopback that keeps every POST and answers the statuses queued
    in ``answers`` (then 200)."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.answers: deque[int] = deque()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                outer.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                status = outer.answers.popleft() if outer.answers else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "Receiver":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as r:
        yield r


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime.now(dt.timezone.utc).timestamp()

    def __call__(self) -> float:
        return self.now


def acme(engine: Engine, members: int, purchased: int) -> tuple[int, int, list[int]]:
    """acme with org octo, ``members`` members, and ``purchased`` enterprise seats (volume)."""
    with engine.begin() as conn:
        led = Ledger(conn)
        eid = led.add_enterprise("acme", "Acme", created_at=LONG_AGO)
        led.set_product(eid, "enterprise", billing="volume", purchased=purchased)
        octo = led.add_org(eid, "octo", created_at=LONG_AGO)
        users = []
        for i in range(members + 3):
            users.append(led.add_user(eid, f"u{i}", emails=[f"u{i}@acme.test"], created_at=LONG_AGO))
        for uid in users[:members]:
            led.add_membership(octo, uid, started_at=LONG_AGO)
    return eid, octo, users


def states(engine: Engine) -> list[str]:
    """The state of every alert event, oldest first."""
    with engine.connect() as conn:
        return list(conn.execute(sa.select(alert_events.c.state).order_by(alert_events.c.id)).scalars())


def write(engine: Engine, fn: Any) -> None:
    """``fn(ledger)`` in a transaction of its own: the commit evaluates the alerts."""
    with engine.begin() as conn:
        fn(Ledger(conn))


def delivered(
    engine: Engine, settings: Settings, smtp: SmtpSink, receiver: Receiver, at: dt.datetime
) -> list[dict[str, Any]]:
    """Send what is due at ``at`` to the real SMTP sink and receiver; the webhook bodies, in order."""
    mailing = settings.with_(smtp_url=f"smtp://127.0.0.1:{smtp.port}")
    clock = Clock()
    clock.now = at.replace(tzinfo=dt.timezone.utc).timestamp()
    deliverer = Deliverer(mailing, engine, clock=clock)
    try:
        deliverer.deliver_due()
    finally:
        deliverer.close()
    return [json.loads(body) for _headers, body in receiver.requests]
