"""Export jobs: "Email me the report" requests, their lifecycle, and the job itself.

A request becomes a row of ``export_jobs`` (queued). The job writes the CSV to
``<data>/exports/<id>.csv.tmp``, renames it to ``<id>.csv`` only when complete, mails the
requester a signed link (unless the request said not to: the REST API's usage report exports
with ``send_email: false``), and marks the row ready. A failure removes the temporary file and
either puts the row back to queued (the queue retries it) or, after the last attempt, marks it
failed with the reason. A crash mid-way leaves at most a ``.tmp`` file, never a truncated
``.csv``, and the job can be run again.
"""

from __future__ import annotations

import datetime as dt
import os
import smtplib
import time
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Iterator

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from seatledger.config import Settings
from seatledger.db import tables as t
from seatledger.db.conflicts import upsert_insert
from seatledger.db.clock import utc_at
from seatledger.db.tables_exports import (
    EXPORT_EXPIRED,
    EXPORT_FAILED,
    EXPORT_QUEUED,
    EXPORT_READY,
    EXPORT_RUNNING,
    PENDING_KEY,
    PENDING_WHERE,
    export_jobs,
)
from seatledger.errors import InvalidInput, LedgerError, NotFound
from seatledger.exports.catalog import SCOPE_LABELS, ReportRequest, UsageParams, report_request, write_report
from seatledger.exports.links import Clock, lifetime, sign_job
from seatledger.exports.mail import Mailer, new_message
from seatledger.exports.recovery import TEMP_SUFFIX, kept_lease, lease_until, live_lease, settle_abandoned_of

PENDING = (EXPORT_QUEUED, EXPORT_RUNNING)


class ExportPending(InvalidInput):
    """The person already has a request of this report (kind, product, scope) queued or running."""

    status_code = 409

    def __init__(self, message: str, job_id: int | None = None) -> None:
        super().__init__(message)
        self.job_id = job_id  # the request still pending


@dataclass(frozen=True)
class ExportJob:
    id: int
    requester_user_id: int
    request: ReportRequest
    status: str
    reason: str | None
    file_path: str | None
    rows: int | None
    created_at: dt.datetime
    finished_at: dt.datetime | None
    attempts: int
    notify: bool = True  # mail the requester a link when done

    def expires_at(self, ttl_seconds: int) -> dt.datetime | None:
        return self.finished_at + dt.timedelta(seconds=ttl_seconds) if self.finished_at else None


def _now(clock: Clock) -> dt.datetime:
    return utc_at(clock()).replace(microsecond=0)


def _job(row: sa.Row[*tuple[Any, ...]]) -> ExportJob:
    return ExportJob(
        id=row.id,
        requester_user_id=row.requester_user_id,
        request=report_request(
            row.kind, row.scope, row.product, UsageParams.from_json(row.params) if row.params else None, row.as_of
        ),
        status=row.status,
        reason=row.reason,
        file_path=row.file_path,
        rows=row.rows,
        created_at=row.created_at,
        finished_at=row.finished_at,
        attempts=row.attempts,
        notify=bool(row.notify),
    )


def request_export(
    conn: Connection, user_id: int, request: ReportRequest, *, notify: bool = True, clock: Clock = time.time
) -> int:
    """Record a request (queued) and return its id; ExportPending if one of the same report
    (kind, Advanced Security product and scope) is still queued or running for this person:
    Code Security and Secret Protection, or an org's report and the enterprise's, are each
    their own request. ``notify=False`` writes the file without mailing (the REST API's
    ``send_email: false``)."""
    j = export_jobs
    settle_abandoned_of(conn, user_id, request.kind, clock)  # one whose worker died refuses nobody
    values = dict(
        requester_user_id=user_id,
        kind=request.kind,
        scope=request.scope_token,
        product=request.product,
        params=request.usage.to_json() if request.usage else None,
        as_of=request.as_of,
        status=EXPORT_QUEUED,
        created_at=_now(clock),
        attempts=0,
        notify=notify,
    )
    # The one-pending-request rule is the database's (a partial unique index): a request racing
    # ours inserts nothing here, without aborting the caller's transaction, and is told which
    # request is pending.
    job_id = conn.execute(
        upsert_insert(conn)(j)
        .values(**values)
        .on_conflict_do_nothing(index_elements=list(PENDING_KEY), index_where=sa.text(PENDING_WHERE))
        .returning(j.c.id)
    ).scalar()
    if job_id is not None:
        return int(job_id)
    pending = conn.execute(
        sa.select(j)
        .where(
            j.c.requester_user_id == user_id,
            j.c.kind == request.kind,
            j.c.scope == request.scope_token,
            sa.func.coalesce(j.c.product, "") == (request.product or ""),
            j.c.status.in_(PENDING),
        )
        .limit(1)
    ).first()
    # Named after the pending request, which is the one the person is waiting for.
    held = _job(pending).request if pending is not None else request
    where = f"{SCOPE_LABELS[held.scope.kind]} {held.scope.name}"
    raise ExportPending(
        f"You already have a {held.label} report being prepared ("
        + (f"export #{pending.id}, " if pending is not None else "")
        + f"{where}); wait for its email before requesting another.",
        job_id=int(pending.id) if pending is not None else None,
    )


