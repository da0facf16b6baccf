"""``seatledger worker``: a separate process runs the jobs that the web app queues on Redis."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys

import pytest
import redis
from sqlalchemy.engine import Engine

from seatledger.config import Settings
from seatledger.db.ledger import Ledger
from seatledger.exports.catalog import report_request
from seatledger.exports.jobs import get_job, request_export
from seatledger.exports.mail import iter_outbox
from seatledger.exports.queue import ExportQueue

T0 = dt.datetime(2026, 1, 1)
REDIS_URL = "redis://127.0.0.1:6379/14"


def test_the_worker_command_runs_queued_exports_until_interrupted(
    settings: Settings, engine: Engine, db_url: str
) -> None:
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.RedisError:
        pytest.skip("Redis at 127.0.0.1:6379 is not reachable")
    settings = settings.with_(queue_url=REDIS_URL)
    with engine.begin() as conn:
        led = Ledger(conn)
        eid = led.add_enterprise("acme", created_at=T0)
        mona = led.add_user(eid, "mona", emails=["mona@acme.test"], created_at=T0)
        led.add_enterprise_role(eid, mona, "owner", started_at=T0)
        job_id = request_export(conn, mona, report_request("copilot-activity", "enterprise:acme"))
    queue = ExportQueue(settings, engine)  # what `serve` would use to queue the job
    queue.huey.flush()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEATLEDGER_")}
    env.update(
        SEATLEDGER_DATA_DIR=str(settings.data_dir),
        SEATLEDGER_DATABASE_URL=db_url,
        SEATLEDGER_QUEUE_URL=REDIS_URL,
        SEATLEDGER_SECRET_KEY=settings.secret_key,
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "seatledger", "worker", "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        result = queue.enqueue(job_id)
        # Blocks on the result the worker stores in Redis when the job is done.
        assert result.get(blocking=True, timeout=120) == "ready"
    finally:
        worker.send_signal(signal.SIGINT)
        _out, err = worker.communicate(timeout=60)
    assert worker.returncode == 0, err
    assert "seatledger worker: 1 thread(s) on redis://" in err
    with engine.connect() as conn:
        assert get_job(conn, job_id).status == "ready"
    assert len(list(iter_outbox(settings.outbox_dir, {"mona@acme.test"}))) == 1
