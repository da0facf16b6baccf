"""The usage CSVs: exact columns and bytes, the detailed report's people, range limits."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.engine import Engine

from tests.billing_scenario import build_acme
from seatledger.errors import InvalidInput, NotFound
from seatledger.licensing.scope import Scope
from seatledger.reports.usage import iter_report
from seatledger.reports.writer import format_money

AS_OF = dt.datetime(2026, 4, 15)


def _report(engine: Engine, scope: Scope, start: dt.date, end: dt.date, kind: str) -> list[bytes]:
    with engine.connect() as conn:
        return b"".join(iter_report(conn, scope, start, end, kind, as_of=AS_OF)).split(b"\r\n")


def test_detailed_report_names_each_billed_person_and_the_org_charged(engine: Engine) -> None:
    with engine.begin() as conn:
        build_acme(conn)
    lines = _report(engine, Scope.enterprise("acme"), dt.date(2026, 3, 10), dt.date(2026, 3, 10), "detailed")
    assert lines[0] == (
        b"date,product,sku,quantity,unit_type,applied_cost_per_quantity,gross_amount,discount_amount,"
        b"net_amount,username,organization,repository,workflow_path,cost_center_name"
    )
    ghec = [line for line in lines if b",ghec_licenses," in line]
    # rows by organization, then login; ann, bob, cid and eve have billed 9 days already: round(21 x 10/31) - round(21 x 9/31) = 6.77 - 6.10
    assert ghec == [
        b"2026-03-10,ghec,ghec_licenses,1,user-months,21.00,0.67,0.00,0.67,ann,alpha,,,",
        b"2026-03-10,ghec,ghec_licenses,1,user-months,21.00,0.67,0.00,0.67,bob,alpha,,,",
        b"2026-03-10,ghec,ghec_licenses,1,user-months,21.00,0.67,0.00,0.67,cid,alpha,,,",
        b"2026-03-10,ghec,ghec_licenses,1,user-months,21.00,0.67,0.00,0.67,eve,alpha,,,",
        b"2026-03-10,ghec,ghec_licenses,1,user-months,21.00,0.68,0.00,0.68,dan,beta,,,",
    ]
    assert lines[-1] == b""


def test_summarized_report_groups_people_per_day_org_and_cost_center(engine: Engine) -> None:
    with engine.begin() as conn:
        build_acme(conn)
    lines = _report(engine, Scope.org("alpha"), dt.date(2026, 3, 16), dt.date(2026, 3, 16), "summarized")
    # per person, the running total's cents: ghec 4 x (round(21x16/31) - round(21x15/31)) = 4 x 0.68;
    # Code Security ann 0.96 + cid (12th day) 0.96; Copilot ann 0.62 + cid (1st day) round(19/31) = 0.61
    assert lines[1:-1] == [
        b"2026-03-16,ghec,ghec_licenses,4,user-months,21.00,2.72,0.00,2.72,alpha,,",
        b"2026-03-16,ghas,ghas_code_security_licenses,2,user-months,30.00,1.92,0.00,1.92,alpha,,",
        b"2026-03-16,copilot,copilot_for_business,2,user-months,19.00,1.23,0.00,1.23,alpha,,",
    ]


def test_ranges_over_the_limits_and_unknown_scopes_are_refused_before_any_row(engine: Engine) -> None:
    with engine.connect() as conn:
        with pytest.raises(InvalidInput, match="at most 31 days"):
            iter_report(conn, Scope.enterprise("acme"), dt.date(2026, 1, 1), dt.date(2026, 2, 1), "detailed")
        with pytest.raises(InvalidInput, match="at most 366 days"):
            iter_report(conn, Scope.enterprise("acme"), dt.date(2024, 1, 1), dt.date(2026, 2, 1), "summarized")
        with pytest.raises(InvalidInput, match="summarized, detailed or focus"):
            iter_report(conn, Scope.enterprise("acme"), dt.date(2026, 1, 1), dt.date(2026, 1, 2), "weekly")
        with pytest.raises(InvalidInput, match="before the start"):
            iter_report(conn, Scope.enterprise("acme"), dt.date(2026, 1, 2), dt.date(2026, 1, 1), "summarized")
        with pytest.raises(NotFound):
            iter_report(conn, Scope.enterprise("nope"), dt.date(2026, 1, 1), dt.date(2026, 1, 2), "summarized")


def test_money_is_written_with_two_decimals_and_never_an_exponent() -> None:
    from decimal import Decimal

    assert [format_money(Decimal(v)) for v in ("21", "0.6774", "1E+1", "0.10", "0")] == [
        "21.00",
        "0.6774",
        "10.00",
        "0.10",
        "0.00",
    ]
