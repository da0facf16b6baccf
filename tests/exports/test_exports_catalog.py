"""Which reports can be asked for at which scopes, what a request is called, and writing one:
the same bytes as its chunks, and the number of data rows."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from sqlalchemy.engine import Engine

from seatledger.errors import InvalidInput
from seatledger.exports.catalog import UsageParams, open_chunks, report_request, write_report
from tests.factories import AS_OF, EnterpriseBuilder


def test_requests_name_a_known_report_scope_and_product() -> None:
    assert report_request("advanced-security", "repository:acme-web/app", "code_security").filename == (
        "advanced-security-code-security-acme-web_app.csv"
    )
    with pytest.raises(InvalidInput):
        report_request("advanced-security", "enterprise:acme")  # no product
    with pytest.raises(InvalidInput):
        report_request("copilot-activity", "repository:acme-web/app")
    with pytest.raises(InvalidInput):
        report_request("license-usage", "enterprise:acme", "code_security")
    with pytest.raises(InvalidInput):
        report_request("payroll", "enterprise:acme")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("license-usage", "acme"), "looks like 'organization:NAME', not 'acme'"),
        (("license-usage", "organization:"), "looks like 'organization:NAME'"),
        (("license-usage", "repository:acme-web/app"), "the License usage report is not available at repository level"),
        (("usage", "enterprise:acme"), "only the usage report takes a report type and dates, and it needs them"),
    ],
)
def test_a_scope_without_a_name_or_at_a_level_the_report_lacks_is_refused(args: tuple[str, ...], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        report_request(*args)


def test_a_request_is_titled_and_named_by_kind_product_usage_range_scope_and_day() -> None:
    at = dt.datetime(2026, 3, 15, 12, 30)
    ghas = report_request("advanced-security", "organization:acme-web", "secret_protection", as_of=at)
    assert ghas.title == "Secret Protection (organization acme-web) as of 2026-03-15 12:30 UTC"
    assert ghas.filename == "advanced-security-secret-protection-acme-web-as-of-2026-03-15.csv"
    usage = report_request("usage", "enterprise:acme", usage=UsageParams.parse("detailed", "2026-03-01", "2026-03-10"))
    assert usage.title == "Usage (detailed, 2026-03-01 to 2026-03-10) (enterprise acme)"
    assert usage.filename == "usage-detailed-2026-03-01-2026-03-10-acme.csv"
    assert report_request("copilot-activity", "enterprise:acme", "").title == "Copilot activity (enterprise acme)"


def test_usage_params_round_trip_through_json_and_bad_ones_are_refused() -> None:
    params = UsageParams.parse("summarized", "2026-01-01", "2026-01-31")
    assert (
        UsageParams.from_json(params.to_json())
        == params
        == UsageParams("summarized", dt.date(2026, 1, 1), dt.date(2026, 1, 31))
    )
    with pytest.raises(InvalidInput, match="YYYY-MM-DD"):
        UsageParams.parse("summarized", "2026-01-01", "31/01/2026")
    with pytest.raises(InvalidInput, match="report type must be"):
        UsageParams.parse("weekly", "2026-01-01", "2026-01-31")


def test_writing_a_report_gives_its_chunks_bytes_and_counts_its_data_rows(engine: Engine) -> None:
    with engine.begin() as conn:
        acme = EnterpriseBuilder(conn)
        for login in ("ann", "bob", "cat"):
            acme.member("acme-web", login)
    request = report_request("license-usage", "organization:acme-web")
    out = io.BytesIO()
    with engine.connect() as conn:
        rows = write_report(conn, request, out, as_of=AS_OF)
        chunks = b"".join(open_chunks(conn, request, as_of=AS_OF))
    assert rows == 3
    assert out.getvalue() == chunks and chunks.count(b"\r\n") == 1 + 3  # the header and one line each
    assert all(login in chunks for login in (b"ann", b"bob", b"cat"))
