"""Tables of the alerts: the rules an enterprise sets, what each one fired, and the outbox of
its deliveries (email, signed webhooks) with a log of every attempt (migration 0008_alerts).

These are not ledger facts: ``seatledger.alerts`` writes them directly.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Index, Integer, String, Table, Text, false

from seatledger.db.schema_base import id_column, metadata

# The kinds of rule (``alert_rules.kind``).
ALERT_CONSUMED_PERCENT = "consumed_percent"  # consumed >= threshold % of purchased (a product)
ALERT_OVER_PURCHASED = "over_purchased"  # consumed > purchased (a product)
ALERT_EXPIRING = "expiring"  # the enterprise license expires within threshold days
ALERT_VERIFY_DRIFT = "verify_drift"  # the last interval verification found differences
ALERT_COPILOT_IDLE = "copilot_idle"  # more than threshold Copilot seats idle (no activity in 30 days)
ALERT_SOURCE_STALE = "source_stale"  # a source's last success is older than threshold hours (product: the source)
ALERT_KINDS = (
    ALERT_CONSUMED_PERCENT,
    ALERT_OVER_PURCHASED,
    ALERT_EXPIRING,
    ALERT_VERIFY_DRIFT,
    ALERT_COPILOT_IDLE,
    ALERT_SOURCE_STALE,
)

# An event's state: the condition became true, or stopped being true.
EVENT_FIRING = "firing"
EVENT_CLEARED = "cleared"

# A delivery's status and channel.
DELIVERY_PENDING = "pending"
DELIVERY_DELIVERED = "delivered"
DELIVERY_FAILED = "failed"
CHANNEL_EMAIL = "email"
CHANNEL_WEBHOOK = "webhook"

alert_rules = Table(
    "alert_rules",
    metadata,
    id_column(),
    Column("enterprise_id", ForeignKey("enterprises.id"), nullable=False, index=True),
    Column("kind", String(30), nullable=False),
    # consumed_percent / over_purchased; source_stale: the one source watched (none: every one)
    Column("product", String(40), nullable=True),
    Column("threshold", Integer, nullable=True),  # a percent, days (expiring), seats (copilot_idle), hours
    Column("email", String(320), nullable=True),
    Column("webhook_url", String(2000), nullable=True),
    Column("webhook_secret", String(100), nullable=True),  # HMAC key of the signature header
    Column("created_at", DateTime, nullable=False),
    Column("created_by", String(100), nullable=True),  # a login, or "cli"
    Column("removed_at", DateTime, nullable=True),
    # The condition's state as last evaluated; an event is written only when it changes.
    Column("firing", Boolean, nullable=False, default=False, server_default=false()),
    Column("changed_at", DateTime, nullable=True),
    # The enterprise's ledger version at the last evaluation: a commit that bumped it again
    # evaluates the rule again.
    Column("evaluated_version", Integer, nullable=True),
    Column("evaluated_at", DateTime, nullable=True),
)

alert_events = Table(
    "alert_events",
    metadata,
    id_column(),
    Column("rule_id", ForeignKey("alert_rules.id"), nullable=False, index=True),
    Column("enterprise_id", ForeignKey("enterprises.id"), nullable=False, index=True),
    Column("state", String(10), nullable=False),  # firing | cleared
    Column("occurred_at", DateTime, nullable=False),
    Column("summary", Text, nullable=False),  # one line, e.g. "GitHub Enterprise seats: 92 of 100 (92%)"
)

alert_deliveries = Table(
    "alert_deliveries",
    metadata,
    id_column(),
    Column("event_id", ForeignKey("alert_events.id"), nullable=False, index=True),
    Column("channel", String(10), nullable=False),  # email | webhook
    Column("target", String(2000), nullable=False),  # the address or the URL
    Column("status", String(12), nullable=False),  # pending | delivered | failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", DateTime, nullable=False),
    # Held by the deliverer sending it, so two deliverers never send one delivery twice.
    Column("lease_until", DateTime, nullable=True),
    Column("delivered_at", DateTime, nullable=True),
    Column("last_error", Text, nullable=True),
    Index("ix_alert_deliveries_status_next", "status", "next_attempt_at"),
)

alert_delivery_attempts = Table(
    "alert_delivery_attempts",
    metadata,
    id_column(),
    Column("delivery_id", ForeignKey("alert_deliveries.id"), nullable=False, index=True),
    Column("attempt", Integer, nullable=False),
    Column("attempted_at", DateTime, nullable=False),
    Column("ok", Boolean, nullable=False),
    Column("status_code", Integer, nullable=True),  # the webhook's HTTP status
    Column("error", Text, nullable=True),
)
