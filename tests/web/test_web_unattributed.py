"""The unattributed-email worklist (the enterprise's Commit emails tab), and its mapping form
(enterprise owners only, CSRF-checked), against a live server (issue 18 item 8)."""

from __future__ import annotations

import datetime as dt
import re

import httpx
from sqlalchemy.engine import Engine

from seatledger.app import create_app
from seatledger.config import Settings
from seatledger.db.ledger import Ledger
from seatledger.web.accounts import set_password

from tests.licensing.unattributed_world import AS_OF, build
from web_site import LiveServer, csrf_of, http_sign_in, number_of


def _operators(engine: Engine) -> None:
    with engine.begin() as conn:
        led = Ledger(conn)
        eid = led.enterprise_id("acme")
        for login, role in (("boss", "owner"), ("books", "billing_manager")):
            uid = led.add_user(eid, login, emails=[f"{login}@acme.test"], created_at=AS_OF - dt.timedelta(days=400))
            led.add_enterprise_role(eid, uid, role, started_at=AS_OF - dt.timedelta(days=400))
            set_password(conn, uid, f"{login}-password")


def _emails(html: str) -> list[str]:
    table = html.split('data-testid="unattributed-emails"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<tr data-email="([^"]+)"', table)


def test_owner_maps_an_unattributed_email_from_the_worklist_and_the_count_changes(
    settings: Settings, engine: Engine
) -> None:
    build(engine)
    _operators(engine)
    app = create_app(settings, engine)
    app.state.clock = lambda: AS_OF.replace(tzinfo=dt.timezone.utc).timestamp()
    with (
        LiveServer(app) as live,
        httpx.Client(base_url=live.url, timeout=60) as owner,
        httpx.Client(base_url=live.url, timeout=60) as books,
    ):
        http_sign_in(owner, "boss", "boss-password")
        page = owner.get("/enterprises/acme/emails")
        assert _emails(page.text) == ["ann.home@gmail.com", "stranger@elsewhere.org"]
        licensing_page = owner.get("/enterprises/acme/licensing")
        assert 'href="/enterprises/acme/emails' in licensing_page.text
        before = number_of(licensing_page.text, "ghas-code_security-committers")
        # Sorted, filtered through the URL; a bad parameter is a clear 422.
        assert _emails(owner.get("/enterprises/acme/emails?email_sort=email&email_dir=desc").text) == [
            "stranger@elsewhere.org",
            "ann.home@gmail.com",
        ]
        assert _emails(owner.get("/enterprises/acme/emails?email_q=STRANGER").text) == ["stranger@elsewhere.org"]
        bad = owner.get("/enterprises/acme/emails?email_sort=password")
        assert bad.status_code == 422 and "email_sort must be one of" in bad.text

        forged = owner.post(
            "/enterprises/acme/emails/map",
            data={"csrf_token": "forged", "email": "stranger@elsewhere.org", "login": "carl"},
        )
        assert forged.status_code == 403

        http_sign_in(books, "books", "books-password")
        shown = books.get("/enterprises/acme/emails")
        assert _emails(shown.text) == ["ann.home@gmail.com", "stranger@elsewhere.org"]
        assert 'action="/enterprises/acme/emails/map"' not in shown.text  # no form for a billing manager
        refused = books.post(
            "/enterprises/acme/emails/map",
            data={"csrf_token": csrf_of(shown.text), "email": "stranger@elsewhere.org", "login": "carl"},
        )
        assert refused.status_code == 403

        mapped = owner.post(
            "/enterprises/acme/emails/map",
            data={"csrf_token": csrf_of(page.text), "email": "stranger@elsewhere.org", "login": "carl"},
        )
        assert mapped.status_code == 303
        assert mapped.headers["location"] == "/enterprises/acme/emails"
        after = owner.get("/enterprises/acme/emails")
        assert "stranger@elsewhere.org is now a verified email of carl." in after.text
        assert _emails(after.text) == ["ann.home@gmail.com"]
        assert number_of(owner.get("/enterprises/acme/licensing").text, "ghas-code_security-committers") == before + 1

        wrong = owner.post(
            "/enterprises/acme/emails/map",
            data={"csrf_token": csrf_of(page.text), "email": "ann.home@gmail.com", "login": "nobody"},
        )
        assert wrong.status_code == 303
        assert "was not mapped: no user &#39;nobody&#39;" in owner.get("/enterprises/acme/emails").text


def test_the_unattributed_emails_sort_and_filter_through_the_url(settings: Settings, engine: Engine) -> None:
    build(engine)
    _operators(engine)
    app = create_app(settings, engine)
    app.state.clock = lambda: AS_OF.replace(tzinfo=dt.timezone.utc).timestamp()
    with LiveServer(app) as live, httpx.Client(base_url=live.url, timeout=60) as owner:
        http_sign_in(owner, "boss", "boss-password")
        by_email = _emails(owner.get("/enterprises/acme/emails?email_sort=email&email_dir=asc").text)
        assert by_email == sorted(by_email) and len(by_email) == 2
        assert _emails(owner.get("/enterprises/acme/emails?email_sort=email&email_dir=desc").text) == by_email[::-1]
        assert _emails(owner.get("/enterprises/acme/emails?email_q=STRANGER").text) == ["stranger@elsewhere.org"]
        assert owner.get("/enterprises/acme/emails?email_sort=domain").status_code == 422