def pending_counts(conn: Connection, enterprise_id: int | None = None) -> dict[str, int]:
    """How many export jobs wait (``queued``) and run (``running``), read from the jobs table
    (what every consumer on every machine shares), optionally only those requested by people
    of one enterprise."""
    j = export_jobs
    stmt = sa.select(j.c.status, sa.func.count()).where(j.c.status.in_(PENDING)).group_by(j.c.status)
    if enterprise_id is not None:
        stmt = stmt.join(t.users, t.users.c.id == j.c.requester_user_id).where(t.users.c.enterprise_id == enterprise_id)
    counts = {status: 0 for status in PENDING}
    counts.update({status: int(n) for status, n in conn.execute(stmt)})
    return counts


def get_job(conn: Connection, job_id: int) -> ExportJob:
    row = conn.execute(sa.select(export_jobs).where(export_jobs.c.id == job_id)).first()
    if row is None:
        raise NotFound(f"no export #{job_id}")
    return _job(row)


def iter_jobs(conn: Connection, user_id: int, *, limit: int = 50) -> Iterator[ExportJob]:
    """A person's exports, newest first."""
    j = export_jobs
    for row in conn.execute(sa.select(j).where(j.c.requester_user_id == user_id).order_by(j.c.id.desc()).limit(limit)):
        yield _job(row)


def expire_old(conn: Connection, settings: Settings, *, clock: Clock = time.time) -> int:
    """Mark ready exports older than the link lifetime expired and delete their files."""
    j = export_jobs
    cutoff = _now(clock) - dt.timedelta(seconds=settings.download_link_ttl_seconds)
    rows = conn.execute(
        sa.select(j.c.id, j.c.file_path).where(j.c.status == EXPORT_READY, j.c.finished_at < cutoff)
    ).all()
    for row in rows:
        if row.file_path:
            Path(row.file_path).unlink(missing_ok=True)
        conn.execute(sa.update(j).where(j.c.id == row.id).values(status=EXPORT_EXPIRED))
    return len(rows)


def requeue(conn: Connection, job_id: int) -> None:
    """Put a failed (or crashed, still 'running') job back in the queue with fresh attempts."""
    job = get_job(conn, job_id)
    j = export_jobs
    live = conn.execute(sa.select(j.c.id).where(j.c.id == job_id, live_lease(_now(time.time)))).first()
    if job.status not in (EXPORT_FAILED, EXPORT_RUNNING) or live is not None:
        state = "running" if live is not None else job.status
        raise InvalidInput(f"export #{job_id} is {state}; only failed or stuck exports can be re-run")
    conn.execute(
        sa.update(j).where(j.c.id == job_id).values(status=EXPORT_QUEUED, reason=None, attempts=0, lease_until=None)
    )


def primary_email(conn: Connection, user_id: int) -> str | None:
    e = t.user_emails
    return conn.execute(
        sa.select(e.c.email).where(e.c.user_id == user_id).order_by(e.c.is_primary.desc(), e.c.id).limit(1)
    ).scalar()


def final_path(settings: Settings, job_id: int) -> Path:
    return settings.exports_dir / f"{job_id}.csv"


class JobFailed(Exception):
    """Raised to the queue so that it retries the job."""


