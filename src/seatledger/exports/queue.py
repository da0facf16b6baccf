"""The export queue: huey with its SQLite queue file in the data directory by default, or
Redis with ``SEATLEDGER_QUEUE_URL=redis://...``. ``serve`` runs consumer threads in-process;
``seatledger worker`` runs a consumer on its own (any number of machines, with Redis)."""

from __future__ import annotations

import hashlib
import logging
import time
from typing import Any, Callable

from huey import Huey, RedisHuey, SqliteHuey, crontab
from huey.consumer import Consumer
from sqlalchemy.engine import Engine

from seatledger.config import Settings
from seatledger.db.clock import utc_at
from seatledger.errors import ConfigError
from seatledger.exports.jobs import run_export
from seatledger.exports.links import Clock
from seatledger.exports.mail import Mailer, mailer_for
from seatledger.exports.recovery import Sweeper
from seatledger.exports.secret_key import effective_secret_key

QUEUE_NAME = "seatledger-exports"
TASK_NAME = "seatledger.export"
VERIFY_TASK_NAME = "seatledger.verify_intervals"
VERIFY_AT = (3, 17)  # (hour, minute) UTC of the daily check
ALERTS_EVALUATE_TASK_NAME = "seatledger.alerts_evaluate"
ALERTS_DELIVER_TASK_NAME = "seatledger.alerts_deliver"
# Alerts that time alone changes (an expiry coming closer) are evaluated this often; writes
# evaluate theirs as they commit. Due deliveries (retries included) are sent every minute.
ALERTS_EVALUATE_EVERY_MINUTES = 5
DIGESTS_TASK_NAME = "seatledger.digests_send"
DIGESTS_AT = (6, 7)  # (hour, minute) UTC of the daily run that sends the digests due
QUEUE_FILE = "queue.db"
RETRY_DELAY_S = 5
IN_PROCESS_WORKERS = 2

log = logging.getLogger(__name__)


def queue_name(settings: Settings) -> str:
    """The queue's name, per ledger: workers of one ledger never take another ledger's jobs
    when several seatledger installations share a Redis server."""
    digest = hashlib.sha256(settings.effective_database_url.encode()).hexdigest()[:12]
    return f"{QUEUE_NAME}-{digest}"


def build_huey(settings: Settings, *, immediate: bool = False) -> Huey:
    """The huey instance the settings ask for."""
    url = settings.queue_url
    if immediate:
        return Huey(QUEUE_NAME, immediate=True)
    if not url:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        return SqliteHuey(QUEUE_NAME, filename=str(settings.data_dir / QUEUE_FILE))
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey(queue_name(settings), url=url)
    if url.startswith("sqlite:///"):
        return SqliteHuey(QUEUE_NAME, filename=url.removeprefix("sqlite:///"))
    raise ConfigError(f"SEATLEDGER_QUEUE_URL must be redis://... or sqlite:///PATH, not {url!r}")


class _EmbeddedConsumer(Consumer):  # type: ignore[misc]  # huey ships no types: its Consumer is Any here
    # The web server owns the process signals; the embedded consumer must not take them.
    def _set_signal_handlers(self) -> None:
        pass


