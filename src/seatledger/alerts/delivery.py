"""Sending what alerts fired: email through the mail path, and signed outbound webhooks.

Deliveries wait in ``alert_deliveries`` (written with the event, in the transaction that
fired it). :func:`deliver_due` sends the ones due: it takes a lease on each (so two
deliverers never send one twice), sends outside any transaction, logs the attempt
(``alert_delivery_attempts``) and either marks it delivered or schedules the next attempt
after :data:`BACKOFF` — failed for good after :data:`MAX_ATTEMPTS`.

A webhook is a ``POST`` of JSON with a Slack-compatible ``text`` (an incoming-webhook URL
works as is) and the event's fields; ``X-Seatledger-Signature-256: sha256=<hex>`` is the
HMAC-SHA256 of the exact body with the rule's secret. Any 2xx answer is a delivery.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import smtplib
import time
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any, Callable

import httpx
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from seatledger.alerts.conditions import rule_from
from seatledger.config import Settings
from seatledger.db.clock import utc_at
from seatledger.db.tables import enterprises
from seatledger.db.tables_alerts import (
    CHANNEL_EMAIL,
    DELIVERY_DELIVERED,
    DELIVERY_FAILED,
    DELIVERY_PENDING,
    EVENT_FIRING,
    alert_deliveries,
    alert_delivery_attempts,
    alert_events,
    alert_rules,
)
from seatledger.exports.mail import Mailer, mailer_for, new_message

SIGNATURE_HEADER = "X-Seatledger-Signature-256"
# Seconds to wait before attempt 2, 3, ...; after MAX_ATTEMPTS failures the delivery fails.
BACKOFF = (30, 120, 600, 3600)
MAX_ATTEMPTS = len(BACKOFF) + 1
WEBHOOK_TIMEOUT_S = 10
# How long a deliverer holds a delivery it is sending.
LEASE = dt.timedelta(seconds=WEBHOOK_TIMEOUT_S * 3)
# Deliveries taken per call of deliver_due.
BATCH = 100

Clock = Callable[[], float]


def signature(secret: str, body: bytes) -> str:
    """The header value a receiver recomputes to trust a delivery."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class _Due:
    id: int
    channel: str
    target: str
    attempts: int
    event_id: int
    state: str
    occurred_at: dt.datetime
    summary: str
    enterprise: str
    rule: Any
    secret: str | None


def _payload(d: _Due) -> dict[str, Any]:
    rule = rule_from(d.rule)
    word = "FIRING" if d.state == EVENT_FIRING else "CLEARED"
    return {
        "text": f"[{word}] {d.enterprise}: {d.summary} (alert {rule.id}: {rule.description})",
        "event_id": d.event_id,
        "state": d.state,
        "enterprise": d.enterprise,
        "occurred_at": d.occurred_at.replace(microsecond=0).isoformat() + "Z",
        "summary": d.summary,
        "alert": {
            "id": rule.id,
            "kind": rule.kind,
            "product": rule.product,
            "threshold": rule.threshold,
            "description": rule.description,
        },
    }


def _email(settings: Settings, d: _Due) -> EmailMessage:
    p = _payload(d)
    state = "is firing" if d.state == EVENT_FIRING else "has cleared"
    return new_message(
        settings,
        d.target,
        f"[seatledger] {p['text']}",
        d.enterprise,
        f"The alert {p['alert']['description']!r} of enterprise {d.enterprise} {state}.\n\n"
        f"{d.summary}\n\nAt {p['occurred_at']}.\n",
    )


