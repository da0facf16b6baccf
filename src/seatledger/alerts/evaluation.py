"""Evaluating alert rules: does each condition hold now, and did that change?

A rule's state (``firing``) is kept on its row. When an evaluation finds the condition's truth
changed, one conditional ``UPDATE ... WHERE firing = <what was read>`` moves the state, and
only the evaluation whose update took writes the event and its pending deliveries (the
outbox that :mod:`seatledger.alerts.delivery` sends): a rule fires once when its condition
becomes true, once when it clears, and never while it stays as it was, however many
evaluations run, on however many processes.

Every number comes from the counting engine (:mod:`seatledger.licensing`). Evaluations run
inside the writing transaction, just before it commits (:mod:`seatledger.alerts.commit_hook`),
so a write and the alert it causes commit together or not at all; and on a schedule (the
queue's periodic task) for what time alone changes (a license coming up to its expiry) and
for verification results.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from seatledger.alerts.conditions import PRODUCT_LABELS, AlertRule, rule_from
from seatledger.db.engine import inserted_id
from seatledger.db.clock import utcnow
from seatledger.db.versions import current_version
from seatledger.db.tables import enterprises
from seatledger.db.tables_alerts import (
    ALERT_CONSUMED_PERCENT,
    ALERT_COPILOT_IDLE,
    ALERT_EXPIRING,
    ALERT_OVER_PURCHASED,
    ALERT_SOURCE_STALE,
    CHANNEL_EMAIL,
    CHANNEL_WEBHOOK,
    DELIVERY_PENDING,
    EVENT_CLEARED,
    EVENT_FIRING,
    alert_deliveries,
    alert_events,
    alert_rules,
)
from seatledger.licensing import (
    COPILOT_IDLE_WINDOW,
    Scope,
    committer_totals,
    count_idle_seats,
    last_interval_check,
    seat_totals,
    source_freshness,
)


@dataclass(frozen=True)
class Observation:
    """Whether a rule's condition holds, and the numbers that say so, in one line."""

    holds: bool
    summary: str


@dataclass(frozen=True)
class _Usage:
    consumed: int
    purchased: int
    volume: bool


def _usage(conn: Connection, slug: str, product: str, at: dt.datetime) -> _Usage:
    if product == "enterprise":
        s = seat_totals(conn, slug, as_of=at)
        return _Usage(s.consumed, s.purchased, s.billing == "volume")
    c = committer_totals(conn, Scope.enterprise(slug), product, as_of=at)
    return _Usage(c.total_committers, c.purchased, c.billing == "volume")


def observe(conn: Connection, rule: AlertRule, slug: str, at: dt.datetime) -> Observation:
    """The rule's condition at ``at``. Under metered billing nothing is purchased, so the
    purchase conditions do not hold."""
    if rule.kind in (ALERT_CONSUMED_PERCENT, ALERT_OVER_PURCHASED):
        label = PRODUCT_LABELS[rule.product or ""]
        u = _usage(conn, slug, rule.product or "", at)
        if not u.volume or u.purchased <= 0:
            return Observation(False, f"{label}: {u.consumed} consumed, billed as metered usage")
        percent = u.consumed * 100 // u.purchased
        summary = f"{label}: {u.consumed} of {u.purchased} purchased ({percent}%)"
        if rule.kind == ALERT_CONSUMED_PERCENT:
            return Observation(u.consumed * 100 >= (rule.threshold or 0) * u.purchased, summary)
        return Observation(u.consumed > u.purchased, summary)
    if rule.kind == ALERT_EXPIRING:
        expires = seat_totals(conn, slug, as_of=at).expires_at
        if expires is None:
            return Observation(False, "the enterprise license has no expiry date")
        days = (expires - at.date()).days
        when = f"in {days} days" if days >= 0 else f"{-days} days ago"
        return Observation(days <= (rule.threshold or 0), f"the enterprise license expires on {expires} ({when})")
    if rule.kind == ALERT_COPILOT_IDLE:
        idle = count_idle_seats(conn, slug, as_of=at)
        return Observation(
            idle > (rule.threshold or 0),
            f"{idle} Copilot seats idle for {COPILOT_IDLE_WINDOW.days} days (alert above {rule.threshold})",
        )
    if rule.kind == ALERT_SOURCE_STALE:
        return _stale_sources(conn, rule, slug, at)
    check = last_interval_check(conn, slug)
    if check is None:
        return Observation(False, "the intervals were never verified")
    return Observation(
        check.differences > 0,
        f"the interval verification of {check.checked_at:%Y-%m-%d %H:%M} UTC found {check.differences} differences",
    )


