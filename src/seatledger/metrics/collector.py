"""The ledger's numbers as Prometheus metric families, read when Prometheus scrapes.

Nothing is cached: every scrape opens a connection, fixes one instant, and asks the counting
engine (:mod:`seatledger.licensing`) for the same summary ``seatledger summary --json``
prints, enterprise by enterprise and organization by organization. The interval tables make
each of those counts an index-range read, so a scrape costs a few queries per organization.

Names follow Prometheus conventions: the ``seatledger_`` prefix, base units (``_seconds``,
timestamps as ``_timestamp_seconds``), no ``_total`` on gauges. Label values of one family
never overlap, so summing over a label gives a meaningful number.
"""

from __future__ import annotations

import datetime as dt
from typing import Iterable, Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy.engine import Connection, Engine

from seatledger.licensing import (
    EnterpriseSummary,
    enterprise_summary,
    get_enterprise,
    iter_enterprise_slugs,
    iter_organization_logins,
    last_interval_check,
)

# The ``product`` label of the seat families, in the order they are written.
SEAT_PRODUCTS = ("enterprise", "code_security", "secret_protection", "copilot_business", "copilot_enterprise")


def _timestamp(value: dt.datetime | dt.date) -> float:
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.timestamp()


def consumed_by_product(s: EnterpriseSummary) -> dict[str, int]:
    """Licenses consumed per product: enterprise seats, active committers, Copilot seats by plan."""
    out = {"enterprise": s.seats.consumed}
    out.update({c.product: c.total_committers for c in s.advanced_security})
    out["copilot_business"] = s.copilot.business
    out["copilot_enterprise"] = s.copilot.enterprise
    return out


