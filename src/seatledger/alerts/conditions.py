"""What an alert rule is: its kind, product and threshold, and its condition in words."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from seatledger.db.tables_alerts import (
    ALERT_CONSUMED_PERCENT,
    ALERT_COPILOT_IDLE,
    ALERT_EXPIRING,
    ALERT_OVER_PURCHASED,
    ALERT_SOURCE_STALE,
)
from seatledger.licensing import COPILOT_IDLE_WINDOW, SOURCE_LABELS

__all__ = ["PRODUCTS", "PRODUCT_LABELS", "AlertRule", "rule_from"]

# The products a purchased count is kept for (``seatledger billing``): a threshold is a share of it.
PRODUCTS = ("enterprise", "code_security", "secret_protection")
PRODUCT_LABELS = {
    "enterprise": "GitHub Enterprise seats",
    "code_security": "Code Security committers",
    "secret_protection": "Secret Protection committers",
}


@dataclass(frozen=True)
class AlertRule:
    id: int
    enterprise_id: int
    kind: str
    product: str | None
    threshold: int | None
    email: str | None
    webhook_url: str | None
    firing: bool
    changed_at: dt.datetime | None
    created_at: dt.datetime
    created_by: str | None

    @property
    def description(self) -> str:
        """The condition in words, e.g. "GitHub Enterprise seats at 90% of purchased or more"."""
        if self.kind == ALERT_CONSUMED_PERCENT:
            return f"{PRODUCT_LABELS[self.product or '']} at {self.threshold}% of purchased or more"
        if self.kind == ALERT_OVER_PURCHASED:
            return f"{PRODUCT_LABELS[self.product or '']} over the purchased count"
        if self.kind == ALERT_EXPIRING:
            return f"the enterprise license expires within {self.threshold} days"
        if self.kind == ALERT_COPILOT_IDLE:
            return f"more than {self.threshold} Copilot seats idle for {COPILOT_IDLE_WINDOW.days} days"
        if self.kind == ALERT_SOURCE_STALE:
            which = SOURCE_LABELS[self.product] if self.product else "a source"
            return f"{which}: no successful import for {self.threshold} hours"
        return "the interval verification found differences"


def rule_from(row: Any) -> AlertRule:
    return AlertRule(
        id=row.id,
        enterprise_id=row.enterprise_id,
        kind=row.kind,
        product=row.product,
        threshold=row.threshold,
        email=row.email,
        webhook_url=row.webhook_url,
        firing=bool(row.firing),
        changed_at=row.changed_at,
        created_at=row.created_at,
        created_by=row.created_by,
    )
