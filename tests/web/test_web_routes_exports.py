"""Emailed reports through the web: the default embedded queue (huey's SQLite queue with
consumer threads inside the server), the Maildir outbox page, one pending request per kind,
and links that only their requester can use."""

from __future__ import annotations

import datetime as dt
import re
import threading
from typing import Any, Iterator

import httpx
import pytest
import sqlalchemy as sa
from huey.signals import SIGNAL_COMPLETE, SIGNAL_ERROR
from sqlalchemy.engine import Engine

from seatledger.app import create_app
from seatledger.config import Settings
from seatledger.db.ledger import Ledger
from seatledger.db.tables_exports import export_jobs
from seatledger.exports.queue import TASK_NAME
from seatledger.web.accounts import set_password

from web_site import LiveServer, csrf_of, http_sign_in

T0 = dt.datetime(2026, 1, 1)


def _acme(engine: Engine) -> None:
    with engine.begin() as conn:
        led = Ledger(conn)
        eid = led.add_enterprise("acme", created_at=T0)
        org = led.add_org(eid, "acme-web", created_at=T0)
        for login in ("mona", "hubot"):
            uid = led.add_user(eid, login, emails=[f"{login}@acme.test"], created_at=T0)
            led.add_enterprise_role(eid, uid, "owner", started_at=T0)
            set_password(conn, uid, f"{login}-password")
        for login in ("ann", "bob"):
            led.add_membership(
                org, led.add_user(eid, login, emails=[f"{login}@acme.test"], created_at=T0), started_at=T0
            )


class ParkedQueue:
    """A queue whose jobs wait (nobody consumes them), to see what a pending request does."""

    def __init__(self) -> None:
        self.enqueued: list[int] = []

    def enqueue(self, job_id: int) -> None:
        self.enqueued.append(job_id)

    def start_in_process(self) -> None:
        pass

    def stop_in_process(self) -> None:
        pass


@pytest.fixture
def default_site(settings: Settings, engine: Engine) -> Iterator[tuple[str, Any]]:
    """The app as ``serve`` runs it: no SMTP URL, so mail goes to the outbox; jobs on huey's
    SQLite queue in the data directory, run by consumer threads started with the app."""
    _acme(engine)
    app = create_app(settings, engine)
    live = LiveServer(app)
    app.state.settings = settings.with_(base_url=live.url)  # links in mail point at this server
    with live as server:
        yield server.url, app


def _email_me(client: httpx.Client, kind: str = "license-usage", scope: str = "enterprise:acme") -> httpx.Response:
    page = client.get("/enterprises/acme/licensing")
    return client.post("/exports", data={"csrf_token": csrf_of(page.text), "kind": kind, "scope": scope})


def test_without_smtp_the_mail_reaches_the_requesters_outbox_through_the_embedded_queue(
    default_site: tuple[str, Any], settings: Settings
) -> None:
    url, app = default_site
    finished = threading.Event()
    signals: list[str] = []

    @app.state.export_queue.huey.signal(SIGNAL_COMPLETE, SIGNAL_ERROR)
    def _done(signal: str, task: Any, exc: Exception | None = None) -> None:
        if task.name != TASK_NAME:  # a periodic task (alerts run every minute)
            return
        signals.append(signal)
        finished.set()

    with httpx.Client(base_url=url, timeout=60) as mona, httpx.Client(base_url=url, timeout=60) as hubot:
        http_sign_in(mona, "mona", "mona-password")
        assert _email_me(mona).status_code == 303
        assert finished.wait(60), "the in-process consumer did not run the export"
        assert signals == [SIGNAL_COMPLETE]
        assert (settings.data_dir / "queue.db").exists()

        outbox = mona.get("/outbox").text
        assert outbox.count('data-testid="mail"') == 1
        assert "To mona@acme.test" in outbox
        link = re.search(r'href="(http://[^"]+/exports/(\d+)/download\?token=[^"]+)"', outbox)
        assert link is not None
        download = mona.get(link.group(1).replace("&amp;", "&"))
        assert download.status_code == 200
        assert len(download.text.strip().splitlines()) == 1 + 2  # header + ann, bob
        assert "status-ready" in mona.get("/exports").text

        http_sign_in(hubot, "hubot", "hubot-password")
        assert 'data-testid="mail"' not in hubot.get("/outbox").text
        assert hubot.get(link.group(1).replace("&amp;", "&")).status_code == 403


def test_a_second_request_of_a_report_while_one_is_pending_shows_a_message_and_queues_nothing(
    settings: Settings, engine: Engine
) -> None:
    _acme(engine)
    app = create_app(settings, engine)
    app.state.export_queue = parked = ParkedQueue()
    with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=60, follow_redirects=True) as client:
        http_sign_in(client, "mona", "mona-password")
        assert "is queued" in _email_me(client).text
        again = _email_me(client)
        assert "already have a License usage report being prepared (export #1, enterprise acme)" in again.text
        assert "is queued" in _email_me(client, scope="organization:acme-web").text  # another scope
        assert "is queued" in _email_me(client, kind="copilot-activity").text
    assert len(parked.enqueued) == 3
    with engine.connect() as conn:
        statuses = conn.execute(sa.select(export_jobs.c.kind, export_jobs.c.status).order_by(export_jobs.c.id)).all()
    assert [tuple(r) for r in statuses] == [
        ("license-usage", "queued"),
        ("license-usage", "queued"),
        ("copilot-activity", "queued"),
    ]


def test_the_outbox_shows_only_mail_sent_for_the_signed_in_persons_enterprise(
    settings: Settings, engine: Engine
) -> None:
    from email.message import EmailMessage

    from seatledger.exports.mail import ENTERPRISE_HEADER, MaildirMailer

    _acme(engine)
    with engine.begin() as conn:  # the same address is somebody's in another enterprise
        led = Ledger(conn)
        globex = led.add_enterprise("globex", created_at=T0)
        led.add_enterprise_role(
            globex, led.add_user(globex, "mona", emails=["mona@acme.test"], created_at=T0), "owner", started_at=T0
        )
    box = MaildirMailer(settings.outbox_dir)
    for enterprise in ("acme", "globex"):
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = settings.mail_from, "mona@acme.test", f"report of {enterprise}"
        msg[ENTERPRISE_HEADER] = enterprise
        msg.set_content(f"a link to {enterprise}'s report")
        box.send(msg)
    with LiveServer(create_app(settings, engine)) as server, httpx.Client(base_url=server.url, timeout=60) as mona:
        http_sign_in(mona, "mona", "mona-password")  # acme's mona
        outbox = mona.get("/outbox").text
    assert outbox.count('data-testid="mail"') == 1
    assert "report of acme" in outbox and "report of globex" not in outbox