def run_export(
    settings: Settings,
    engine: Engine,
    job_id: int,
    *,
    mailer: Mailer,
    secret_key: str,
    base_url: str,
    clock: Clock = time.time,
) -> str:
    """Run one export job; returns its final status. Raises JobFailed when the queue should
    retry (attempts left), so huey's bounded retries apply."""
    j = export_jobs
    with engine.begin() as conn:
        job = get_job(conn, job_id)
        # Taken in one conditional update, so two deliveries of the task never both run it: a
        # queued job, or a running one whose worker's lease ran out (that worker died).
        now = _now(clock)
        taken = conn.execute(
            sa.update(j)
            .where(
                j.c.id == job_id,
                sa.or_(j.c.status == EXPORT_QUEUED, sa.and_(j.c.status == EXPORT_RUNNING, sa.not_(live_lease(now)))),
            )
            .values(status=EXPORT_RUNNING, attempts=j.c.attempts + 1, lease_until=lease_until(settings, clock))
        ).rowcount
        if not taken:
            return job.status  # done, or running under a live worker (a duplicate delivery)
        attempts = job.attempts + 1
        u, e = t.users, t.enterprises
        login, enterprise = conn.execute(
            sa.select(u.c.login, e.c.slug).join(e, e.c.id == u.c.enterprise_id).where(u.c.id == job.requester_user_id)
        ).one()
        to = primary_email(conn, job.requester_user_id)

    path = final_path(settings, job_id)
    tmp = path.with_name(f"{job_id}{TEMP_SUFFIX}")
    try:
        if job.notify and not to:
            raise InvalidInput(f"{login} has no email address to send the report to")
        path.parent.mkdir(parents=True, exist_ok=True)
        with kept_lease(settings, engine, job_id, clock):
            # Owner-only, like the CLI's report files: the report lists people's emails.
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with engine.connect() as conn, os.fdopen(fd, "wb") as out:
                # The report counts at its picked instant, else at the instant it was requested,
                # whenever the job runs.
                rows = write_report(conn, job.request, out, as_of=job.request.as_of or job.created_at)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
            if job.notify:
                link = download_link(base_url, secret_key, job_id, clock)
                mailer.send(_message(settings, to or "", job.request, link, rows, enterprise))
    except (LedgerError, OSError, smtplib.SMTPException, SQLAlchemyError) as exc:
        tmp.unlink(missing_ok=True)
        reason = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
        final = attempts > settings.export_retries
        if final:  # a failed export keeps no file (the mail may have failed after the rename)
            path.unlink(missing_ok=True)
        with engine.begin() as conn:
            conn.execute(
                sa.update(j)
                .where(j.c.id == job_id)
                .values(
                    status=EXPORT_FAILED if final else EXPORT_QUEUED,
                    reason=reason,
                    finished_at=_now(clock) if final else None,
                    lease_until=None,
                )
            )
        if final:
            return EXPORT_FAILED
        raise JobFailed(reason) from exc
    with engine.begin() as conn:
        conn.execute(
            sa.update(j)
            .where(j.c.id == job_id)
            .values(
                status=EXPORT_READY,
                reason=None,
                file_path=str(path),
                rows=rows,
                finished_at=_now(clock),
                lease_until=None,
            )
        )
    return EXPORT_READY


def download_link(base_url: str, secret_key: str, job_id: int, clock: Clock = time.time) -> str:
    """The emailed link: the web's ``/exports/{id}/download`` with a signed, expiring token."""
    token = sign_job(secret_key, job_id, clock=clock)
    return f"{base_url.rstrip('/')}/exports/{job_id}/download?token={token}"


def ready_link(secret_key: str, job: ExportJob) -> str | None:
    """A ready export's download path (for *My exports*), signed as of when it became ready,
    so it expires with the export whenever the page is shown; None unless ready."""
    if job.status != EXPORT_READY or job.finished_at is None:
        return None
    finished = job.finished_at.replace(tzinfo=dt.timezone.utc).timestamp()
    return download_link("", secret_key, job.id, clock=lambda: finished)


def _message(
    settings: Settings, to: str, request: ReportRequest, link: str, rows: int, enterprise: str
) -> EmailMessage:
    return new_message(
        settings,
        to,
        f"Your seatledger report is ready: {request.title}",
        enterprise,
        f"Your {request.title} report ({rows} rows) is ready.\n\n"
        f"Download it here:\n{link}\n\n"
        f"The link expires after {lifetime(settings.download_link_ttl_seconds)}.\n",
    )