class ExportQueue:
    """The huey instance with the export task registered on it."""

    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        *,
        immediate: bool = False,
        base_url: str | None = None,
        clock: Clock = time.time,
        mailer: Mailer | None = None,
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.base_url = base_url or settings.base_url
        self.clock = clock
        self.mailer = mailer or mailer_for(settings)
        self.secret_key = effective_secret_key(settings)
        self.huey = build_huey(settings, immediate=immediate)
        self._task: Callable[[int], object] = self.huey.task(
            retries=settings.export_retries, retry_delay=RETRY_DELAY_S, name=TASK_NAME
        )(self.run)
        # Every day the kept license intervals are checked against the facts (and repaired):
        # the result is shown on the enterprise Licensing page and in /healthz.
        self.huey.periodic_task(crontab(minute=str(VERIFY_AT[1]), hour=str(VERIFY_AT[0])), name=VERIFY_TASK_NAME)(
            self.verify_intervals
        )
        self.huey.periodic_task(crontab(minute=f"*/{ALERTS_EVALUATE_EVERY_MINUTES}"), name=ALERTS_EVALUATE_TASK_NAME)(
            self.evaluate_alerts
        )
        self.huey.periodic_task(crontab(minute="*"), name=ALERTS_DELIVER_TASK_NAME)(self.deliver_alerts)
        self.huey.periodic_task(crontab(minute=str(DIGESTS_AT[1]), hour=str(DIGESTS_AT[0])), name=DIGESTS_TASK_NAME)(
            self.send_digests
        )
        self._consumer: Consumer | None = None
        self._sweeper: Sweeper | None = None

    def evaluate_alerts(self) -> int:
        """The scheduled evaluation of every enterprise's alert rules; returns how many changed."""
        from seatledger.alerts.evaluation import evaluate_all

        return evaluate_all(self.engine)

    def deliver_alerts(self) -> int:
        """Send the alert deliveries due now (email through this queue's mailer, webhooks)."""
        from seatledger.alerts.delivery import Deliverer

        deliverer = Deliverer(self.settings, self.engine, mailer=self.mailer, clock=self.clock)
        try:
            return deliverer.deliver_due()
        finally:
            deliverer.close()

    def send_digests(self) -> int:
        """Send the weekly and monthly digests due now; returns how many were sent."""
        from seatledger.digests.sending import send_digests

        return send_digests(self.engine, self.settings, self.mailer, self.secret_key, now=utc_at(self.clock())).sent

    def verify_intervals(self) -> int:
        """The daily check: every enterprise's intervals verified, repaired where they drifted;
        returns how many differences were found."""
        from seatledger.licensing import iter_enterprise_slugs, verify_intervals

        found = 0
        with self.engine.begin() as conn:
            for slug in list(iter_enterprise_slugs(conn)):
                found += len(verify_intervals(conn, slug, repair=True))
        self.evaluate_alerts()  # a verify-drift alert fires (or clears) with the check
        return found

    @property
    def immediate(self) -> bool:
        return bool(self.huey.immediate)

    def run(self, job_id: int) -> str:
        """The task body: run the real export job in this process."""
        return run_export(
            self.settings,
            self.engine,
            job_id,
            mailer=self.mailer,
            secret_key=self.secret_key,
            base_url=self.base_url,
            clock=self.clock,
        )

    def enqueue(self, job_id: int) -> Any:
        """Queue the job; returns huey's result handle (``.get(blocking=True)`` waits for it)."""
        return self._task(job_id)

    def consumer(self, workers: int = 1, *, embedded: bool = False) -> Consumer:
        cls = _EmbeddedConsumer if embedded else Consumer
        return cls(self.huey, workers=workers, periodic=True, worker_type="thread", max_delay=2.0)

    def start_sweeper(self) -> Sweeper:
        """Retry or fail the jobs whose worker died, now and every lease period (see
        ``exports/recovery.py``); every consumer runs one."""
        if self._sweeper is None:
            self._sweeper = Sweeper(self.settings, self.engine, self.enqueue, self.clock).start()
        return self._sweeper

    def start_in_process(self, workers: int = IN_PROCESS_WORKERS) -> None:
        """Start consumer threads inside this process (what ``serve`` does)."""
        if self.immediate or self._consumer is not None:
            return
        self._consumer = self.consumer(workers, embedded=True)
        self._consumer.start()
        self.start_sweeper()

    def stop_in_process(self) -> None:
        if self._sweeper is not None:
            self._sweeper.stop()
            self._sweeper = None
        if self._consumer is not None:
            self._consumer.stop(graceful=True)
            self._consumer = None
