"""The ledger's gauges (``metrics/collector.py``) read straight from ``LedgerCollector``: every
scrape reads the ledger anew at one instant, one enterprise or all, and a family without a
number for an enterprise has no sample rather than a zero. That each gauge equals
``summary --json`` is held through ``GET /metrics`` in test_metrics.py."""

from __future__ import annotations

import datetime as dt

from prometheus_client import CollectorRegistry
from sqlalchemy.engine import Engine

from factories import AS_OF, T0, EnterpriseBuilder
from seatledger.db.ledger import Ledger
from seatledger.metrics.collector import SEAT_PRODUCTS, LedgerCollector

LATER = AS_OF + dt.timedelta(days=1)


def _registry(engine: Engine, enterprise: str | None = None, as_of: dt.datetime = AS_OF) -> CollectorRegistry:
    registry = CollectorRegistry()
    registry.register(LedgerCollector(engine, enterprise, as_of=as_of))
    return registry


def _consumed(registry: CollectorRegistry, enterprise: str, product: str = "enterprise") -> float | None:
    return registry.get_sample_value("seatledger_seats_consumed", {"enterprise": enterprise, "product": product})


def _two_enterprises(engine: Engine) -> None:
    with engine.begin() as conn:
        acme = EnterpriseBuilder(conn, "acme")
        acme.member("octo", "alice")
        acme.member("octo", "bob")
        acme.member("labs", "bob")
        acme.member("octo", "late", since=LATER - dt.timedelta(hours=1))
        globex = EnterpriseBuilder(conn, "globex")
        globex.member("gx", "carol")


def test_each_enterprise_and_each_org_gets_its_own_series_counted_at_the_instant(engine: Engine) -> None:
    _two_enterprises(engine)
    registry = _registry(engine)
    assert (_consumed(registry, "acme"), _consumed(registry, "globex")) == (2.0, 1.0), "late joins after AS_OF"
    assert {p: _consumed(registry, "acme", p) for p in SEAT_PRODUCTS} == {
        "enterprise": 2.0,
        "code_security": 0.0,
        "secret_protection": 0.0,
        "copilot_business": 0.0,
        "copilot_enterprise": 0.0,
    }
    org = {
        o: registry.get_sample_value(
            "seatledger_organization_seats_consumed", {"enterprise": "acme", "organization": o, "product": "enterprise"}
        )
        for o in ("octo", "labs")
    }
    assert org == {"octo": 2.0, "labs": 1.0}
    assert _consumed(_registry(engine, as_of=LATER), "acme") == 3.0


def test_a_collector_for_one_enterprise_gives_no_series_of_another(engine: Engine) -> None:
    _two_enterprises(engine)
    registry = _registry(engine, "globex")
    assert _consumed(registry, "globex") == 1.0
    assert _consumed(registry, "acme") is None
    labels = {s.labels.get("enterprise") for family in registry.collect() for s in family.samples}
    assert labels == {"globex"}


def test_every_scrape_reads_the_ledger_anew(engine: Engine) -> None:
    _two_enterprises(engine)
    registry = _registry(engine, "globex")
    assert _consumed(registry, "globex") == 1.0
    with engine.begin() as conn:
        ledger = Ledger(conn)
        gid = ledger.enterprise_id("globex")
        ledger.add_membership(ledger.add_org(gid, "gx2", created_at=T0), ledger.add_user(gid, "dan"), started_at=T0)
    assert _consumed(registry, "globex") == 2.0, "nothing is cached between scrapes"


def test_a_family_with_no_number_for_the_enterprise_has_no_sample_not_a_zero(engine: Engine) -> None:
    _two_enterprises(engine)
    registry = _registry(engine, "acme")
    for name in (
        "seatledger_seats_available",
        "seatledger_license_expiry_timestamp_seconds",
        "seatledger_verify_differences",
        "seatledger_verify_last_check_timestamp_seconds",
    ):
        assert registry.get_sample_value(name, {"enterprise": "acme"}) is None, name
    with engine.begin() as conn:
        ledger = Ledger(conn)
        ledger.set_product(
            ledger.enterprise_id("acme"), "enterprise", billing="volume", purchased=5, expires_at=dt.date(2027, 3, 31)
        )
    assert registry.get_sample_value("seatledger_seats_available", {"enterprise": "acme"}) == 3.0
    assert registry.get_sample_value("seatledger_license_expiry_timestamp_seconds", {"enterprise": "acme"}) == (
        dt.datetime(2027, 3, 31, tzinfo=dt.timezone.utc).timestamp()
    ), "a date is its midnight UTC"


def test_every_family_follows_the_prometheus_naming_conventions(engine: Engine) -> None:
    _two_enterprises(engine)
    families = list(LedgerCollector(engine, as_of=AS_OF).collect())
    names = [f.name for f in families]
    assert len(names) == len(set(names)) and len(names) > 10
    for family in families:
        assert family.name.startswith("seatledger_") and not family.name.endswith("_total"), family.name
        assert family.type == "gauge" and family.documentation, family.name
