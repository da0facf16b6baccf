"""The sync records the purchased counts GitHub returns, as purchases from the day of the sync."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
from sqlalchemy.engine import Engine

from github_answers import serve
from seatledger.db.ledger import Ledger
from seatledger.ingest.github_api import sync_github
from seatledger.ingest.github_client import GitHubClient
from seatledger.licensing.purchases import purchases_at, set_purchase

ADVANCED_SECURITY = "/enterprises/acme/settings/billing/advanced-security"
STANDALONE = (
    422,
    {
        "message": "advanced_security_product is required for standalone plans",
        "documentation_url": "https://docs.github.com/rest/billing/enterprise",
    },
)


def _committers(purchased: int) -> dict[str, Any]:
    return {
        "total_advanced_security_committers": 2,
        "total_count": 0,
        "maximum_advanced_security_committers": 4,
        "purchased_advanced_security_committers": purchased,
        "repositories": [],
    }


def _sync(engine: Engine, answers: dict[str, Any]) -> None:
    with GitHubClient("https://api.github.com", "t", transport=httpx.MockTransport(serve(answers))) as client:
        sync_github(engine, client, "acme", ["octo-org"])


def _bought(engine: Engine) -> dict[str, tuple[str, int]]:
    with engine.connect() as conn:
        eid = Ledger(conn).enterprise_id("acme")
        return {p.product: (p.billing, p.purchased) for p in purchases_at(conn, eid)}


def test_the_sync_records_purchased_seats_and_committers_keeping_the_billing_model(engine: Engine) -> None:
    with engine.begin() as conn:
        eid = Ledger(conn).add_enterprise("acme", created_at=dt.datetime(2025, 1, 1))
        set_purchase(conn, eid, "enterprise", billing="volume", purchased=10, effective_from=dt.date(2025, 1, 1))
    answers: dict[str, Any] = {
        "/enterprises/acme/consumed-licenses": {"total_seats_consumed": 0, "total_seats_purchased": 40, "users": []},
        ADVANCED_SECURITY: STANDALONE,
        f"{ADVANCED_SECURITY}?advanced_security_product=code_security": _committers(12),
        f"{ADVANCED_SECURITY}?advanced_security_product=secret_protection": _committers(5),
    }

    _sync(engine, answers)
    _sync(engine, answers)

    assert _bought(engine) == {
        "enterprise": ("volume", 40),
        "code_security": ("metered", 12),
        "secret_protection": ("metered", 5),
    }
    with engine.connect() as conn:
        (before,) = purchases_at(conn, eid, dt.date(2025, 6, 1))
    assert before.purchased == 10, "what was bought before the sync stays in the history"


def test_a_combined_advanced_security_plan_sets_both_products(engine: Engine) -> None:
    _sync(engine, {ADVANCED_SECURITY: _committers(30)})
    assert _bought(engine) == {"code_security": ("metered", 30), "secret_protection": ("metered", 30)}
