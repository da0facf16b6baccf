"""Export jobs: the real job code (CSV to a temp file, rename, mail with a signed link), the
one-pending-request rule, bounded retries, crash safety, and link expiry."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import stat
from email.message import EmailMessage
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from seatledger.config import Settings
from seatledger.db.ledger import Ledger
from seatledger.db.tables_exports import export_jobs
from seatledger.errors import InvalidInput
from seatledger.exports.catalog import report_request
from seatledger.exports.jobs import ExportPending, JobFailed, get_job, request_export, requeue, run_export
from seatledger.exports.links import LinkExpired, sign_job, verify_job_token
from seatledger.exports.mail import MaildirMailer, iter_outbox
from seatledger.exports.secret_key import effective_secret_key, secret_key_path
from seatledger.licensing import count_consumed

AS_OF = dt.datetime(2026, 3, 15, 12, 0)
T0 = dt.datetime(2026, 1, 1)
NOW_TS = AS_OF.replace(tzinfo=dt.timezone.utc).timestamp()
SECRET = "test-secret-key"


def clock() -> float:
    return NOW_TS


def _ledger(engine: Engine) -> int:
    """acme with an owner (mona, who requests) and three org members; returns mona's id."""
    with engine.begin() as conn:
        led = Ledger(conn)
        eid = led.add_enterprise("acme", created_at=T0)
        org = led.add_org(eid, "acme-web", created_at=T0)
        mona = led.add_user(eid, "mona", emails=["Mona@Acme.test"], created_at=T0)
        led.add_enterprise_role(eid, mona, "owner", started_at=T0)
        for login in ("ann", "bob", "cy"):
            uid = led.add_user(eid, login, emails=[f"{login}@acme.test"], created_at=T0)
            led.add_membership(org, uid, "member", started_at=T0)
        return mona


class BrokenMailer:
    """A mail server that is down."""

    def __init__(self) -> None:
        self.calls = 0

    def send(self, message: EmailMessage) -> None:
        self.calls += 1
        raise ConnectionRefusedError("connection refused")


def _run(settings: Settings, engine: Engine, job_id: int, mailer: object) -> str:
    return run_export(
        settings, engine, job_id, mailer=mailer, secret_key=SECRET, base_url="http://sl.test", clock=clock
    )  # type: ignore[arg-type]


def test_job_writes_the_csv_then_mails_a_signed_link_to_the_primary_email(settings: Settings, engine: Engine) -> None:
    mona = _ledger(engine)
    request = report_request("license-usage", "enterprise:acme")
    with engine.begin() as conn:
        job_id = request_export(conn, mona, request, clock=clock)
    outbox = settings.outbox_dir
    assert _run(settings, engine, job_id, MaildirMailer(outbox)) == "ready"

    with engine.connect() as conn:
        job = get_job(conn, job_id)
        consumed = count_consumed(conn, "acme", as_of=AS_OF)
    assert job.status == "ready" and job.attempts == 1 and job.finished_at == AS_OF
    path = Path(job.file_path or "")
    assert path == settings.exports_dir / f"{job_id}.csv"
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert len(rows) - 1 == consumed == job.rows == 3
    assert not list(settings.exports_dir.glob("*.tmp"))

    [(_key, mail)] = list(iter_outbox(outbox, {"mona@acme.test"}))
    assert mail["To"] == "mona@acme.test"
    token = re.search(rf"http://sl\.test/exports/{job_id}/download\?token=(\S+)", mail.get_content())
    assert token is not None
    assert verify_job_token(SECRET, token.group(1), settings.download_link_ttl_seconds, clock=clock) == job_id


def test_a_second_request_of_the_same_report_while_one_is_pending_is_refused(engine: Engine) -> None:
    mona = _ledger(engine)
    with engine.begin() as conn:
        first = request_export(conn, mona, report_request("license-usage", "enterprise:acme"), clock=clock)
        with pytest.raises(ExportPending) as refused:
            request_export(conn, mona, report_request("license-usage", "enterprise:acme"), clock=clock)
        assert refused.value.job_id == first
        # Another kind is its own queue.
        request_export(conn, mona, report_request("copilot-activity", "enterprise:acme"), clock=clock)
        conn.execute(sa.update(export_jobs).where(export_jobs.c.id == first).values(status="ready"))
        # Once the first is done, the same report may be asked again.
        request_export(conn, mona, report_request("license-usage", "enterprise:acme"), clock=clock)


