"""The digest on the web: the Alerts page's toggle subscribes the signed-in person, and the
digest email's signed link opens the changes of its period for a reader with the role; a
forged or expired link is refused with a page that says so."""

from __future__ import annotations

import datetime as dt
import re
from typing import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy.engine import Engine

from livesupport import LiveServer, SmtpSink
from seatledger.app import create_app
from seatledger.config import Settings
from seatledger.digests.sending import LINK_TTL, send_digests
from seatledger.exports.mail import mailer_for
from seatledger.exports.secret_key import effective_secret_key

from web_site import Clock, acme_with_operators, csrf_of, http_sign_in

T0 = dt.datetime(2026, 1, 1)
NOW = dt.datetime(2026, 11, 2, 6, 7)


@pytest.fixture
def acme_site(settings: Settings, engine: Engine, smtp: SmtpSink) -> Iterator[tuple[str, Clock, Settings]]:
    acme_with_operators(engine, T0)
    clock = Clock(now=NOW.replace(tzinfo=dt.timezone.utc).timestamp())
    app = create_app(settings, engine)
    app.state.clock = clock
    server = LiveServer(app)
    with server:
        yield server.url, clock, settings.with_(smtp_url=smtp.url, base_url=server.url)


def test_the_toggle_subscribes_and_the_digest_link_opens_the_changes_only_while_good_and_for_the_role(
    acme_site: tuple[str, Clock, Settings], engine: Engine, smtp: SmtpSink
) -> None:
    url, clock, mailing = acme_site
    with httpx.Client(base_url=url, timeout=30) as mona:
        http_sign_in(mona, "mona", "mona-password")
        page = mona.get("/enterprises/acme/alerts")
        assert 'data-testid="digest"' in page.text and "Subscribe" in page.text
        bad = mona.post("/enterprises/acme/digest", data={"csrf_token": csrf_of(page.text), "frequency": "daily"})
        assert bad.status_code == 422 and "the frequency is weekly or monthly" in bad.text
        on = mona.post(
            "/enterprises/acme/digest",
            data={"csrf_token": csrf_of(page.text), "frequency": "weekly"},
            follow_redirects=True,
        )
        assert "You get the weekly digest." in on.text and "You get the weekly digest of this enterprise" in on.text

        sent_at = NOW + dt.timedelta(days=7)
        done = send_digests(engine, mailing, mailer_for(mailing), effective_secret_key(mailing), now=sent_at)
        assert done.sent == 1
        body = smtp.messages[0].get_payload(decode=True).decode()
        link = re.search(r"(http://\S+/digests/open\?token=\S+)", body)
        assert link is not None
        clock.now = sent_at.replace(tzinfo=dt.timezone.utc).timestamp()
        opened = mona.get(link.group(1))
        assert opened.status_code == 303
        target = urlsplit(opened.headers["location"])
        assert target.path == "/enterprises/acme/changes"
        assert parse_qs(target.query) == {"from": ["2026-11-02T06:07:00"], "to": ["2026-11-09T06:07:00"]}
        assert mona.get(opened.headers["location"]).status_code == 200
        reclaim = mona.get(link.group(1) + "&view=reclaim")
        assert reclaim.status_code == 303
        target = urlsplit(reclaim.headers["location"])
        assert (target.path, parse_qs(target.query)) == (
            "/enterprises/acme/reclaim",
            {"as_of": ["2026-11-09T06:07:00"]},
        )
        assert 'data-testid="reclaim' in mona.get(reclaim.headers["location"]).text
        assert f"{link.group(1)}&amp;view=reclaim" not in body and f"{link.group(1)}&view=reclaim" in body
        assert mona.get(link.group(1) + "&view=nope").status_code == 422

        token = parse_qs(urlsplit(link.group(1)).query)["token"][0]
        forged = mona.get("/digests/open", params={"token": token[:-2] + ("AA" if token[-2:] != "AA" else "BB")})
        assert forged.status_code == 422 and "This digest link is not valid." in forged.text
        other = mona.get("/digests/open", params={"token": token.replace("acme", "acne", 1)})
        assert other.status_code == 422

        with httpx.Client(base_url=url, timeout=30) as olly:  # an org owner: no enterprise role
            http_sign_in(olly, "olly", "olly-password")
            assert olly.get(link.group(1)).status_code == 403
            csrf = csrf_of(olly.get("/", follow_redirects=True).text)
            refused = olly.post("/enterprises/acme/digest", data={"csrf_token": csrf, "frequency": "weekly"})
            assert refused.status_code == 403

        page = mona.get("/enterprises/acme/alerts")
        off = mona.post(
            "/enterprises/acme/digest",
            data={"csrf_token": csrf_of(page.text), "frequency": "off"},
            follow_redirects=True,
        )
        assert "You no longer get the digest." in off.text

        clock.now += LINK_TTL.total_seconds() + 1
        expired = mona.get(link.group(1))
        assert expired.status_code == 410 and "This digest link has expired." in expired.text  # before any sign-in
