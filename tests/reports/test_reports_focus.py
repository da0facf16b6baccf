"""The FOCUS export: FOCUS 1.0's columns and types, and the usage report's money to the cent."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from sqlalchemy.engine import Engine

from tests.billing_scenario import build_acme
from seatledger.db.ledger import Ledger
from seatledger.licensing.pricing import set_price
from seatledger.licensing.scope import Scope
from seatledger.reports.usage import iter_report

AS_OF = dt.datetime(2026, 4, 15)
MARCH = (dt.date(2026, 3, 1), dt.date(2026, 3, 31))

# FOCUS 1.0's columns (the specification's column list) and their data types.
FOCUS_1_0 = {
    "AvailabilityZone": "String",
    "BilledCost": "Decimal",
    "BillingAccountId": "String",
    "BillingAccountName": "String",
    "BillingCurrency": "String",
    "BillingPeriodEnd": "DateTime",
    "BillingPeriodStart": "DateTime",
    "ChargeCategory": "String",
    "ChargeClass": "String",
    "ChargeDescription": "String",
    "ChargeFrequency": "String",
    "ChargePeriodEnd": "DateTime",
    "ChargePeriodStart": "DateTime",
    "CommitmentDiscountCategory": "String",
    "CommitmentDiscountId": "String",
    "CommitmentDiscountName": "String",
    "CommitmentDiscountStatus": "String",
    "CommitmentDiscountType": "String",
    "ConsumedQuantity": "Decimal",
    "ConsumedUnit": "String",
    "ContractedCost": "Decimal",
    "ContractedUnitPrice": "Decimal",
    "EffectiveCost": "Decimal",
    "InvoiceIssuerName": "String",
    "ListCost": "Decimal",
    "ListUnitPrice": "Decimal",
    "PricingCategory": "String",
    "PricingQuantity": "Decimal",
    "PricingUnit": "String",
    "ProviderName": "String",
    "PublisherName": "String",
    "RegionId": "String",
    "RegionName": "String",
    "ResourceId": "String",
    "ResourceName": "String",
    "ResourceType": "String",
    "ServiceCategory": "String",
    "ServiceName": "String",
    "SkuId": "String",
    "SkuPriceId": "String",
    "SubAccountId": "String",
    "SubAccountName": "String",
    "Tags": "JSON",
}
# Columns FOCUS 1.0 says must not be null, and (for usage rows) the ones it requires filled.
NOT_NULL = {
    "BilledCost",
    "BillingAccountId",
    "BillingCurrency",
    "BillingPeriodEnd",
    "BillingPeriodStart",
    "ChargeCategory",
    "ChargePeriodEnd",
    "ChargePeriodStart",
    "ContractedCost",
    "EffectiveCost",
    "InvoiceIssuerName",
    "ListCost",
    "ProviderName",
    "PublisherName",
    "ServiceCategory",
    "ServiceName",
    "ContractedUnitPrice",
    "ListUnitPrice",
    "PricingCategory",
    "PricingQuantity",
    "PricingUnit",
    "SkuId",
    "SkuPriceId",
    "ConsumedQuantity",
    "ConsumedUnit",
}
ALLOWED = {
    "ChargeCategory": {"Usage", "Purchase", "Tax", "Credit", "Adjustment"},
    "ChargeClass": {"", "Correction"},
    "ChargeFrequency": {"One-Time", "Recurring", "Usage-Based"},
    "PricingCategory": {"Standard", "Dynamic", "Committed", "Other"},
    "ServiceCategory": {
        "AI and Machine Learning",
        "Analytics",
        "Business Applications",
        "Compute",
        "Databases",
        "Developer Tools",
        "Multicloud",
        "Identity",
        "Integration",
        "Internet of Things",
        "Management and Governance",
        "Media",
        "Migration",
        "Mobile",
        "Networking",
        "Security",
        "Storage",
        "Web",
        "Other",
    },
}
DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def _acme_with_a_negotiated_price_and_a_cost_center(engine: Engine) -> None:
    with engine.begin() as conn:
        acme = build_acme(conn)
        set_price(
            conn,
            acme.enterprise_id,
            "copilot_for_business",
            Decimal("15.00"),
            effective_from=dt.date(2026, 3, 10),
            discount_percent=Decimal("10"),
        )
        led = Ledger(conn)
        center = led.add_cost_center(acme.enterprise_id, '=HYPERLINK("x")', created_at=dt.datetime(2025, 1, 1))
        led.add_cost_center_resource(center, "User", acme.users["ann"], started_at=dt.datetime(2025, 1, 1))


def _rows(engine: Engine, kind: str, scope: Scope = Scope.enterprise("acme")) -> list[dict[str, str]]:
    with engine.connect() as conn:
        data = b"".join(iter_report(conn, scope, *MARCH, kind, as_of=AS_OF))
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


def test_focus_amounts_equal_the_usage_report_to_the_cent(engine: Engine) -> None:
    _acme_with_a_negotiated_price_and_a_cost_center(engine)
    focus, usage = _rows(engine, "focus"), _rows(engine, "summarized")
    assert len(focus) == len(usage) > 31

    def total(rows: list[dict[str, str]], column: str) -> Decimal:
        return sum((Decimal(r[column]) for r in rows), Decimal(0))

    assert total(focus, "BilledCost") == total(usage, "net_amount")
    assert total(focus, "EffectiveCost") == total(usage, "net_amount")
    assert total(focus, "ContractedCost") == total(usage, "gross_amount")
    assert total(focus, "ConsumedQuantity") == total(usage, "quantity")
    for f, u in zip(focus, usage):  # line for line, in the same order
        assert (f["ChargePeriodStart"][:10], f["SkuId"], f["SubAccountId"], f["BilledCost"]) == (
            u["date"],
            u["sku"],
            u["organization"],
            u["net_amount"],
        )
    negotiated = [r for r in focus if r["SkuId"] == "copilot_for_business" and r["ChargePeriodStart"] >= "2026-03-10"]
    assert negotiated and all(r["ContractedUnitPrice"] == "15.00" and r["ListUnitPrice"] == "19.00" for r in negotiated)
    assert all(Decimal(r["ListCost"]) > Decimal(r["ContractedCost"]) > Decimal(r["BilledCost"]) for r in negotiated)
    by_org = _rows(engine, "focus", Scope.org("beta"))
    assert by_org and {r["SubAccountId"] for r in by_org} == {"beta"}


def test_focus_columns_and_types_are_focus_1_0s(engine: Engine) -> None:
    _acme_with_a_negotiated_price_and_a_cost_center(engine)
    with engine.connect() as conn:
        data = b"".join(iter_report(conn, Scope.enterprise("acme"), *MARCH, "focus", as_of=AS_OF)).decode()
    header = next(csv.reader(io.StringIO(data)))
    assert header == sorted(FOCUS_1_0)  # every column, in the specification's order
    rows = _rows(engine, "focus")
    for row in rows:
        for column, kind in FOCUS_1_0.items():
            value = row[column]
            if column in NOT_NULL:
                assert value != "", column
            if value == "":
                continue
            if kind == "Decimal":
                assert Decimal(value).is_finite() and "E" not in value, (column, value)
            elif kind == "DateTime":
                assert DATETIME.match(value), (column, value)
            elif kind == "JSON":
                tags = json.loads(value)
                assert set(tags) == {"cost_center", "organization", "repository"}
            if column in ALLOWED:
                assert value in ALLOWED[column], (column, value)
        assert row["ChargePeriodStart"] < row["ChargePeriodEnd"]
        assert (
            row["BillingPeriodStart"] <= row["ChargePeriodStart"] and row["ChargePeriodEnd"] <= row["BillingPeriodEnd"]
        )
    centers = {json.loads(r["Tags"])["cost_center"] for r in rows}
    assert '\'=HYPERLINK("x")' not in centers and '=HYPERLINK("x")' in centers  # JSON keeps the name as is
    assert all(not r["Tags"].startswith(("=", "+", "-", "@")) for r in rows)


def test_report_focus_writes_the_file_and_refuses_bad_input_in_one_line(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    with engine.begin() as conn:
        build_acme(conn)
    env = {"SEATLEDGER_DATABASE_URL": db_url, "SEATLEDGER_DATA_DIR": str(tmp_path / "data"), "PATH": "/usr/bin:/bin"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "seatledger", "report", "focus", *args],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
        )

    out = tmp_path / "march.csv"
    done = run("--enterprise", "acme", "--start", "2026-03-01", "--end", "2026-03-31", "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert out.read_text().startswith("AvailabilityZone,BilledCost,")
    for args, message in [
        (("--enterprise", "nope", "--start", "2026-03-01", "--end", "2026-03-31"), "nope"),
        (("--enterprise", "acme", "--start", "2026-13-01", "--end", "2026-03-31"), "--start"),
        (("--enterprise", "acme", "--start", "2026-03-31", "--end", "2026-03-01"), "before the start"),
        (("--enterprise", "acme", "--start", "2024-01-01", "--end", "2026-03-01"), "at most 366 days"),
    ]:
        refused = run(*args, "-o", str(tmp_path / "bad.csv"))
        lines = refused.stderr.strip().splitlines()
        assert refused.returncode == 2 and len(lines) == 1 and message in lines[0], refused.stderr
    assert not (tmp_path / "bad.csv").exists()
