"""Alerts evaluated by the write that changes them (``alerts/commit_hook.py``): a write through
the Ledger that crosses a rule's threshold fires it as it commits, once; one that clears it
clears it, once; and an evaluation that fails never costs the write."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from alerts_support import LONG_AGO, Receiver, acme, states, write
from livesupport import SmtpSink
from seatledger.alerts.delivery import SIGNATURE_HEADER, Deliverer
from seatledger.alerts.rules import add_rule
from seatledger.config import Settings
from seatledger.db.clock import utcnow
from seatledger.db.tables_alerts import alert_rules
from seatledger.licensing import seat_totals


def test_an_alert_fires_once_when_a_write_crosses_its_threshold_once_when_it_clears_and_not_while_it_holds(
    engine: Engine, settings: Settings, smtp: SmtpSink, receiver: Receiver
) -> None:
    _eid, octo, users = acme(engine, members=3, purchased=4)
    with engine.begin() as conn:
        made = add_rule(
            conn,
            "acme",
            "consumed-percent",
            product="enterprise",
            threshold=100,
            email="billing@acme.test",
            webhook_url=receiver.url,
        )
    assert not made.rule.firing and made.webhook_secret
    assert states(engine) == []  # 3 of 4: below

    write(engine, lambda led: led.add_membership(octo, users[3], started_at=LONG_AGO))  # 4 of 4
    assert states(engine) == ["firing"]
    write(engine, lambda led: led.add_membership(octo, users[4], started_at=LONG_AGO))  # 5 of 4: still true
    write(engine, lambda led: led.add_org(led.enterprise_id("acme"), "widgets", created_at=LONG_AGO))
    assert states(engine) == ["firing"]
    now = utcnow()
    write(engine, lambda led: [led.end_membership(octo, u, at=now) for u in users[3:5]])  # 3 of 4
    assert states(engine) == ["firing", "cleared"]
    write(engine, lambda led: led.end_membership(octo, users[2], at=now))  # 2 of 4: still clear
    assert states(engine) == ["firing", "cleared"]

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


def test_an_alert_evaluation_that_fails_is_logged_and_never_fails_the_write(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    eid, octo, users = acme(engine, members=1, purchased=5)
    with engine.begin() as conn:  # a rule no code can read (its product is unknown), as if written by hand
        conn.execute(
            sa.insert(alert_rules).values(
                enterprise_id=eid,
                kind="consumed_percent",
                product="bogus",
                threshold=50,
                email="a@b.test",
                created_at=LONG_AGO,
                firing=False,
            )
        )
    with caplog.at_level("ERROR", logger="seatledger.alerts.commit_hook"):
        write(engine, lambda led: led.add_membership(octo, users[1], started_at=LONG_AGO))
    assert "alerts of enterprise" in caplog.text and "KeyError" in caplog.text
    with engine.connect() as conn:
        assert seat_totals(conn, "acme").consumed == 2  # the write committed
    assert states(engine) == []
