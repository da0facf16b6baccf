"""Evaluating alert rules (``alerts/evaluation.py``): the conditions time alone changes fire on
the schedule (``evaluate_all``), once when they become true and once when they clear."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from alerts_support import LONG_AGO, Receiver, acme, delivered, states, write
from livesupport import SmtpSink
from seatledger.alerts.evaluation import evaluate_all
from seatledger.alerts.history import alert_history
from seatledger.alerts.rules import add_rule
from seatledger.config import Settings
from seatledger.db.clock import utcnow
from seatledger.db.ledger import Ledger


def test_an_expiry_alert_fires_on_the_schedule_as_the_date_comes_closer(engine: Engine) -> None:
    with engine.begin() as conn:
        led = Ledger(conn)
        eid = led.add_enterprise("acme", "Acme", created_at=LONG_AGO)
        led.set_product(
            eid, "enterprise", billing="volume", purchased=5, expires_at=utcnow().date() + dt.timedelta(days=40)
        )
    with engine.begin() as conn:
        add_rule(conn, "acme", "expiring", threshold=30, email="owner@acme.test")
    assert evaluate_all(engine) == 0
    assert evaluate_all(engine, at=utcnow() + dt.timedelta(days=11)) == 1
    assert evaluate_all(engine, at=utcnow() + dt.timedelta(days=12)) == 0
    assert states(engine) == ["firing"]
    with engine.connect() as conn:
        (event,) = alert_history(conn, "acme")
    assert "expires on" in event.summary and "(in 29 days)" in event.summary


def test_a_copilot_idle_alert_fires_on_the_write_and_on_the_schedule_and_clears_once(
    engine: Engine, settings: Settings, smtp: SmtpSink, receiver: Receiver
) -> None:
    now = utcnow()
    _eid, octo, users = acme(engine, members=5, purchased=10)
    # (user, seat created, last activity): the seats as the sync would list them
    seats = [
        (users[0], now - dt.timedelta(days=90), now - dt.timedelta(days=1)),
        (users[1], now - dt.timedelta(days=90), now - dt.timedelta(days=40)),
        (users[2], now - dt.timedelta(days=60), None),
    ]

    def idle_at(at: dt.datetime, held: list[tuple[int, dt.datetime, dt.datetime | None]]) -> int:
        return sum((last or created) < at - dt.timedelta(days=30) for _u, created, last in held)

    write(engine, lambda led: [led.add_copilot_seat(octo, u, created_at=c, last_activity_at=a) for u, c, a in seats])
    threshold = idle_at(now, seats)
    with engine.begin() as conn:
        add_rule(conn, "acme", "copilot-idle", threshold=threshold, email="ops@acme.test", webhook_url=receiver.url)
    assert states(engine) == []  # idle seats equal to the threshold: not above it

    never_used = (users[3], now - dt.timedelta(days=45), None)
    seat_ids: list[int] = []
    write(engine, lambda led: seat_ids.append(led.add_copilot_seat(octo, never_used[0], created_at=never_used[1])))
    assert states(engine) == ["firing"]
    write(engine, lambda led: led.cancel_copilot_seat(seat_ids[0], now))  # the seat ends: back to the threshold
    assert states(engine) == ["firing", "cleared"]

    later = now + dt.timedelta(days=31)  # the active seat's last use is now 32 days old
    assert idle_at(later, seats) > threshold
    assert evaluate_all(engine, at=later) == 1
    assert evaluate_all(engine, at=later + dt.timedelta(days=1)) == 0  # still true: no repeat
    assert states(engine) == ["firing", "cleared", "firing"]

    docs = delivered(engine, settings, smtp, receiver, later)
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

    eid, _octo, _users = acme(engine, members=1, purchased=5)
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

    docs = delivered(engine, settings, smtp, receiver, now + dt.timedelta(hours=2))
    assert [(d["alert"]["id"], d["state"]) for d in docs] == [(sync_rule.id, "firing"), (sync_rule.id, "cleared")]
    assert len(smtp.messages) == 1 and "no successful import for 6 hours" in smtp.messages[0]["Subject"]
