"""Alert rules of an enterprise: add, list, remove (``seatledger alert``, the web's Alerts page).

A rule is one condition (:data:`~seatledger.db.tables_alerts.ALERT_KINDS`) and where to tell
people: an email address, a webhook URL, or both. A webhook rule gets a random secret, shown
once when the rule is added: the receiver checks each delivery's ``X-Seatledger-Signature-256``
with it.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from seatledger.alerts.conditions import PRODUCTS, AlertRule, rule_from
from seatledger.alerts.evaluation import evaluate_enterprise
from seatledger.db.engine import inserted_id
from seatledger.db.clock import utcnow
from seatledger.db.tables_alerts import (
    ALERT_CONSUMED_PERCENT,
    ALERT_COPILOT_IDLE,
    ALERT_EXPIRING,
    ALERT_KINDS,
    ALERT_OVER_PURCHASED,
    ALERT_SOURCE_STALE,
    ALERT_VERIFY_DRIFT,
    alert_rules,
)
from seatledger.errors import InvalidInput, NotFound
from seatledger.licensing import COPILOT_IDLE_WINDOW, SOURCE_LABELS, get_enterprise

# Each kind's condition, as the web form offers it.
KIND_LABELS = {
    ALERT_CONSUMED_PERCENT: "consumed reaches a percent of purchased",
    ALERT_OVER_PURCHASED: "consumed is over purchased",
    ALERT_EXPIRING: "the license expires within N days",
    ALERT_VERIFY_DRIFT: "the interval verification finds differences",
    ALERT_COPILOT_IDLE: f"more than N Copilot seats idle for {COPILOT_IDLE_WINDOW.days} days",
    ALERT_SOURCE_STALE: "a source's last successful import is older than N hours",
}
# The sources a source-stale rule may watch (none named: every source that has imported).
SOURCES = tuple(SOURCE_LABELS)
# The inclusive range of each kind's threshold, and what its unit is.
THRESHOLDS = {
    ALERT_CONSUMED_PERCENT: (1, 1000, "a percent of purchased"),
    ALERT_EXPIRING: (0, 3650, "a number of days"),
    ALERT_COPILOT_IDLE: (0, 1_000_000, "a number of seats"),
    ALERT_SOURCE_STALE: (1, 24 * 366, "a number of hours"),
}
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_URL = 2000


@dataclass(frozen=True)
class NewRule:
    """What ``add_rule`` made: the rule, and the webhook secret (shown this once)."""

    rule: AlertRule
    webhook_secret: str | None


def parse_kind(text: str) -> str:
    """A kind from its name (``consumed-percent`` or ``consumed_percent``); InvalidInput if unknown."""
    kind = text.strip().lower().replace("-", "_")
    if kind not in ALERT_KINDS:
        raise InvalidInput(f"unknown alert kind {text!r}; one of {', '.join(k.replace('_', '-') for k in ALERT_KINDS)}")
    return kind


def _check(kind: str, product: str | None, threshold: int | None, email: str | None, webhook_url: str | None) -> None:
    if kind in (ALERT_CONSUMED_PERCENT, ALERT_OVER_PURCHASED):
        if product not in PRODUCTS:
            raise InvalidInput(f"this alert needs a product: one of {', '.join(PRODUCTS)}")
    elif kind == ALERT_SOURCE_STALE:
        if product is not None and product not in SOURCES:
            raise InvalidInput(f"the source is one of {', '.join(SOURCES)}, not {product!r}")
    elif product is not None:
        raise InvalidInput(f"the {kind.replace('_', '-')} alert takes no product")
    if kind in THRESHOLDS:
        low, high, unit = THRESHOLDS[kind]
        if threshold is None or not low <= threshold <= high:
            raise InvalidInput(f"the threshold is {unit} from {low} to {high}, not {threshold}")
    elif threshold is not None:
        raise InvalidInput(f"the {kind.replace('_', '-')} alert takes no threshold")
    if not email and not webhook_url:
        raise InvalidInput("tell someone: give an email address, a webhook URL, or both")
    if email and not EMAIL.match(email):
        raise InvalidInput(f"{email!r} is not an email address")
    if webhook_url:
        parts = urlsplit(webhook_url)
        if parts.scheme not in ("http", "https") or not parts.hostname or len(webhook_url) > MAX_URL:
            raise InvalidInput(f"the webhook URL must be an http(s) URL, not {webhook_url!r}")


def add_rule(
    conn: Connection,
    enterprise: str,
    kind: str,
    *,
    product: str | None = None,
    source: str | None = None,
    threshold: int | None = None,
    email: str | None = None,
    webhook_url: str | None = None,
    created_by: str | None = None,
    now: dt.datetime | None = None,
) -> NewRule:
    """Add a rule to ``enterprise`` (NotFound, InvalidInput); it is evaluated at once, so a
    condition already true fires now. A source-stale rule watches ``source`` (kept in the
    product column), or every source when none is named."""
    kind = parse_kind(kind)
    email = (email or "").strip().lower() or None
    webhook_url = (webhook_url or "").strip() or None
    product = (product or "").strip().lower() or None
    source = (source or "").strip().lower().replace("-", "_") or None
    if source is not None:
        if kind != ALERT_SOURCE_STALE or product is not None:
            raise InvalidInput("only the source-stale alert takes a source (and no product)")
        product = source
    _check(kind, product, threshold, email, webhook_url)
    info = get_enterprise(conn, enterprise)
    secret = secrets.token_hex(32) if webhook_url else None
    rule_id = inserted_id(
        conn.execute(
            sa.insert(alert_rules).values(
                enterprise_id=info.id,
                kind=kind,
                product=product,
                threshold=threshold,
                email=email,
                webhook_url=webhook_url,
                webhook_secret=secret,
                created_at=now or utcnow(),
                created_by=created_by,
                firing=False,
            )
        )
    )
    evaluate_enterprise(conn, info.id, at=now)
    return NewRule(get_rule(conn, enterprise, int(rule_id)), secret)


def get_rule(conn: Connection, enterprise: str, rule_id: int) -> AlertRule:
    info = get_enterprise(conn, enterprise)
    r = alert_rules
    row = conn.execute(
        sa.select(r).where(r.c.id == rule_id, r.c.enterprise_id == info.id, r.c.removed_at.is_(None))
    ).first()
    if row is None:
        raise NotFound(f"no alert {rule_id} in enterprise {enterprise!r}")
    return rule_from(row)


def list_rules(conn: Connection, enterprise: str) -> list[AlertRule]:
    """The enterprise's rules (not removed), oldest first."""
    info = get_enterprise(conn, enterprise)
    r = alert_rules
    rows = conn.execute(sa.select(r).where(r.c.enterprise_id == info.id, r.c.removed_at.is_(None)).order_by(r.c.id))
    return [rule_from(row) for row in rows]


def remove_rule(conn: Connection, enterprise: str, rule_id: int, *, now: dt.datetime | None = None) -> AlertRule:
    """Remove a rule (its history stays); NotFound if the enterprise has no such rule."""
    rule = get_rule(conn, enterprise, rule_id)
    conn.execute(sa.update(alert_rules).where(alert_rules.c.id == rule.id).values(removed_at=now or utcnow()))
    return rule
