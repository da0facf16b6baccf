"""My exports, the signed download link, re-running a failed export, and the mail outbox."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from seatledger.db import tables as t
from seatledger.db.tables_exports import EXPORT_EXPIRED, EXPORT_READY
from seatledger.errors import NotFound, PermissionDenied
from seatledger.exports.jobs import expire_old, get_job, iter_jobs, ready_link, requeue
from seatledger.exports.links import LinkExpired, lifetime, verify_job_token
from seatledger.exports.mail import iter_outbox
from seatledger.exports.secret_key import effective_secret_key
from seatledger.web.access import Access
from seatledger.web.deps import clock_of, csrf_checked, signed_in
from seatledger.web.render import page
from seatledger.web.session import session_of

router = APIRouter()


@router.get("/exports", include_in_schema=False)
def my_exports(request: Request, access: Access = Depends(signed_in)) -> HTMLResponse:
    settings = request.app.state.settings
    with request.app.state.engine.begin() as conn:
        expire_old(conn, settings, clock=lambda: clock_of(request))
        jobs = list(iter_jobs(conn, access.user_id))
    secret = effective_secret_key(settings)
    return page(
        request,
        "exports.html",
        jobs=jobs,
        lifetime=lifetime(settings.download_link_ttl_seconds),
        links={job.id: ready_link(secret, job) for job in jobs},
        outbox=not settings.smtp_url,
    )


@router.get("/exports/{job_id}/download", include_in_schema=False)
def download_export(request: Request, job_id: int, token: str, access: Access = Depends(signed_in)) -> Response:
    """The emailed link: signature, expiry, requester and file are all checked."""
    settings = request.app.state.settings
    signed_id = verify_job_token(
        effective_secret_key(settings), token, settings.download_link_ttl_seconds, clock=lambda: clock_of(request)
    )
    if signed_id != job_id:
        raise NotFound("This download link is not valid.")
    with request.app.state.engine.connect() as conn:
        job = get_job(conn, job_id)
    if job.requester_user_id != access.user_id:
        raise PermissionDenied("This export was requested by someone else.")
    if job.status == EXPORT_EXPIRED:
        raise LinkExpired("This download link has expired. Request the report again to get a new link.")
    path = Path(job.file_path) if job.file_path else None
    if job.status != EXPORT_READY or path is None or not path.is_file():
        raise NotFound("The file of this export is no longer available. Request the report again.")
    return FileResponse(path, media_type="text/csv; charset=utf-8", filename=job.request.filename)


@router.post("/exports/{job_id}/rerun", include_in_schema=False, dependencies=[Depends(csrf_checked)])
def rerun(request: Request, job_id: int, access: Access = Depends(signed_in)) -> Response:
    with request.app.state.engine.begin() as conn:
        job = get_job(conn, job_id)
        if job.requester_user_id != access.user_id:
            raise PermissionDenied("This export was requested by someone else.")
        requeue(conn, job_id)
    request.app.state.export_queue.enqueue(job_id)
    session_of(request).flash(f"Export #{job_id} is queued again.", "success")
    return RedirectResponse("/exports", status_code=303)


@router.get("/outbox", include_in_schema=False)
def outbox(request: Request, access: Access = Depends(signed_in)) -> HTMLResponse:
    """Mail sent to the signed-in person when no SMTP server is configured: to one of their
    emails, and for their enterprise (the same address may be somebody's in another)."""
    settings = request.app.state.settings
    e, u, ent = t.user_emails, t.users, t.enterprises
    with request.app.state.engine.connect() as conn:
        emails = set(conn.execute(sa.select(e.c.email).where(e.c.user_id == access.user_id)).scalars())
        enterprise = conn.execute(
            sa.select(ent.c.slug).join(u, u.c.enterprise_id == ent.c.id).where(u.c.id == access.user_id)
        ).scalar_one()
    messages = [msg for _key, msg in iter_outbox(settings.outbox_dir, emails, enterprise=enterprise)][:100]
    return page(request, "outbox.html", messages=messages, smtp=bool(settings.smtp_url))
