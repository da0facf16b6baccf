"""REST usage report exports on the export job system: POST queues a real export job on the
exports' huey queue (SQLite file), the test runs it in-process, and the REST object follows the
job; ``send_email`` mails a signed, expiring link through a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import datetime as dt
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from tests.billing_scenario import LONG_AGO, build_acme
from livesupport import LiveServer, SmtpSink, free_port
from seatledger import tokens
from seatledger.app import create_app
from seatledger.cli import app as cli_app
from seatledger.config import Settings
from seatledger.db.ledger import Ledger
from seatledger.db.tables_billing import usage_report_exports
from seatledger.exports.jobs import get_job, requeue
from seatledger.exports.queue import ExportQueue
from seatledger.web.accounts import set_password

TODAY = dt.date(2026, 4, 15)  # the API's "today"
NOW = dt.datetime(2026, 4, 15, 12, 0, tzinfo=dt.timezone.utc)
SCOPES = "manage_billing:enterprise"
PASSWORD = "boss-password-1"
MARCH = {"report_type": "summarized", "start_date": "2026-03-01", "end_date": "2026-03-31"}
REPORTS = "/enterprises/acme/settings/billing/reports"


@dataclass
class Clock:
    """The app's and the queue's clock; tests move it to travel in time."""

    now: float = field(default_factory=NOW.timestamp)

    def __call__(self) -> float:
        return self.now


class HeldQueue(ExportQueue):
    """The real export queue (huey on its SQLite file), without consumer threads: the test
    takes the queued tasks and runs them in-process, when it chooses."""

    def start_in_process(self, workers: int = 0) -> None:
        pass

    def run_queued(self) -> int:
        ran = 0
        while (task := self.huey.dequeue()) is not None:
            self.huey.execute(task)
            ran += 1
        return ran


@dataclass
class Site:
    url: str
    api: httpx.Client
    queue: HeldQueue
    clock: Clock
    settings: Settings
    smtp: SmtpSink


def _world(engine: Engine) -> str:
    """acme (billing_scenario) plus boss, an enterprise owner with a sign-in; boss's token."""
    with engine.begin() as conn:
        acme = build_acme(conn)
        boss = Ledger(conn).add_user(acme.enterprise_id, "boss", emails=["Boss@Acme.test"], created_at=LONG_AGO)
        Ledger(conn).add_enterprise_role(acme.enterprise_id, boss, "owner", started_at=LONG_AGO)
        set_password(conn, boss, PASSWORD)
        return tokens.create_token(conn, "acme", "boss", SCOPES)[1]


@contextmanager
def _site(settings: Settings, engine: Engine, smtp: SmtpSink, token: str) -> Iterator[Site]:
    clock = Clock()
    app = create_app(settings, engine)
    app.state.billing_clock = lambda: TODAY
    app.state.clock = clock
    server = LiveServer(app)
    queue = app.state.export_queue = HeldQueue(settings, engine, base_url=server.url, clock=clock)
    with (
        server,
        httpx.Client(base_url=server.url + "/api/v3", headers={"Authorization": f"Bearer {token}"}, timeout=60) as api,
    ):
        yield Site(server.url, api, queue, clock, settings, smtp)


@pytest.fixture
def site(settings: Settings, engine: Engine, smtp: SmtpSink) -> Iterator[Site]:
    settings = settings.with_(smtp_url=f"smtp://127.0.0.1:{smtp.port}", download_link_ttl_seconds=3600)
    with _site(settings, engine, smtp, _world(engine)) as running:
        yield running


def _job_id(engine: Engine, export_id: str) -> int:
    x = usage_report_exports
    with engine.connect() as conn:
        return int(conn.execute(sa.select(x.c.export_job_id).where(x.c.id == export_id)).scalar_one())


def _cli_report(db_url: str, tmp_path: Path) -> bytes:
    """``seatledger report usage`` for March, the bytes it prints."""
    env = {"SEATLEDGER_DATABASE_URL": db_url, "SEATLEDGER_DATA_DIR": str(tmp_path / "cli-data")}
    result = CliRunner().invoke(
        cli_app, ["report", "usage", "--enterprise", "acme", "--start", "2026-03-01", "--end", "2026-03-31"], env=env
    )
    assert result.exit_code == 0, result.output
    return result.stdout_bytes


def test_post_queues_a_job_that_completes_the_export_and_serves_the_csv_of_report_usage(
    site: Site, engine: Engine, db_url: str, tmp_path: Path
) -> None:
    created = site.api.post(REPORTS, json=MARCH)
    assert created.status_code == 202, created.text
    export = created.json()
    assert (export["status"], export["actor"], "download_urls" in export) == ("processing", "boss", False)
    url = f"{REPORTS}/{export['id']}"
    assert site.api.get(url).json()["status"] == "processing"  # queued, nothing ran it yet
    with engine.connect() as conn:
        job = get_job(conn, _job_id(engine, export["id"]))
    assert (job.request.kind, job.request.scope_token, job.notify, job.status) == (
        "usage",
        "enterprise:acme",
        False,
        "queued",
    )

    assert site.queue.run_queued() == 1
    done = site.api.get(url).json()
    assert done["status"] == "completed"
    assert done["download_urls"] == [f"{site.url}/api/v3{url}/download"]
    download = site.api.get(done["download_urls"][0])
    assert download.status_code == 200
    assert download.content == _cli_report(db_url, tmp_path)
    assert download.content.count(b"\n") > 31  # a real month of rows, not a header alone
    assert httpx.get(done["download_urls"][0]).status_code == 401  # the URL needs an authorised caller
    assert site.smtp.messages == []  # send_email was false


