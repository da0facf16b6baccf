"""``GET /enterprises/{enterprise}/license-sync-status``: each server instance's last sync."""

from __future__ import annotations

from typing import Iterator

from fastapi import APIRouter, Request
from sqlalchemy.engine import Connection

from seatledger import licensing
from seatledger.api.auth import CurrentCaller, EnterprisePath, enterprise_connection
from seatledger.api.schemas import READ_ERRORS, GetLicenseSyncStatus, LicenseSync, LicenseSyncServerInstance

router = APIRouter(tags=["enterprise-admin"])

SCOPES = ("read:enterprise",)
ROLES = ("owner",)


def iter_server_syncs(conn: Connection, enterprise_id: int) -> Iterator[LicenseSyncServerInstance]:
    """The enterprise's server instances by hostname, each with its latest sync event."""
    for sync in licensing.iter_server_syncs(conn, enterprise_id):
        event = sync.last
        last = LicenseSync(date=event.occurred_at, status=event.status, error=event.error or "") if event else None
        yield LicenseSyncServerInstance(server_id=sync.server_id, hostname=sync.hostname, last_sync=last)


@router.get(
    "/enterprises/{enterprise}/license-sync-status",
    response_model=GetLicenseSyncStatus,
    response_model_exclude_none=True,
    responses=READ_ERRORS,
    summary="Get a license sync status",
    operation_id="enterprise-admin/get-license-sync-status",
)
def get_license_sync_status(
    request: Request, caller: CurrentCaller, enterprise: EnterprisePath
) -> GetLicenseSyncStatus:
    """The last license sync of every server instance (enterprise owners; `read:enterprise`)."""
    with enterprise_connection(request, caller, enterprise, scopes=SCOPES, roles=ROLES) as (conn, info):
        return GetLicenseSyncStatus(server_instances=list(iter_server_syncs(conn, info.id)))
