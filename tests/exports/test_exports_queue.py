"""The export queue for real: huey's SQLite queue (the embedded default) and Redis, each with a
consumer thread running the real job, and mail delivered to a real SMTP server."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
import redis
from huey.signals import SIGNAL_COMPLETE, SIGNAL_ERROR
from livesupport import SmtpSink
from sqlalchemy.engine import Engine

from seatledger.config import Settings
from seatledger.db.ledger import Ledger
from seatledger.errors import ConfigError
from seatledger.exports.catalog import report_request
from seatledger.exports.jobs import get_job, request_export
from seatledger.exports.queue import TASK_NAME, ExportQueue, build_huey

T0 = dt.datetime(2026, 1, 1)
REDIS_URL = "redis://127.0.0.1:6379/14"


def _requester(engine: Engine) -> int:
    with engine.begin() as conn:
        led = Ledger(conn)
        eid = led.add_enterprise("acme", created_at=T0)
        org = led.add_org(eid, "acme-web", created_at=T0)
        mona = led.add_user(eid, "mona", emails=["mona@acme.test"], created_at=T0)
        led.add_enterprise_role(eid, mona, "owner", started_at=T0)
        led.add_membership(org, mona, "owner", started_at=T0)
        return mona


def _run_through_consumer(queue: ExportQueue, job_id: int) -> None:
    done = threading.Event()
    outcome: list[str] = []

    @queue.huey.signal(SIGNAL_COMPLETE, SIGNAL_ERROR)
    def _finished(signal: str, task: Any, exc: Exception | None = None) -> None:
        if task.name != TASK_NAME:  # a periodic task (alerts run every minute)
            return
        outcome.append(signal)
        done.set()

    consumer = queue.consumer(1, embedded=True)
    consumer.start()
    try:
        queue.enqueue(job_id)
        assert done.wait(60), "the consumer did not run the job"
    finally:
        consumer.stop(graceful=True)
    assert outcome == [SIGNAL_COMPLETE]


@pytest.mark.parametrize("backend", ["sqlite-queue", "redis-queue"])
def test_a_consumer_thread_runs_the_queued_export_and_mails_it_over_smtp(
    backend: str, settings: Settings, engine: Engine, smtp: SmtpSink
) -> None:
    if backend == "redis-queue":
        try:
            redis.Redis.from_url(REDIS_URL).ping()
        except redis.RedisError:
            pytest.skip("Redis at 127.0.0.1:6379 is not reachable")
        settings = settings.with_(queue_url=REDIS_URL)
    settings = settings.with_(smtp_url=f"smtp://127.0.0.1:{smtp.port}")
    mona = _requester(engine)
    queue = ExportQueue(settings, engine, base_url="http://sl.test")
    queue.huey.flush()
    with engine.begin() as conn:
        job_id = request_export(conn, mona, report_request("license-usage", "organization:acme-web"))
    _run_through_consumer(queue, job_id)
    with engine.connect() as conn:
        assert get_job(conn, job_id).status == "ready"
    [mail] = smtp.messages
    assert mail["To"] == "mona@acme.test"
    assert f"http://sl.test/exports/{job_id}/download?token=" in mail.get_payload(decode=True).decode()
    if backend == "sqlite-queue":
        assert (settings.data_dir / "queue.db").exists()


def test_the_queue_url_picks_the_backend(tmp_path: Any) -> None:
    from huey import RedisHuey, SqliteHuey

    base = Settings(data_dir=tmp_path)
    assert isinstance(build_huey(base), SqliteHuey)
    assert isinstance(build_huey(base.with_(queue_url=REDIS_URL)), RedisHuey)
    with pytest.raises(ConfigError):
        build_huey(base.with_(queue_url="amqp://broker"))