def test_one_export_per_account_at_a_time(site: Site) -> None:
    first = site.api.post(REPORTS, json=MARCH).json()
    busy = site.api.post(REPORTS, json={**MARCH, "report_type": "detailed"})
    assert busy.status_code == 400
    assert f"usage report {first['id']} is still being prepared" in busy.json()["message"]
    site.queue.run_queued()
    assert site.api.post(REPORTS, json={**MARCH, "report_type": "detailed"}).status_code == 202


def test_send_email_mails_the_requester_a_signed_link_that_works_until_it_expires(site: Site, engine: Engine) -> None:
    export = site.api.post(REPORTS, json={**MARCH, "send_email": True}).json()
    site.queue.run_queued()
    assert len(site.smtp.messages) == 1
    message = site.smtp.messages[0]
    assert message["To"] == "boss@acme.test"  # the token owner's primary email
    body = message.get_payload(decode=True).decode()
    link = re.search(r"(http\S+/exports/\d+/download\?token=\S+)", body)
    assert link is not None, body
    assert link.group(1).startswith(f"{site.url}/exports/{_job_id(engine, export['id'])}/download?token=")
    rest = site.api.get(site.api.get(f"{REPORTS}/{export['id']}").json()["download_urls"][0]).content

    with httpx.Client(base_url=site.url, timeout=60) as browser:
        form = browser.get("/login")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert csrf is not None
        browser.post("/login", data={"login": "boss", "password": PASSWORD, "csrf_token": csrf.group(1), "next": "/"})
        opened = browser.get(link.group(1))
        assert opened.status_code == 200
        assert opened.content == rest

        site.clock.now += site.settings.download_link_ttl_seconds + 1
        expired = browser.get(link.group(1))
        assert expired.status_code == 410
        assert "expired" in expired.text
    # The REST export keeps its status; its file is gone with the link.
    after = site.api.get(f"{REPORTS}/{export['id']}").json()
    assert (after["status"], "download_urls" in after) == ("completed", False)
    assert site.api.get(f"{REPORTS}/{export['id']}/download").status_code == 404


def test_a_failing_job_shows_failed_and_keeps_its_reason_and_no_file(
    settings: Settings, engine: Engine, smtp: SmtpSink
) -> None:
    # The mail server is down and no retry is left: the job fails for good.
    down = settings.with_(smtp_url=f"smtp://127.0.0.1:{free_port()}", export_retries=0)
    with _site(down, engine, smtp, _world(engine)) as site:
        export = site.api.post(REPORTS, json={**MARCH, "send_email": True}).json()
        site.queue.run_queued()
        failed = site.api.get(f"{REPORTS}/{export['id']}").json()
        assert (failed["status"], "download_urls" in failed) == ("failed", False)
        with engine.connect() as conn:
            job = get_job(conn, _job_id(engine, export["id"]))
        assert job.reason is not None and "Connection refused" in job.reason
        assert site.api.get(f"{REPORTS}/{export['id']}/download").status_code == 404
        assert not list(down.exports_dir.glob("*.csv")) and not list(down.exports_dir.glob("*.tmp"))
        # A failed export no longer blocks the account.
        assert site.api.post(REPORTS, json=MARCH).status_code == 202


def test_a_crashed_job_leaves_no_csv_and_rerunning_it_completes_the_rest_export(site: Site, engine: Engine) -> None:
    export = site.api.post(REPORTS, json=MARCH).json()
    job_id = _job_id(engine, export["id"])
    # A worker that died mid-write: its task is gone, the row says running, a .tmp is left.
    assert site.queue.huey.dequeue() is not None
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE export_jobs SET status = 'running', attempts = 1 WHERE id = :id"), {"id": job_id})
    (site.settings.exports_dir).mkdir(parents=True, exist_ok=True)
    (site.settings.exports_dir / f"{job_id}.csv.tmp").write_text("date,product")
    stuck = site.api.get(f"{REPORTS}/{export['id']}").json()
    assert (stuck["status"], "download_urls" in stuck) == ("processing", False)
    assert site.api.get(f"{REPORTS}/{export['id']}/download").status_code == 404

    with engine.begin() as conn:
        requeue(conn, job_id)  # what the web's "Run again" does
    site.queue.enqueue(job_id)
    assert site.queue.run_queued() == 1
    done = site.api.get(f"{REPORTS}/{export['id']}").json()
    assert done["status"] == "completed"
    assert site.api.get(done["download_urls"][0]).text.startswith("date,product,sku,")
    assert not (site.settings.exports_dir / f"{job_id}.csv.tmp").exists()


def test_a_focus_export_is_the_file_report_focus_writes(site: Site, db_url: str, tmp_path: Path) -> None:
    created = site.api.post(REPORTS, json={**MARCH, "report_type": "focus"})
    assert created.status_code == 202, created.text
    site.queue.run_queued()
    done = site.api.get(f"{REPORTS}/{created.json()['id']}").json()
    assert (done["status"], done["report_type"]) == ("completed", "focus")
    download = site.api.get(done["download_urls"][0])
    env = {"SEATLEDGER_DATABASE_URL": db_url, "SEATLEDGER_DATA_DIR": str(tmp_path / "cli-data")}
    out = tmp_path / "focus.csv"
    result = CliRunner().invoke(
        cli_app,
        ["report", "focus", "--enterprise", "acme", "--start", "2026-03-01", "--end", "2026-03-31", "-o", str(out)],
        env=env,
    )
    assert result.exit_code == 0, result.output
    assert download.content == out.read_bytes()
    assert download.content.startswith(b"AvailabilityZone,BilledCost,")
