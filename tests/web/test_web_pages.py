"""The pages as a person meets them: errors in the site's layout, a refused report request back
on its form, the tabs and names every page shares, and *My exports* with its download links."""

from __future__ import annotations

import datetime as dt
import re
from typing import Iterator

import httpx
import pytest
from sqlalchemy.engine import Engine

from seatledger.app import create_app
from seatledger.config import Settings
from seatledger.db.ledger import Ledger
from seatledger.exports.queue import ExportQueue
from seatledger.web.accounts import set_password

from web_site import LiveServer, csrf_of, http_sign_in

T0 = dt.datetime(2026, 1, 1)
NOW = dt.datetime(2026, 3, 15, 12, 0)
pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # pages only: the SQL is tested elsewhere


@pytest.fixture
def mona(settings: Settings, engine: Engine) -> Iterator[httpx.Client]:
    """Signed in as mona, owner of the enterprise "Acme Corporation" (slug acme), whose
    exports run at once (the real job, mail to the outbox)."""
    with engine.begin() as conn:
        led = Ledger(conn)
        eid = led.add_enterprise("acme", "Acme Corporation", created_at=T0)
        org = led.add_org(eid, "acme-web", created_at=T0)
        uid = led.add_user(eid, "mona", emails=["mona@acme.test"], created_at=T0)
        led.add_enterprise_role(eid, uid, "owner", started_at=T0)
        set_password(conn, uid, "mona-password")
        for login in ("ann", "bob"):
            led.add_membership(org, led.add_user(eid, login, emails=[f"{login}@acme.test"], created_at=T0), started_at=T0)
    app = create_app(settings, engine)
    clock = lambda: NOW.replace(tzinfo=dt.timezone.utc).timestamp()  # noqa: E731
    app.state.clock = clock
    live = LiveServer(app)
    app.state.export_queue = ExportQueue(settings, engine, immediate=True, base_url=live.url, clock=clock)
    with live as server, httpx.Client(base_url=server.url, timeout=60, follow_redirects=True) as client:
        http_sign_in(client, "mona", "mona-password")
        yield client


def _in_layout(response: httpx.Response) -> str:
    assert 'class="topbar"' in response.text and "Sign out" in response.text
    assert 'href="/exports"' in response.text  # the signed-in person's navigation
    message = re.search(r'data-testid="error-message">([^<]+)<', response.text)
    assert message is not None
    return message.group(1)


def test_error_pages_keep_the_layout_with_the_navigation_and_say_what_went_wrong(mona: httpx.Client) -> None:
    missing = mona.get("/orgs/no-such-org/licensing")
    assert missing.status_code == 404
    assert "no-such-org" in _in_layout(missing)
    nowhere = mona.get("/no/such/page")
    assert nowhere.status_code == 404
    _in_layout(nowhere)
    invalid = mona.get("/enterprises/acme/usage?group=colour")
    assert invalid.status_code == 422
    assert "group by one of" in _in_layout(invalid)
    forged = mona.post("/exports", data={"kind": "license-usage", "scope": "enterprise:acme", "csrf_token": "forged"})
    assert forged.status_code == 403
    _in_layout(forged)


def test_a_detailed_usage_report_over_31_days_goes_back_to_its_form_with_the_message(mona: httpx.Client) -> None:
    page = mona.get("/enterprises/acme/usage?month=2026-03")
    sent = {"csrf_token": csrf_of(page.text), "kind": "usage", "scope": "enterprise:acme", "report_type": "detailed",
            "start": "2026-01-01", "end": "2026-03-01", "back": "/enterprises/acme/usage?month=2026-03"}
    back = mona.post("/exports", data=sent)
    assert back.status_code == 200
    assert back.url.path == "/enterprises/acme/usage" and back.url.params["month"] == "2026-03"
    assert re.search(r'class="flash flash-error"[^>]*>The report was not requested: [^<]*31 days', back.text)
    form = back.text[back.text.index('<details class="dropdown"'):]
    assert form.startswith('<details class="dropdown" open>')
    assert 'value="2026-01-01"' in form and 'value="2026-03-01"' in form
    assert '<option value="detailed" selected>' in form
    assert "is queued" not in mona.get("/exports").text


def test_every_page_of_an_org_has_the_same_tabs_and_names_the_enterprise_by_its_display_name(mona: httpx.Client) -> None:
    for base in ("/orgs/acme-web", "/enterprises/acme"):
        seen = []
        for path in ("licensing", "usage", "copilot"):
            text = mona.get(f"{base}/{path}").text
            tabs = re.findall(r'href="([^"]+)"', re.findall(r'<nav class="tabs">(.*?)</nav>', text, re.S)[0])
            assert tabs[:3] == [f"{base}/{p}" for p in ("licensing", "usage", "copilot")]
            seen.append(tabs)
            assert "Acme Corporation" in text, f"{base}/{path}"
            assert "<h1>acme " not in text
            assert '<a href="/enterprises/acme/licensing">Acme Corporation</a>' in text  # the top bar
        assert seen[0] == seen[1] == seen[2], base  # the same tabs on every page of a level


def test_my_exports_links_each_ready_export_and_says_the_lifetime_in_whole_hours(mona: httpx.Client) -> None:
    page = mona.get("/enterprises/acme/licensing")
    mona.post("/exports", data={"csrf_token": csrf_of(page.text), "kind": "license-usage", "scope": "enterprise:acme"})
    exports = mona.get("/exports").text
    assert "expire 24 hours after" in exports and "24.0" not in exports
    assert 'data-testid="status">ready<' in exports
    link = re.search(r'href="(/exports/1/download\?token=[^"]+)" data-testid="download"', exports)
    assert link is not None
    download = mona.get(link.group(1).replace("&amp;", "&"))
    assert download.status_code == 200
    assert len(download.text.strip().splitlines()) == 1 + 2  # header + ann, bob
