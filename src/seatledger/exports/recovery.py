"""Export jobs whose worker died: leases, the heartbeat that keeps one, and the sweep that
finds the jobs that lost theirs.

A worker takes a job by setting it running with a lease (``lease_until``) and renews the lease
while it works. A worker killed mid-job (kill -9, a crash, a lost machine) renews nothing: once
the lease runs out, the sweep (at the start of every queue consumer, then every lease period,
in ``serve`` and ``seatledger worker``) puts the job back in the queue while it has attempts
left, else marks it failed with the reason. The temporary files of jobs no live worker holds
(people's emails, half written) are removed by the same sweep.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import threading
import time
from pathlib import Path
from typing import Callable, Iterator

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from seatledger.config import Settings
from seatledger.db.clock import utc_at
from seatledger.db.tables_exports import EXPORT_FAILED, EXPORT_QUEUED, EXPORT_RUNNING, export_jobs
from seatledger.exports.links import Clock

# A job's temporary file: <id>.csv.tmp beside the finished <id>.csv.
TEMP_SUFFIX = ".csv.tmp"
ABANDONED_REASON = "the worker running this export stopped (killed or crashed) before it finished"

log = logging.getLogger(__name__)

__all__ = [
    "ABANDONED_REASON",
    "TEMP_SUFFIX",
    "Sweeper",
    "kept_lease",
    "lease_until",
    "live_lease",
    "recover_abandoned",
    "remove_stale_temp_files",
    "settle_abandoned_of",
]


def _now(clock: Clock) -> dt.datetime:
    return utc_at(clock()).replace(microsecond=0)


def lease_until(settings: Settings, clock: Clock) -> dt.datetime:
    """The end of a lease taken or renewed now."""
    return _now(clock) + dt.timedelta(seconds=max(1, settings.export_lease_seconds))


def live_lease(now: dt.datetime) -> sa.ColumnElement[bool]:
    """The job is running under a lease that has not run out."""
    j = export_jobs
    return sa.and_(j.c.status == EXPORT_RUNNING, j.c.lease_until.is_not(None), j.c.lease_until >= now)


def _abandoned(now: dt.datetime) -> sa.ColumnElement[bool]:
    # A running job without a lease was taken before leases existed, or by a worker that
    # died before writing one: no live worker holds it either.
    j = export_jobs
    return sa.and_(j.c.status == EXPORT_RUNNING, sa.or_(j.c.lease_until.is_(None), j.c.lease_until < now))


@contextlib.contextmanager
def kept_lease(settings: Settings, engine: Engine, job_id: int, clock: Clock) -> Iterator[None]:
    """Renew the job's lease every third of its length while the block runs (a thread with
    connections of its own), so a long export keeps its job and a dead one loses it."""
    stop = threading.Event()
    interval = max(1, settings.export_lease_seconds) / 3

    def beat() -> None:
        j = export_jobs
        while not stop.wait(interval):
            try:
                with engine.begin() as conn:
                    conn.execute(
                        sa.update(j)
                        .where(j.c.id == job_id, j.c.status == EXPORT_RUNNING)
                        .values(lease_until=lease_until(settings, clock))
                    )
            except sa.exc.SQLAlchemyError as exc:  # the next beat tries again; the job decides its fate
                log.warning("export #%s: could not renew its lease: %s", job_id, exc)

    thread = threading.Thread(target=beat, name=f"export-{job_id}-lease", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def settle_abandoned_of(conn: Connection, user_id: int, kind: str, clock: Clock) -> None:
    """Mark the person's abandoned jobs of this kind failed, so that a new request is not
    refused for ever by one whose worker died (there is no queue here to retry it)."""
    j = export_jobs
    now = _now(clock)
    conn.execute(
        sa.update(j)
        .where(j.c.requester_user_id == user_id, j.c.kind == kind, _abandoned(now))
        .values(status=EXPORT_FAILED, reason=ABANDONED_REASON, finished_at=now, lease_until=None)
    )


def recover_abandoned(settings: Settings, engine: Engine, clock: Clock = time.time) -> list[int]:
    """Put every abandoned job back in the queue while it has attempts left (returns their ids,
    to enqueue), else mark it failed with the reason; then remove stale temporary files."""
    j = export_jobs
    now = _now(clock)
    with engine.begin() as conn:
        rows = conn.execute(sa.select(j.c.id, j.c.attempts).where(_abandoned(now)).order_by(j.c.id)).all()
        retry = [int(r.id) for r in rows if r.attempts <= settings.export_retries]
        failed = [int(r.id) for r in rows if r.attempts > settings.export_retries]
        # Each update repeats the condition: a worker that took the job meanwhile keeps it.
        if retry:
            conn.execute(
                sa.update(j)
                .where(j.c.id.in_(retry), _abandoned(now))
                .values(status=EXPORT_QUEUED, reason=ABANDONED_REASON + "; retried", lease_until=None)
            )
        if failed:
            conn.execute(
                sa.update(j)
                .where(j.c.id.in_(failed), _abandoned(now))
                .values(status=EXPORT_FAILED, reason=ABANDONED_REASON, finished_at=now, lease_until=None)
            )
    for job_id in retry + failed:
        log.warning("export #%s lost its worker: %s", job_id, "retried" if job_id in retry else "failed")
    remove_stale_temp_files(settings, engine, clock)
    return retry


def remove_stale_temp_files(settings: Settings, engine: Engine, clock: Clock = time.time) -> list[Path]:
    """Remove the temporary files of jobs that no worker holds under a live lease."""
    directory = settings.exports_dir
    if not directory.is_dir():
        return []
    temps = {p: p.name.removesuffix(TEMP_SUFFIX) for p in directory.glob("*" + TEMP_SUFFIX)}
    if not temps:
        return []
    j = export_jobs
    with engine.connect() as conn:
        held = {str(i) for i in conn.execute(sa.select(j.c.id).where(live_lease(_now(clock)))).scalars()}
    removed = [p for p, job in temps.items() if job not in held]
    for path in removed:
        path.unlink(missing_ok=True)
    return removed


class Sweeper:
    """Runs :func:`recover_abandoned` at start and then every lease period in a thread,
    handing the jobs to retry to ``enqueue``."""

    def __init__(
        self, settings: Settings, engine: Engine, enqueue: Callable[[int], object], clock: Clock = time.time
    ) -> None:
        self.settings, self.engine, self.enqueue, self.clock = settings, engine, enqueue, clock
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def sweep(self) -> None:
        try:
            for job_id in recover_abandoned(self.settings, self.engine, self.clock):
                self.enqueue(job_id)
        except (sa.exc.SQLAlchemyError, OSError) as exc:  # the next sweep tries again
            log.warning("could not recover abandoned exports: %s", exc)

    def start(self) -> "Sweeper":
        self.sweep()
        interval = max(1, self.settings.export_lease_seconds)

        def loop() -> None:
            while not self._stop.wait(interval):
                self.sweep()

        self._thread = threading.Thread(target=loop, name="export-sweeper", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
