"""What an alert rule is (``alerts/conditions.py``): each kind's condition in words, as the
CLI, the Alerts page, the emails and the webhooks' ``text`` show it, and a rule read back
from its row."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from alerts_support import LONG_AGO, acme
from seatledger.alerts.conditions import PRODUCT_LABELS, PRODUCTS, AlertRule, rule_from
from seatledger.db.tables_alerts import ALERT_KINDS, alert_rules


def _rule(kind: str, product: str | None = None, threshold: int | None = None) -> AlertRule:
    return AlertRule(
        id=1,
        enterprise_id=1,
        kind=kind,
        product=product,
        threshold=threshold,
        email="a@b.test",
        webhook_url=None,
        firing=False,
        changed_at=None,
        created_at=LONG_AGO,
        created_by=None,
    )


def test_each_kind_says_its_condition_with_its_product_and_threshold() -> None:
    said = {
        kind: _rule(kind, product, threshold).description
        for kind, product, threshold in [
            ("consumed_percent", "enterprise", 90),
            ("over_purchased", "code_security", None),
            ("expiring", None, 30),
            ("verify_drift", None, None),
            ("copilot_idle", None, 5),
            ("source_stale", "sync", 12),
        ]
    }
    assert said == {
        "consumed_percent": "GitHub Enterprise seats at 90% of purchased or more",
        "over_purchased": "Code Security committers over the purchased count",
        "expiring": "the enterprise license expires within 30 days",
        "verify_drift": "the interval verification found differences",
        "copilot_idle": "more than 5 Copilot seats idle for 30 days",
        "source_stale": "GitHub API sync: no successful import for 12 hours",
    }
    # Every kind has words of its own: a kind added without them would read as another's.
    assert set(said) == set(ALERT_KINDS)
    assert len(set(said.values())) == len(said)


def test_every_product_a_threshold_is_kept_for_has_a_label_and_a_stale_rule_without_a_source_watches_all() -> None:
    assert set(PRODUCT_LABELS) == set(PRODUCTS)
    for product in PRODUCTS:
        assert _rule("over_purchased", product).description == f"{PRODUCT_LABELS[product]} over the purchased count"
    assert _rule("source_stale", None, 6).description == "a source: no successful import for 6 hours"


def test_a_rule_is_read_back_from_its_row_as_written(engine: Engine) -> None:
    eid, _octo, _users = acme(engine, members=1, purchased=5)
    changed = dt.datetime(2025, 6, 1, 12, 30)
    with engine.begin() as conn:
        conn.execute(
            sa.insert(alert_rules).values(
                enterprise_id=eid,
                kind="consumed_percent",
                product="enterprise",
                threshold=80,
                email="ops@acme.test",
                webhook_url="https://hooks.acme.test/x",
                webhook_secret="s3cret",
                created_at=LONG_AGO,
                created_by="cli",
                firing=True,
                changed_at=changed,
            )
        )
        (row,) = conn.execute(sa.select(alert_rules)).all()
    rule = rule_from(row)
    assert rule == AlertRule(
        id=row.id,
        enterprise_id=eid,
        kind="consumed_percent",
        product="enterprise",
        threshold=80,
        email="ops@acme.test",
        webhook_url="https://hooks.acme.test/x",
        firing=True,
        changed_at=changed,
        created_at=LONG_AGO,
        created_by="cli",
    )
    assert rule.firing is True  # a bool on both databases, never the driver's 1
    assert not hasattr(rule, "webhook_secret")  # the secret stays in the database