def test_one_pending_rule_is_per_product_and_scope_and_the_refusal_names_the_pending_job(engine: Engine) -> None:
    mona = _ledger(engine)
    with engine.begin() as conn:
        code = request_export(
            conn, mona, report_request("advanced-security", "enterprise:acme", "code_security"), clock=clock
        )
        # Another product, and another scope, are other reports: each is queued.
        secret = request_export(
            conn, mona, report_request("advanced-security", "enterprise:acme", "secret_protection"), clock=clock
        )
        org = request_export(conn, mona, report_request("license-usage", "organization:acme-web"), clock=clock)
        ent = request_export(conn, mona, report_request("license-usage", "enterprise:acme"), clock=clock)
        assert len({code, secret, org, ent}) == 4
        with pytest.raises(ExportPending) as refused:
            request_export(
                conn, mona, report_request("advanced-security", "enterprise:acme", "secret_protection"), clock=clock
            )
        kinds = conn.execute(
            sa.select(export_jobs.c.product).where(export_jobs.c.kind == "advanced-security")
        ).scalars()
        assert sorted(kinds) == ["code_security", "secret_protection"]  # the refused one made no job
    assert refused.value.job_id == secret
    assert refused.value.message == (
        f"You already have a Secret Protection report being prepared (export #{secret}, enterprise acme); "
        "wait for its email before requesting another."
    )


def test_a_failing_job_is_retried_a_bounded_number_of_times_and_leaves_no_file(
    settings: Settings, engine: Engine
) -> None:
    settings = settings.with_(export_retries=2)
    mona = _ledger(engine)
    with engine.begin() as conn:
        job_id = request_export(conn, mona, report_request("license-usage", "enterprise:acme"), clock=clock)
    mailer = BrokenMailer()
    for _attempt in range(2):  # the queue retries on JobFailed
        with pytest.raises(JobFailed):
            _run(settings, engine, job_id, mailer)
        with engine.connect() as conn:
            assert get_job(conn, job_id).status == "queued"
    assert _run(settings, engine, job_id, mailer) == "failed"
    with engine.connect() as conn:
        job = get_job(conn, job_id)
    assert (job.status, job.attempts, mailer.calls) == ("failed", 3, 3)
    assert "connection refused" in (job.reason or "")
    assert not list(settings.exports_dir.glob("*.tmp"))

    # A failed job can be run again, and then succeeds.
    with engine.begin() as conn:
        requeue(conn, job_id)
    assert _run(settings, engine, job_id, MaildirMailer(settings.outbox_dir)) == "ready"


def test_a_crash_while_writing_leaves_no_csv_and_the_job_can_be_rerun(settings: Settings, engine: Engine) -> None:
    mona = _ledger(engine)
    with engine.begin() as conn:
        job_id = request_export(conn, mona, report_request("license-usage", "enterprise:acme"), clock=clock)
        # The worker died mid-job: the row says running, a partial temp file is left behind.
        conn.execute(sa.update(export_jobs).where(export_jobs.c.id == job_id).values(status="running", attempts=1))
    settings.exports_dir.mkdir(parents=True)
    (settings.exports_dir / f"{job_id}.csv.tmp").write_text("GitHub com login,Git")
    assert not (settings.exports_dir / f"{job_id}.csv").exists()
    with engine.begin() as conn:
        requeue(conn, job_id)
    assert _run(settings, engine, job_id, MaildirMailer(settings.outbox_dir)) == "ready"
    text = (settings.exports_dir / f"{job_id}.csv").read_text(encoding="utf-8")
    assert len(text.splitlines()) == 4
    assert not (settings.exports_dir / f"{job_id}.csv.tmp").exists()


def test_a_ready_job_delivered_twice_is_not_run_again(settings: Settings, engine: Engine) -> None:
    mona = _ledger(engine)
    with engine.begin() as conn:
        job_id = request_export(conn, mona, report_request("copilot-activity", "enterprise:acme"), clock=clock)
    box = MaildirMailer(settings.outbox_dir)
    assert _run(settings, engine, job_id, box) == "ready"
    assert _run(settings, engine, job_id, box) == "ready"
    assert len(list(iter_outbox(settings.outbox_dir, {"mona@acme.test"}))) == 1


def test_a_download_link_expires_after_its_time_to_live_and_rejects_tampering() -> None:
    token = sign_job(SECRET, 42, clock=clock)
    assert verify_job_token(SECRET, token, 3600, clock=lambda: NOW_TS + 3600) == 42
    with pytest.raises(LinkExpired) as expired:
        verify_job_token(SECRET, token, 3600, clock=lambda: NOW_TS + 3602)
    assert expired.value.status_code == 410
    with pytest.raises(InvalidInput):
        verify_job_token(SECRET, token.replace("42", "43", 1), 3600, clock=clock)
    with pytest.raises(InvalidInput):
        verify_job_token("another-key", token, 3600, clock=clock)


def test_without_a_configured_key_one_is_generated_once_and_kept_private(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    key = effective_secret_key(settings)
    assert len(key) > 40
    assert effective_secret_key(settings) == key
    assert stat.S_IMODE(os.stat(secret_key_path(settings)).st_mode) == 0o600
    assert effective_secret_key(settings.with_(secret_key="configured")) == "configured"