class _Families:
    """The families of one scrape, filled enterprise by enterprise."""

    def __init__(self) -> None:
        def g(name: str, doc: str, labels: Iterable[str]) -> GaugeMetricFamily:
            return GaugeMetricFamily(name, doc, labels=list(labels))

        ent = ("enterprise",)
        self.consumed = g("seatledger_seats_consumed", "Licenses consumed now, per product.", (*ent, "product"))
        self.purchased = g(
            "seatledger_seats_purchased",
            "Licenses purchased (volume billing; 0 when metered), per product.",
            (*ent, "product"),
        )
        self.over_limit = g(
            "seatledger_seats_over_limit", "Licenses consumed beyond those purchased.", (*ent, "product")
        )
        self.available = g("seatledger_seats_available", "Enterprise seats purchased and not consumed (volume).", ent)
        self.billable = g(
            "seatledger_seats_billable_this_month",
            "People who consumed an enterprise seat at any point this billing month.",
            ent,
        )
        self.expires = g(
            "seatledger_license_expiry_timestamp_seconds", "When the enterprise license expires (Unix time).", ent
        )
        self.org_consumed = g(
            "seatledger_organization_seats_consumed",
            "Licenses consumed now in one organization, per product.",
            (*ent, "organization", "product"),
        )
        self.committers = g(
            "seatledger_advanced_security_active_committers",
            "Active committers (last 90 days) to repositories with the product enabled.",
            (*ent, "product"),
        )
        self.max_committers = g(
            "seatledger_advanced_security_maximum_committers",
            "Active committers if the product were enabled on every repository.",
            (*ent, "product"),
        )
        self.repositories = g(
            "seatledger_advanced_security_repositories", "Repositories with the product enabled.", (*ent, "product")
        )
        self.copilot = g(
            "seatledger_copilot_seats",
            "Copilot seats by activity in the current billing cycle (active + inactive = all seats).",
            (*ent, "state"),
        )
        self.copilot_pending_cancellation = g(
            "seatledger_copilot_seats_pending_cancellation",
            "Copilot seats that end at the start of the next cycle.",
            ent,
        )
        self.copilot_pending_invitation = g(
            "seatledger_copilot_seats_pending_invitation",
            "Copilot seats whose holder has not accepted the org invitation.",
            ent,
        )
        self.copilot_added = g(
            "seatledger_copilot_seats_added_this_cycle", "Copilot seats created in the current billing cycle.", ent
        )
        self.drift = g(
            "seatledger_verify_differences",
            "Differences the last interval verification found (0: the kept intervals were exact).",
            ent,
        )
        self.checked = g(
            "seatledger_verify_last_check_timestamp_seconds", "When the intervals were last verified (Unix time).", ent
        )
        self.source_success = g(
            "seatledger_source_last_success_timestamp_seconds",
            "When the source last imported successfully (Unix time, to the second).",
            (*ent, "source"),
        )
        self.source_failure = g(
            "seatledger_source_last_failure_timestamp_seconds",
            "When the source last failed to import (Unix time, to the second).",
            (*ent, "source"),
        )
        self.queue = g("seatledger_export_queue_depth", "Export jobs waiting or running, by status.", (*ent, "status"))

    def all(self) -> list[GaugeMetricFamily]:
        return [v for v in vars(self).values() if isinstance(v, GaugeMetricFamily)]

    def add(self, conn: Connection, slug: str, at: dt.datetime) -> None:
        from seatledger.exports.jobs import pending_counts  # the one read of the exports area

        s = enterprise_summary(conn, slug, as_of=at)
        seats = s.seats
        for product, n in consumed_by_product(s).items():
            self.consumed.add_metric([slug, product], n)
        self.purchased.add_metric([slug, "enterprise"], seats.purchased)
        self.over_limit.add_metric([slug, "enterprise"], seats.over_limit)
        for c in s.advanced_security:
            self.purchased.add_metric([slug, c.product], c.purchased)
            self.over_limit.add_metric([slug, c.product], c.over_limit)
            self.committers.add_metric([slug, c.product], c.total_committers)
            self.max_committers.add_metric([slug, c.product], c.maximum_committers)
            self.repositories.add_metric([slug, c.product], c.total_repositories)
        if seats.available is not None:
            self.available.add_metric([slug], seats.available)
        self.billable.add_metric([slug], seats.billable_this_month)
        if seats.expires_at is not None:
            self.expires.add_metric([slug], _timestamp(seats.expires_at))
        b = s.copilot.breakdown
        self.copilot.add_metric([slug, "active"], b.active_this_cycle)
        self.copilot.add_metric([slug, "inactive"], b.inactive_this_cycle)
        self.copilot_pending_cancellation.add_metric([slug], b.pending_cancellation)
        self.copilot_pending_invitation.add_metric([slug], b.pending_invitation)
        self.copilot_added.add_metric([slug], b.added_this_cycle)
        for org in iter_organization_logins(conn, slug):
            for product, n in consumed_by_product(enterprise_summary(conn, slug, org=org, as_of=at)).items():
                self.org_consumed.add_metric([slug, org, product], n)
        check = last_interval_check(conn, slug)
        if check is not None:
            self.drift.add_metric([slug], check.differences)
            self.checked.add_metric([slug], _timestamp(check.checked_at))
        for f in s.sources:
            if f.last_success_at is not None:
                self.source_success.add_metric([slug, f.source], _timestamp(f.last_success_at.replace(microsecond=0)))
            if f.last_failure_at is not None:
                self.source_failure.add_metric([slug, f.source], _timestamp(f.last_failure_at.replace(microsecond=0)))
        info = get_enterprise(conn, slug)
        for status, n in pending_counts(conn, info.id).items():
            self.queue.add_metric([slug, status], n)


class LedgerCollector(Collector):
    """Reads the ledger at every scrape: every enterprise, or only ``enterprise`` (a token's)."""

    def __init__(self, engine: Engine, enterprise: str | None = None, *, as_of: dt.datetime | None = None) -> None:
        self.engine = engine
        self.enterprise = enterprise
        self.as_of = as_of  # tests pin the instant; a scrape counts at "now"

    def collect(self) -> Iterator[GaugeMetricFamily]:
        at = self.as_of or dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
        families = _Families()
        with self.engine.connect() as conn:
            slugs = [self.enterprise] if self.enterprise is not None else list(iter_enterprise_slugs(conn))
            for slug in slugs:
                families.add(conn, slug, at)
        yield from families.all()