def _stale_sources(conn: Connection, rule: AlertRule, slug: str, at: dt.datetime) -> Observation:
    """The watched sources (every one that has imported, or the rule's one) whose last success
    is older than the threshold; a source that never succeeded is stale from its first try."""
    limit = at - dt.timedelta(hours=rule.threshold or 0)
    watched = [f for f in source_freshness(conn, slug) if rule.product in (None, f.source)]
    stale = [f for f in watched if f.last_success_at is None or f.last_success_at < limit]
    if not watched:
        return Observation(False, "no source has imported yet")
    if not stale:
        return Observation(False, f"every watched source imported within {rule.threshold} hours")
    last = ", ".join(
        f"{f.label} (last success {f.last_success_at:%Y-%m-%d %H:%M} UTC)"
        if f.last_success_at
        else f"{f.label} (never succeeded)"
        for f in stale
    )
    return Observation(True, f"no successful import for {rule.threshold} hours: {last}")


def _fire(conn: Connection, rule: Any, observed: Observation, at: dt.datetime) -> None:
    state = EVENT_FIRING if observed.holds else EVENT_CLEARED
    event_id = inserted_id(
        conn.execute(
            sa.insert(alert_events).values(
                rule_id=rule.id, enterprise_id=rule.enterprise_id, state=state, occurred_at=at, summary=observed.summary
            )
        )
    )
    targets = [(CHANNEL_EMAIL, rule.email), (CHANNEL_WEBHOOK, rule.webhook_url)]
    for channel, target in targets:
        if target:
            conn.execute(
                sa.insert(alert_deliveries).values(
                    event_id=event_id,
                    channel=channel,
                    target=target,
                    status=DELIVERY_PENDING,
                    attempts=0,
                    next_attempt_at=at,
                )
            )


def evaluate_enterprise(conn: Connection, enterprise_id: int, *, at: dt.datetime | None = None) -> int:
    """Evaluate every rule of the enterprise in the caller's transaction; returns how many
    changed state (each wrote one event)."""
    when = at or utcnow()
    slug = conn.execute(sa.select(enterprises.c.slug).where(enterprises.c.id == enterprise_id)).scalar_one()
    version = current_version(conn, enterprise_id)
    r = alert_rules
    changed = 0
    rows = conn.execute(
        sa.select(r).where(r.c.enterprise_id == enterprise_id, r.c.removed_at.is_(None)).order_by(r.c.id)
    ).all()
    for row in rows:
        observed = observe(conn, rule_from(row), slug, when)
        values: dict[str, Any] = {"evaluated_version": version, "evaluated_at": when}
        if observed.holds == bool(row.firing):
            conn.execute(sa.update(r).where(r.c.id == row.id).values(**values))
            continue
        moved = conn.execute(
            sa.update(r)
            .where(r.c.id == row.id, r.c.firing == bool(row.firing))
            .values(firing=observed.holds, changed_at=when, **values)
        ).rowcount
        if moved == 1:  # else another evaluation moved it first, and wrote the event
            _fire(conn, row, observed, when)
            changed += 1
    return changed


def enterprises_due(conn: Connection) -> list[int]:
    """Enterprises with a rule not yet evaluated at their current ledger version."""
    from seatledger.db.tables import ledger_versions as lv

    r = alert_rules
    stale = sa.or_(r.c.evaluated_version.is_(None), r.c.evaluated_version != sa.func.coalesce(lv.c.version, 0))
    stmt = (
        sa.select(r.c.enterprise_id)
        .distinct()
        .select_from(r.outerjoin(lv, lv.c.enterprise_id == r.c.enterprise_id))
        .where(r.c.removed_at.is_(None), stale)
    )
    return [int(e) for e in conn.execute(stmt).scalars()]


def evaluate_all(engine: Engine, *, at: dt.datetime | None = None) -> int:
    """The scheduled evaluation: every enterprise with a rule, one transaction each."""
    with engine.connect() as conn:
        ids = [
            int(e)
            for e in conn.execute(
                sa.select(alert_rules.c.enterprise_id).distinct().where(alert_rules.c.removed_at.is_(None))
            ).scalars()
        ]
    changed = 0
    for enterprise_id in ids:
        with engine.begin() as conn:
            changed += evaluate_enterprise(conn, enterprise_id, at=at)
    return changed
