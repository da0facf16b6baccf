"""``GET /enterprises/{enterprise}/license-sync-status``: each server instance's last sync."""

from __future__ import annotations

from typing import Annotated, Iterator

import sqlalchemy as sa
from fastapi import APIRouter, Path, Request
from sqlalchemy.engine import Connection

from seatledger.api.auth import CurrentCaller, enterprise_access
from seatledger.api.schemas import READ_ERRORS, GetLicenseSyncStatus, LicenseSync, LicenseSyncServerInstance
from seatledger.db import tables as t

router = APIRouter(tags=["enterprise-admin"])

SCOPES = ("read:enterprise",)
ROLES = ("owner",)


def iter_server_syncs(conn: Connection, enterprise_id: int) -> Iterator[LicenseSyncServerInstance]:
    """The enterprise's server instances by hostname, each with its latest sync event."""
    s, ev = t.server_instances, t.license_sync_events
    ranked = (
        sa.select(
            ev.c.server_instance_id, ev.c.occurred_at, ev.c.status, ev.c.error,
            sa.func.row_number()
            .over(partition_by=ev.c.server_instance_id, order_by=(ev.c.occurred_at.desc(), ev.c.id.desc()))
            .label("rank"),
        )
        .subquery()
    )
    latest = sa.select(ranked).where(ranked.c.rank == 1).subquery()
    rows = conn.execute(
        sa.select(s.c.server_id, s.c.hostname, latest.c.occurred_at, latest.c.status, latest.c.error)
        .select_from(s.outerjoin(latest, latest.c.server_instance_id == s.c.id))
        .where(s.c.enterprise_id == enterprise_id)
        .order_by(s.c.hostname, s.c.server_id)
    )
    for row in rows:
        last = (
            LicenseSync(date=row.occurred_at, status=row.status, error=row.error or "")
            if row.occurred_at is not None
            else None
        )
        yield LicenseSyncServerInstance(server_id=row.server_id, hostname=row.hostname, last_sync=last)


@router.get(
    "/enterprises/{enterprise}/license-sync-status",
    response_model=GetLicenseSyncStatus,
    response_model_exclude_none=True,
    responses=READ_ERRORS,
    summary="Get a license sync status",
    operation_id="enterprise-admin/get-license-sync-status",
)
def get_license_sync_status(
    request: Request,
    caller: CurrentCaller,
    enterprise: Annotated[str, Path(description="The slug of the enterprise.")],
) -> GetLicenseSyncStatus:
    """The last license sync of every server instance (enterprise owners; `read:enterprise`)."""
    with request.app.state.engine.connect() as conn:
        info = enterprise_access(request, conn, caller, enterprise, scopes=SCOPES, roles=ROLES)
        return GetLicenseSyncStatus(server_instances=list(iter_server_syncs(conn, info.id)))
