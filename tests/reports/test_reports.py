"""The report registry surfaces call: kinds, scope checks, file names, expected row counts."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from sqlalchemy.engine import Engine

from seatledger.errors import InvalidInput
from seatledger.licensing import Scope, copilot_totals, count_consumed
from seatledger.reports import REPORT_KINDS, ServerScope, expected_rows, open_report, report_filename, write_report

from reports_ledger import AS_OF, SmallLedger


def test_the_registry_names_the_four_reports_with_their_media_types() -> None:
    assert {k: (v.media_type, v.extension) for k, v in REPORT_KINDS.items()} == {
        "license-usage": ("text/csv; charset=utf-8", "csv"),
        "advanced-security": ("text/csv; charset=utf-8", "csv"),
        "copilot-activity": ("text/csv; charset=utf-8", "csv"),
        "server-usage": ("application/json", "json"),
    }


def test_a_report_asked_at_a_level_it_does_not_exist_at_is_refused_in_one_line(
    engine: Engine, small_ledger: SmallLedger
) -> None:
    with engine.connect() as conn:
        with pytest.raises(
            InvalidInput, match="^the license-usage report is written per enterprise, organization, not per repository$"
        ):
            open_report("license-usage", conn, Scope.repo("acme-eng/api"))
        with pytest.raises(InvalidInput, match="per enterprise, organization, not per user namespace"):
            open_report("copilot-activity", conn, Scope.user_namespace("alice"))
        with pytest.raises(InvalidInput, match="takes no product"):
            open_report("copilot-activity", conn, Scope.org("acme-eng"), product="code_security")
        with pytest.raises(InvalidInput, match="unknown report 'seats'"):
            open_report("seats", conn, Scope.org("acme-eng"))


def test_download_names_carry_kind_product_scope_and_day() -> None:
    at = dt.datetime(2024, 5, 1, 12)
    assert report_filename("advanced-security", Scope.repo("acme-eng/api"), product="code_security", as_of=at) == (
        "advanced-security-code_security-acme-eng_api-2024-05-01.csv"
    )
    assert report_filename("license-usage", Scope.enterprise("acme"), as_of=at) == "license-usage-acme-2024-05-01.csv"
    assert report_filename("server-usage", ServerScope("../../etc"), as_of=at) == "server-usage-etc-2024-05-01.json"


def test_the_progress_bar_aims_at_the_engines_count(engine: Engine, small_ledger: SmallLedger) -> None:
    with engine.connect() as conn:
        assert expected_rows("license-usage", conn, Scope.enterprise("acme"), as_of=AS_OF) == count_consumed(
            conn, "acme", as_of=AS_OF
        )
        seats = copilot_totals(conn, Scope.org("acme-ops"), as_of=AS_OF).breakdown.total
        assert expected_rows("copilot-activity", conn, Scope.org("acme-ops"), as_of=AS_OF) == seats == 2
        assert expected_rows("advanced-security", conn, Scope.org("acme-ops"), product="code_security") is None
        seen: list[int] = []
        write_report("copilot-activity", conn, Scope.org("acme-ops"), io.BytesIO(), as_of=AS_OF, progress=seen.append)
    assert seen == [2]
