"""The Alerts page: owners and billing managers add and remove rules with a form; bad input
comes back as the page with a message, never a 500."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
from sqlalchemy.engine import Engine

from web_site import acme_with_operators, csrf_of, http_sign_in

T0 = dt.datetime(2026, 1, 1)


def test_a_billing_manager_adds_and_removes_alerts_and_bad_input_is_the_page_with_a_message(
    live_server: Any, engine: Engine
) -> None:
    acme_with_operators(engine, T0)
    with httpx.Client(base_url=live_server.url, timeout=30) as mona:
        http_sign_in(mona, "mona", "mona-password")
        page = mona.get("/enterprises/acme/alerts")
        assert page.status_code == 200 and 'data-testid="alert-form"' in page.text
        form = {
            "csrf_token": csrf_of(page.text),
            "kind": "consumed_percent",
            "product": "enterprise",
            "threshold": "lots",
            "email": "mona@acme.test",
        }
        bad = mona.post("/enterprises/acme/alerts", data=form)
        assert bad.status_code == 422
        assert (
            "the threshold is a whole number, not &#39;lots&#39;" in bad.text and 'data-testid="alert-form"' in bad.text
        )
        assert mona.post("/enterprises/acme/alerts", data={**form, "threshold": "5000"}).status_code == 422
        added = mona.post("/enterprises/acme/alerts", data={**form, "threshold": "50"}, follow_redirects=True)
        assert added.status_code == 200
        assert "Alert 1 added: GitHub Enterprise seats at 50% of purchased or more." in added.text
        assert 'data-rule="1"' in added.text and "firing" in added.text  # 1 of 2 consumed: it fired at once
        assert "GitHub Enterprise seats: 1 of 2 purchased (50%)" in added.text  # the history: olly consumes
        stale = {**form, "kind": "source_stale", "product": "", "source": "sync", "threshold": "24"}
        assert mona.post("/enterprises/acme/alerts", data={**stale, "source": "ftp"}).status_code == 422
        idle = mona.post(
            "/enterprises/acme/alerts", data={**stale, "source": ""} | {"kind": "copilot_idle"}, follow_redirects=True
        )
        assert "Alert 2 added: more than 24 Copilot seats idle for 30 days." in idle.text
        added = mona.post(
            "/enterprises/acme/alerts", data={**stale, "csrf_token": csrf_of(idle.text)}, follow_redirects=True
        )
        assert "Alert 3 added: GitHub API sync: no successful import for 24 hours." in added.text
        removed = mona.post(
            "/enterprises/acme/alerts/1/remove", data={"csrf_token": csrf_of(added.text)}, follow_redirects=True
        )
        assert "Alert 1 removed." in removed.text and 'data-rule="1"' not in removed.text
    with httpx.Client(base_url=live_server.url, timeout=30) as olly:
        http_sign_in(olly, "olly", "olly-password")
        assert olly.get("/enterprises/acme/alerts").status_code == 403  # an org owner, not an enterprise role
        assert olly.get("/enterprises/nope/alerts").status_code == 404
