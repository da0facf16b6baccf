"""Exports survive a dead worker: a job whose worker died (kill -9 of ``serve``) is retried or
failed with its reason once its lease runs out, and no temporary file with people's data stays."""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Iterator

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from seatledger import tokens
from seatledger.config import Settings
from seatledger.db.ledger import Ledger
from seatledger.db.tables_exports import EXPORT_FAILED, EXPORT_QUEUED, EXPORT_READY, EXPORT_RUNNING, export_jobs
from seatledger.exports.catalog import LICENSE_USAGE, report_request
from seatledger.exports.jobs import get_job, request_export
from seatledger.exports.recovery import ABANDONED_REASON, recover_abandoned

LONG_AGO = dt.datetime(2024, 1, 1)
DEADLINE_S = 90
LEASE_S = 2


def _owner_with_a_token(engine: Engine) -> tuple[int, str]:
    with engine.begin() as conn:
        led = Ledger(conn)
        eid = led.add_enterprise("acme", "Acme", created_at=LONG_AGO)
        uid = led.add_user(eid, "owner", emails=["owner@acme.test"], created_at=LONG_AGO)
        led.add_enterprise_role(eid, uid, "owner", started_at=LONG_AGO)
        _id, token = tokens.create_token(conn, "acme", "owner", "manage_billing:enterprise")
    return uid, token


def _until(condition: Callable[[], object], what: str) -> object:
    """Poll ``condition`` until it is truthy, for at most DEADLINE_S."""
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"gave up waiting for {what}")


@pytest.fixture
def silent_smtp() -> Iterator[str]:
    """An SMTP address that accepts the connection and never greets: a job mailing there
    stays running (in the mail step) until its worker dies."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield f"smtp://127.0.0.1:{sock.getsockname()[1]}"


def _serve(db_url: str, data_dir: Path, **env_extra: str) -> tuple["subprocess.Popen[str]", str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEATLEDGER_")}
    env.update(
        SEATLEDGER_DATA_DIR=str(data_dir),
        SEATLEDGER_DATABASE_URL=db_url,
        SEATLEDGER_WARM_AHEAD="0",
        SEATLEDGER_EXPORT_LEASE=str(LEASE_S),
        SEATLEDGER_SECRET_KEY="crash-test-key",
        **env_extra,
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "seatledger", "serve", "--port", "0", "--no-access-log"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.startswith("seatledger is serving at http://"), line
    return proc, line.split()[4].rstrip("/")


def _status(engine: Engine, job_id: int) -> str:
    with engine.connect() as conn:
        return get_job(conn, job_id).status


def test_an_export_whose_serve_was_killed_ends_done_or_failed_after_restart_leaving_no_temp_file(
    engine: Engine, db_url: str, tmp_path: Path, silent_smtp: str
) -> None:
    _uid, token = _owner_with_a_token(engine)
    data = tmp_path / "data"
    proc, url = _serve(db_url, data, SEATLEDGER_SMTP_URL=silent_smtp)
    try:
        body = {"report_type": "summarized", "start_date": "2026-01-01", "end_date": "2026-01-31", "send_email": True}
        with httpx.Client(base_url=url, timeout=60, headers={"Authorization": f"Bearer {token}"}) as http:
            answer = http.post("/api/v3/enterprises/acme/settings/billing/reports", json=body)
        assert answer.status_code == 202, answer.text
        with engine.connect() as conn:
            job_id = int(conn.execute(sa.select(sa.func.max(export_jobs.c.id))).scalar_one())
        _until(lambda: _status(engine, job_id) == EXPORT_RUNNING, "the export to run")
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        assert _status(engine, job_id) == EXPORT_RUNNING  # what the dead worker left
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)

    proc, _url = _serve(db_url, data)  # mail to the outbox this time
    try:
        final = _until(
            lambda: (s := _status(engine, job_id)) in (EXPORT_READY, EXPORT_FAILED) and s, "the export to end"
        )
        with engine.connect() as conn:
            job = get_job(conn, job_id)
        assert final == EXPORT_READY or (job.reason or "").startswith(ABANDONED_REASON), job
        assert job.attempts == 2
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    exports = data / "exports"
    assert not list(exports.glob("*.tmp")) and not list(exports.glob(".*"))


def _set_running(engine: Engine, job_id: int, *, attempts: int, lease_until: dt.datetime | None) -> None:
    j = export_jobs
    with engine.begin() as conn:
        conn.execute(
            sa.update(j)
            .where(j.c.id == job_id)
            .values(status=EXPORT_RUNNING, attempts=attempts, lease_until=lease_until)
        )


def test_a_job_past_its_lease_is_retried_while_it_has_attempts_then_failed_with_the_reason(
    settings: Settings, engine: Engine
) -> None:
    uid, _token = _owner_with_a_token(engine)
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)
    with engine.begin() as conn:
        first = request_export(conn, uid, report_request(LICENSE_USAGE, "enterprise:acme"))
    settings.exports_dir.mkdir(parents=True)
    stale = settings.exports_dir / f"{first}.csv.tmp"
    stale.write_bytes(b"login,email\r\nowner,owner@acme.test\r\n")

    _set_running(engine, first, attempts=1, lease_until=now + dt.timedelta(minutes=5))  # a live worker holds it
    assert recover_abandoned(settings, engine) == [] and stale.exists()

    _set_running(engine, first, attempts=1, lease_until=now - dt.timedelta(seconds=1))
    assert recover_abandoned(settings, engine) == [first]
    assert _status(engine, first) == EXPORT_QUEUED and not stale.exists()

    _set_running(engine, first, attempts=settings.export_retries + 1, lease_until=None)
    assert recover_abandoned(settings, engine) == []
    with engine.connect() as conn:
        job = get_job(conn, first)
    assert (job.status, job.reason) == (EXPORT_FAILED, ABANDONED_REASON)


def test_a_request_is_not_refused_for_ever_by_one_whose_worker_died(engine: Engine) -> None:
    uid, _token = _owner_with_a_token(engine)
    wanted = report_request(LICENSE_USAGE, "enterprise:acme")
    with engine.begin() as conn:
        first = request_export(conn, uid, wanted)
    _set_running(engine, first, attempts=1, lease_until=dt.datetime(2000, 1, 1))
    with engine.begin() as conn:
        second = request_export(conn, uid, wanted)
        assert (get_job(conn, first).status, get_job(conn, first).reason) == (EXPORT_FAILED, ABANDONED_REASON)
    assert second != first
