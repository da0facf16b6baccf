"""What the alerts of an enterprise fired (``alerts/history.py``): events newest first, each
with its deliveries and every attempt in order; only the enterprise's own, at most ``limit``."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from alerts_support import LONG_AGO, acme
from seatledger.alerts.history import Attempt, alert_history
from seatledger.db.engine import inserted_id
from seatledger.db.ledger import Ledger
from seatledger.db.tables_alerts import alert_deliveries, alert_delivery_attempts, alert_events, alert_rules
from seatledger.errors import NotFound

T0 = dt.datetime(2025, 3, 1, 9, 0)


def _insert(conn: Connection, table: sa.Table, **values: object) -> int:
    return int(inserted_id(conn.execute(sa.insert(table).values(**values))))


def _event(conn: Connection, rule_id: int, enterprise_id: int, state: str, at: dt.datetime) -> int:
    return _insert(
        conn,
        alert_events,
        rule_id=rule_id,
        enterprise_id=enterprise_id,
        state=state,
        occurred_at=at,
        summary=f"{state} at {at:%H:%M}",
    )


def _delivery(conn: Connection, event_id: int, channel: str, status: str, attempts: int) -> int:
    return _insert(
        conn,
        alert_deliveries,
        event_id=event_id,
        channel=channel,
        target=f"{channel}-target",
        status=status,
        attempts=attempts,
        next_attempt_at=T0 + dt.timedelta(hours=1),
    )


def test_events_come_newest_first_with_their_deliveries_and_every_attempt(engine: Engine) -> None:
    eid, _octo, _users = acme(engine, members=1, purchased=5)
    with engine.begin() as conn:
        other = Ledger(conn).add_enterprise("globex", "Globex", created_at=LONG_AGO)
        rule = _insert(
            conn,
            alert_rules,
            enterprise_id=eid,
            kind="verify_drift",
            email="ops@acme.test",
            created_at=LONG_AGO,
            firing=False,
        )
        theirs = _insert(
            conn,
            alert_rules,
            enterprise_id=other,
            kind="verify_drift",
            email="ops@globex.test",
            created_at=LONG_AGO,
            firing=False,
        )
        fired = _event(conn, rule, eid, "firing", T0)
        cleared = _event(conn, rule, eid, "cleared", T0 + dt.timedelta(minutes=30))
        _event(conn, theirs, other, "firing", T0 + dt.timedelta(minutes=45))
        mail = _delivery(conn, fired, "email", "delivered", 2)
        hook = _delivery(conn, fired, "webhook", "pending", 1)
        _delivery(conn, cleared, "email", "failed", 5)
        # Written out of order: the history orders them by attempt.
        for delivery, attempt, ok, status_code, error in [
            (mail, 2, True, None, None),
            (mail, 1, False, None, "mail: refused"),
            (hook, 1, False, 500, "HTTP 500"),
        ]:
            _insert(
                conn,
                alert_delivery_attempts,
                delivery_id=delivery,
                attempt=attempt,
                ok=ok,
                attempted_at=T0 + dt.timedelta(minutes=attempt),
                status_code=status_code,
                error=error,
            )
    with engine.connect() as conn:
        events = alert_history(conn, "acme")
        latest = alert_history(conn, "acme", limit=1)
        with pytest.raises(NotFound):
            alert_history(conn, "nope")

    assert [(e.id, e.state, e.summary) for e in events] == [
        (cleared, "cleared", "cleared at 09:30"),
        (fired, "firing", "firing at 09:00"),
    ]
    assert [e.id for e in latest] == [cleared]
    (failed,) = events[0].deliveries
    assert (failed.status, failed.attempts, failed.next_attempt_at) == ("failed", (), None)
    by_mail, by_hook = events[1].deliveries
    assert (by_mail.id, by_mail.channel, by_mail.target, by_mail.status) == (mail, "email", "email-target", "delivered")
    assert by_mail.attempts == (
        Attempt(1, T0 + dt.timedelta(minutes=1), False, None, "mail: refused"),
        Attempt(2, T0 + dt.timedelta(minutes=2), True, None, None),
    )
    assert by_mail.next_attempt_at is None  # only a pending delivery says when it is tried next
    assert by_hook.next_attempt_at == T0 + dt.timedelta(hours=1)
    assert [(a.ok, a.status_code) for a in by_hook.attempts] == [(False, 500)]


def test_an_enterprise_whose_alerts_never_fired_has_an_empty_history(engine: Engine) -> None:
    acme(engine, members=1, purchased=5)
    with engine.connect() as conn:
        assert alert_history(conn, "acme") == []