class Deliverer:
    """Sends due deliveries with one mailer and one HTTP client (tests pass their own clock)."""

    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        *,
        mailer: Mailer | None = None,
        client: httpx.Client | None = None,
        clock: Clock = time.time,
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.mailer = mailer or mailer_for(settings)
        self._owns_client = client is None
        self.client = client or httpx.Client(timeout=WEBHOOK_TIMEOUT_S, follow_redirects=False)
        self.clock = clock

    def close(self) -> None:
        if self._owns_client:
            self.client.close()

    def _now(self) -> dt.datetime:
        return utc_at(self.clock()).replace(microsecond=0)

    def _claim(self) -> list[_Due]:
        d, e, r, x = alert_deliveries, alert_events, alert_rules, enterprises
        now = self._now()
        with self.engine.begin() as conn:
            rows = conn.execute(
                sa.select(
                    d.c.id.label("delivery_id"),
                    d.c.channel,
                    d.c.target,
                    d.c.attempts,
                    e.c.id.label("event_id"),
                    e.c.state,
                    e.c.occurred_at,
                    e.c.summary,
                    x.c.slug,
                    r,
                )
                .select_from(
                    d.join(e, e.c.id == d.c.event_id)
                    .join(r, r.c.id == e.c.rule_id)
                    .join(x, x.c.id == e.c.enterprise_id)
                )
                .where(
                    d.c.status == DELIVERY_PENDING,
                    d.c.next_attempt_at <= now,
                    sa.or_(d.c.lease_until.is_(None), d.c.lease_until < now),
                )
                .order_by(d.c.next_attempt_at, d.c.id)
                .limit(BATCH)
            ).all()
            taken = []
            for row in rows:
                got = conn.execute(
                    sa.update(d)
                    .where(
                        d.c.id == row.delivery_id,
                        d.c.status == DELIVERY_PENDING,
                        sa.or_(d.c.lease_until.is_(None), d.c.lease_until < now),
                    )
                    .values(lease_until=now + LEASE)
                ).rowcount
                if got == 1:
                    taken.append(
                        _Due(
                            row.delivery_id,
                            row.channel,
                            row.target,
                            row.attempts,
                            row.event_id,
                            row.state,
                            row.occurred_at,
                            row.summary,
                            row.slug,
                            row,
                            row.webhook_secret,
                        )
                    )
        return taken

    def _send(self, due: _Due) -> tuple[bool, int | None, str | None]:
        if due.channel == CHANNEL_EMAIL:
            try:
                self.mailer.send(_email(self.settings, due))
            except (OSError, smtplib.SMTPException) as exc:
                return False, None, f"mail: {exc}"
            return True, None, None
        body = json.dumps(_payload(due), separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "seatledger-alerts",
            "X-Seatledger-Event": "alert",
            "X-Seatledger-Delivery": str(due.id),
        }
        if due.secret:
            headers[SIGNATURE_HEADER] = signature(due.secret, body)
        try:
            answer = self.client.post(due.target, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return False, None, f"{type(exc).__name__}: {exc}"
        if 200 <= answer.status_code < 300:
            return True, answer.status_code, None
        return False, answer.status_code, f"HTTP {answer.status_code}"

    def _record(self, due: _Due, ok: bool, status_code: int | None, error: str | None) -> None:
        d = alert_deliveries
        now = self._now()
        attempt = due.attempts + 1
        values: dict[str, Any] = {"attempts": attempt, "lease_until": None, "last_error": error}
        if ok:
            values.update(status=DELIVERY_DELIVERED, delivered_at=now)
        elif attempt >= MAX_ATTEMPTS:
            values.update(status=DELIVERY_FAILED)
        else:
            values.update(next_attempt_at=now + dt.timedelta(seconds=BACKOFF[attempt - 1]))
        with self.engine.begin() as conn:
            conn.execute(sa.update(d).where(d.c.id == due.id).values(**values))
            conn.execute(
                sa.insert(alert_delivery_attempts).values(
                    delivery_id=due.id,
                    attempt=attempt,
                    attempted_at=now,
                    ok=ok,
                    status_code=status_code,
                    error=error,
                )
            )

    def deliver_due(self) -> int:
        """Send every delivery due now; returns how many were attempted."""
        attempted = 0
        while batch := self._claim():
            for due in batch:
                ok, status_code, error = self._send(due)
                self._record(due, ok, status_code, error)
                attempted += 1
            if len(batch) < BATCH:
                break
        return attempted
