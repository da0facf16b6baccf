"""Alerts through real parts: writes through the Ledger fire them as they commit, a real SMTP
server (aiosmtpd) and a real HTTP receiver on loopback take the deliveries, and the
deliverer's clock (not a sleep) moves retries along."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import threading
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from livesupport import SmtpSink
from seatledger.alerts.delivery import BACKOFF, SIGNATURE_HEADER, Deliverer
from seatledger.alerts.evaluation import evaluate_all
from seatledger.alerts.history import alert_history
from seatledger.alerts.rules import add_rule, list_rules, remove_rule
from seatledger.config import Settings
from seatledger.db.ledger import Ledger, utcnow
from seatledger.db.tables_alerts import alert_events, alert_rules
from seatledger.errors import InvalidInput, NotFound
from seatledger.licensing import seat_totals

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


def _acme(engine: Engine, members: int, purchased: int) -> tuple[int, int, list[int]]:
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


def _states(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(sa.select(alert_events.c.state).order_by(alert_events.c.id)).scalars())


def _write(engine: Engine, fn: Any) -> None:
    with engine.begin() as conn:
        fn(Ledger(conn))


def test_an_alert_fires_once_when_a_write_crosses_its_threshold_once_when_it_clears_and_not_while_it_holds(
    engine: Engine, settings: Settings, smtp: SmtpSink, receiver: Receiver
) -> None:
    _eid, octo, users = _acme(engine, members=3, purchased=4)
    with engine.begin() as conn:
        made = add_rule(conn, "acme", "consumed-percent", product="enterprise", threshold=100,
                        email="billing@acme.test", webhook_url=receiver.url)
    assert not made.rule.firing and made.webhook_secret
    assert _states(engine) == []  # 3 of 4: below

    _write(engine, lambda led: led.add_membership(octo, users[3], started_at=LONG_AGO))  # 4 of 4
    assert _states(engine) == ["firing"]
    _write(engine, lambda led: led.add_membership(octo, users[4], started_at=LONG_AGO))  # 5 of 4: still true
    _write(engine, lambda led: led.add_org(led.enterprise_id("acme"), "widgets", created_at=LONG_AGO))
    assert _states(engine) == ["firing"]
    now = utcnow()
    _write(engine, lambda led: [led.end_membership(octo, u, at=now) for u in users[3:5]])  # 3 of 4
    assert _states(engine) == ["firing", "cleared"]
    _write(engine, lambda led: led.end_membership(octo, users[2], at=now))  # 2 of 4: still clear
    assert _states(engine) == ["firing", "cleared"]

    mailing = settings.with_(smtp_url=f"smtp://127.0.0.1:{smtp.port}")
    assert Deliverer(mailing, engine).deliver_due() == 4
    assert [m["To"] for m in smtp.messages] == ["billing@acme.test"] * 2
    assert "is firing" in smtp.messages[0].get_payload() and "has cleared" in smtp.messages[1].get_payload()
    assert len(receiver.requests) == 2
    for (headers, body), state in zip(receiver.requests, ["firing", "cleared"]):
        expected = "sha256=" + hmac.new(made.webhook_secret.encode(), body, hashlib.sha256).hexdigest()
        assert headers[SIGNATURE_HEADER.lower()] == expected
        doc = json.loads(body)
        assert doc["state"] == state and doc["enterprise"] == "acme"
        assert doc["text"].startswith(f"[{state.upper()}] acme: GitHub Enterprise seats: ")
    assert Deliverer(mailing, engine).deliver_due() == 0  # nothing is sent twice


def test_a_failed_webhook_delivery_is_retried_with_backoff_and_every_attempt_is_logged(
    engine: Engine, settings: Settings, receiver: Receiver
) -> None:
    _eid, octo, users = _acme(engine, members=2, purchased=2)
    receiver.answers.extend([500, 503])
    with engine.begin() as conn:
        add_rule(conn, "acme", "over-purchased", product="enterprise", webhook_url=receiver.url)
    _write(engine, lambda led: led.add_membership(octo, users[2], started_at=LONG_AGO))  # 3 of 2
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
        (False, 500, "HTTP 500"), (False, 503, "HTTP 503"), (True, 200, None)]
    assert delivery.attempts[1].attempted_at - delivery.attempts[0].attempted_at == dt.timedelta(seconds=BACKOFF[0])


def test_an_expiry_alert_fires_on_the_schedule_as_the_date_comes_closer(engine: Engine) -> None:
    with engine.begin() as conn:
        led = Ledger(conn)
        eid = led.add_enterprise("acme", "Acme", created_at=LONG_AGO)
        led.set_product(eid, "enterprise", billing="volume", purchased=5, expires_at=utcnow().date() + dt.timedelta(days=40))
    with engine.begin() as conn:
        add_rule(conn, "acme", "expiring", threshold=30, email="owner@acme.test")
    assert evaluate_all(engine) == 0
    assert evaluate_all(engine, at=utcnow() + dt.timedelta(days=11)) == 1
    assert evaluate_all(engine, at=utcnow() + dt.timedelta(days=12)) == 0
    assert _states(engine) == ["firing"]
    with engine.connect() as conn:
        (event,) = alert_history(conn, "acme")
    assert "expires on" in event.summary and "(in 29 days)" in event.summary


def test_rules_are_listed_removed_and_bad_ones_refused_with_a_clear_message(engine: Engine) -> None:
    _acme(engine, members=1, purchased=5)
    with engine.begin() as conn:
        rule = add_rule(conn, "acme", "verify_drift", email="ops@acme.test").rule
        assert [r.id for r in list_rules(conn, "acme")] == [rule.id]
        remove_rule(conn, "acme", rule.id)
        assert list_rules(conn, "acme") == []
        cases = [
            (dict(kind="consumed-percent", product="enterprise", threshold=0, email="a@b.test"), "percent"),
            (dict(kind="consumed-percent", product="copilot", threshold=90, email="a@b.test"), "product"),
            (dict(kind="expiring", threshold=-1, email="a@b.test"), "days"),
            (dict(kind="weekly", email="a@b.test"), "unknown alert kind"),
            (dict(kind="verify-drift"), "email address, a webhook URL"),
            (dict(kind="verify-drift", webhook_url="ftp://x"), r"http\(s\) URL"),
            (dict(kind="verify-drift", email="nobody"), "not an email address"),
        ]
        for kwargs, message in cases:
            with pytest.raises(InvalidInput, match=message):
                add_rule(conn, "acme", **kwargs)  # type: ignore[arg-type]
        with pytest.raises(NotFound):
            add_rule(conn, "nope", "verify-drift", email="a@b.test")
        with pytest.raises(NotFound):
            remove_rule(conn, "acme", rule.id)


def _delivered(
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


def test_a_copilot_idle_alert_fires_on_the_write_and_on_the_schedule_and_clears_once(
    engine: Engine, settings: Settings, smtp: SmtpSink, receiver: Receiver
) -> None:
    now = utcnow()
    _eid, octo, users = _acme(engine, members=5, purchased=10)
    # (user, seat created, last activity): the seats as the sync would list them
    seats = [(users[0], now - dt.timedelta(days=90), now - dt.timedelta(days=1)),
             (users[1], now - dt.timedelta(days=90), now - dt.timedelta(days=40)),
             (users[2], now - dt.timedelta(days=60), None)]

    def idle_at(at: dt.datetime, held: list[tuple[int, dt.datetime, dt.datetime | None]]) -> int:
        return sum((last or created) < at - dt.timedelta(days=30) for _u, created, last in held)

    _write(engine, lambda led: [led.add_copilot_seat(octo, u, created_at=c, last_activity_at=a) for u, c, a in seats])
    threshold = idle_at(now, seats)
    with engine.begin() as conn:
        add_rule(conn, "acme", "copilot-idle", threshold=threshold, email="ops@acme.test", webhook_url=receiver.url)
    assert _states(engine) == []  # idle seats equal to the threshold: not above it

    never_used = (users[3], now - dt.timedelta(days=45), None)
    seat_ids: list[int] = []
    _write(engine, lambda led: seat_ids.append(led.add_copilot_seat(octo, never_used[0], created_at=never_used[1])))
    assert _states(engine) == ["firing"]
    _write(engine, lambda led: led.cancel_copilot_seat(seat_ids[0], now))  # the seat ends: back to the threshold
    assert _states(engine) == ["firing", "cleared"]

    later = now + dt.timedelta(days=31)  # the active seat's last use is now 32 days old
    assert idle_at(later, seats) > threshold
    assert evaluate_all(engine, at=later) == 1
    assert evaluate_all(engine, at=later + dt.timedelta(days=1)) == 0  # still true: no repeat
    assert _states(engine) == ["firing", "cleared", "firing"]

    docs = _delivered(engine, settings, smtp, receiver, later)
    assert [d["state"] for d in docs] == ["firing", "cleared", "firing"]
    assert {d["alert"]["kind"] for d in docs} == {"copilot_idle"}
    assert docs[0]["summary"].startswith(f"{idle_at(now, seats + [never_used])} Copilot seats idle for 30 days")
    assert docs[2]["summary"].startswith(f"{idle_at(later, seats)} Copilot seats idle")
    assert [m["To"] for m in smtp.messages] == ["ops@acme.test"] * 3


def test_a_source_stale_alert_fires_as_the_last_sync_ages_and_clears_with_the_next_one(
    engine: Engine, settings: Settings, smtp: SmtpSink, receiver: Receiver
) -> None:
    from seatledger.db.tables_sources import source_runs
    from seatledger.ingest.source_runs import record_failure, record_success

    eid, _octo, _users = _acme(engine, members=1, purchased=5)
    with engine.begin() as conn:
        record_success(conn, eid, "sync", {"organizations": ["octo"]})
        # The sync ran five hours ago.
        conn.execute(sa.update(source_runs).values(last_success_at=utcnow() - dt.timedelta(hours=5)))
        sync_rule = add_rule(conn, "acme", "source-stale", source="sync", threshold=6, webhook_url=receiver.url).rule
        any_rule = add_rule(conn, "acme", "source-stale", threshold=6, email="ops@acme.test").rule
    assert sync_rule.description == "GitHub API sync: no successful import for 6 hours"
    now = utcnow()
    assert evaluate_all(engine, at=now) == 0
    assert evaluate_all(engine, at=now + dt.timedelta(hours=2)) == 2  # both watch the sync
    assert evaluate_all(engine, at=now + dt.timedelta(hours=3)) == 0

    with engine.begin() as conn:
        record_success(conn, eid, "sync", {"organizations": ["octo"]})  # a new sync: fresh again
    record_failure(engine, eid, "webhook", "bad signature")  # a source that never succeeded
    assert evaluate_all(engine, at=now + dt.timedelta(hours=2)) == 1  # the sync rule clears; the other holds
    with engine.connect() as conn:
        by_rule = {(e.rule_id, e.state): e.summary for e in alert_history(conn, "acme")}
    assert set(by_rule) == {(sync_rule.id, "firing"), (sync_rule.id, "cleared"), (any_rule.id, "firing")}
    assert "GitHub API sync (last success" in by_rule[(sync_rule.id, "firing")]

    docs = _delivered(engine, settings, smtp, receiver, now + dt.timedelta(hours=2))
    assert [(d["alert"]["id"], d["state"]) for d in docs] == [(sync_rule.id, "firing"), (sync_rule.id, "cleared")]
    assert len(smtp.messages) == 1 and "no successful import for 6 hours" in smtp.messages[0]["Subject"]


def test_the_time_driven_alerts_refuse_bad_input_with_a_clear_message(engine: Engine) -> None:
    _acme(engine, members=1, purchased=5)
    cases = [
        (dict(kind="copilot-idle", email="a@b.test"), "a number of seats from 0"),
        (dict(kind="copilot-idle", threshold=-1, email="a@b.test"), "a number of seats"),
        (dict(kind="copilot-idle", threshold=3, product="enterprise", email="a@b.test"), "takes no product"),
        (dict(kind="source-stale", threshold=0, email="a@b.test"), "a number of hours from 1"),
        (dict(kind="source-stale", threshold=6, source="ftp", email="a@b.test"), "the source is one of sync"),
        (dict(kind="expiring", threshold=6, source="sync", email="a@b.test"), "only the source-stale alert"),
    ]
    with engine.begin() as conn:
        for kwargs, message in cases:
            with pytest.raises(InvalidInput, match=message):
                add_rule(conn, "acme", **kwargs)  # type: ignore[arg-type]


def test_an_alert_evaluation_that_fails_is_logged_and_never_fails_the_write(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    eid, octo, users = _acme(engine, members=1, purchased=5)
    with engine.begin() as conn:  # a rule no code can read (its product is unknown), as if written by hand
        conn.execute(sa.insert(alert_rules).values(
            enterprise_id=eid, kind="consumed_percent", product="bogus", threshold=50, email="a@b.test",
            created_at=LONG_AGO, firing=False))
    with caplog.at_level("ERROR", logger="seatledger.alerts.commit_hook"):
        _write(engine, lambda led: led.add_membership(octo, users[1], started_at=LONG_AGO))
    assert "alerts of enterprise" in caplog.text and "KeyError" in caplog.text
    with engine.connect() as conn:
        assert seat_totals(conn, "acme").consumed == 2  # the write committed
    assert _states(engine) == []
