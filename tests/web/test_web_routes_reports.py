"""Report downloads and emailed reports from the pages (``web/routes_reports.py``): the CSV
streamed as an attachment at the page's date, the scope checked first, and a request the form
could not refuse sent back to its page with the form filled as it was sent."""

from __future__ import annotations

import datetime as dt
import re

import httpx
from sqlalchemy.engine import Engine

from seatledger.db.ledger import Ledger
from web_site import csrf_of


def test_a_report_downloads_as_a_csv_attachment_counted_at_the_pages_date(mona: httpx.Client, engine: Engine) -> None:
    with engine.begin() as conn:
        ledger = Ledger(conn)
        cy = ledger.add_user(
            ledger.enterprise_id("acme"), "cy", emails=["cy@acme.test"], created_at=dt.datetime(2026, 3, 10)
        )
        ledger.add_membership(ledger.org_id("acme-web"), cy, started_at=dt.datetime(2026, 3, 10))
    now = mona.get("/reports/license-usage.csv", params={"scope": "enterprise:acme"})
    before = mona.get("/reports/license-usage.csv", params={"scope": "enterprise:acme", "as_of": "2026-03-01"})
    assert now.status_code == before.status_code == 200
    assert now.headers["content-type"] == "text/csv; charset=utf-8"
    assert now.headers["content-disposition"] == 'attachment; filename="license-usage-acme.csv"'
    assert before.headers["content-disposition"] == 'attachment; filename="license-usage-acme-as-of-2026-03-01.csv"'
    assert len(now.text.splitlines()) == 1 + 3 and "cy" in now.text, "header, ann, bob, cy"
    assert len(before.text.splitlines()) == 1 + 2 and "cy" not in before.text, "cy joined after the page's date"


def test_an_unknown_report_or_scope_is_refused_before_any_byte(mona: httpx.Client) -> None:
    unknown_scope = mona.get("/reports/license-usage.csv", params={"scope": "organization:nope"})
    assert unknown_scope.status_code == 404 and "text/html" in unknown_scope.headers["content-type"]
    assert "no organization &#39;nope&#39;" in unknown_scope.text
    unknown_kind = mona.get("/reports/no-such-report.csv", params={"scope": "enterprise:acme"})
    assert unknown_kind.status_code == 422 and "no-such-report" in unknown_kind.text
    bad_date = mona.get("/reports/license-usage.csv", params={"scope": "enterprise:acme", "as_of": "someday"})
    assert bad_date.status_code == 422 and "as_of" in bad_date.text


def test_an_emailed_report_is_queued_and_the_person_sent_back_to_a_page_of_this_site_only(mona: httpx.Client) -> None:
    token = csrf_of(mona.get("/enterprises/acme/licensing").text)
    sent = {"csrf_token": token, "kind": "license-usage", "scope": "enterprise:acme"}
    back = mona.post("/exports", data={**sent, "back": "/enterprises/acme/licensing"})
    assert back.url.path == "/enterprises/acme/licensing"
    assert re.search(r"flash-success[^>]*>Export #1 \(.*\) is queued; you will get an email", back.text)
    elsewhere = mona.post("/exports", data={**sent, "kind": "copilot-activity", "back": "//evil.example/"})
    assert elsewhere.url.host == mona.base_url.host and elsewhere.url.path == "/exports", "no redirect off the site"


def test_a_detailed_usage_report_over_31_days_goes_back_to_its_form_with_the_message(mona: httpx.Client) -> None:
    page = mona.get("/enterprises/acme/usage?month=2026-03")
    sent = {
        "csrf_token": csrf_of(page.text),
        "kind": "usage",
        "scope": "enterprise:acme",
        "report_type": "detailed",
        "start": "2026-01-01",
        "end": "2026-03-01",
        "back": "/enterprises/acme/usage?month=2026-03",
    }
    back = mona.post("/exports", data=sent)
    assert back.status_code == 200
    assert back.url.path == "/enterprises/acme/usage" and back.url.params["month"] == "2026-03"
    assert re.search(r'class="flash flash-error"[^>]*>The report was not requested: [^<]*31 days', back.text)
    form = back.text[back.text.index('<details class="dropdown"') :]
    assert form.startswith('<details class="dropdown" open>')
    assert 'value="2026-01-01"' in form and 'value="2026-03-01"' in form
    assert '<option value="detailed" selected>' in form
    assert "is queued" not in mona.get("/exports").text
