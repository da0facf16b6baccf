"""``GET /enterprise/settings/license``: the license summary a server's site admin reads.

Answered for the enterprise the token's owner belongs to, to its enterprise owners (the
server's site admins); anyone else gets 404, as a server answers normal users.
"""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request

from seatledger.api.auth import CurrentCaller, enterprise_roles, require_scope
from seatledger.api.schemas import READ_ERRORS, LicenseInfo
from seatledger.db.clock import utcnow
from seatledger.errors import NotFound
from seatledger.licensing import SeatTotals, seat_totals

router = APIRouter(tags=["enterprise-admin"])

SCOPES = ("read:enterprise", "site_admin")
ROLES = ("owner",)


def license_info(totals: SeatTotals, today: dt.date) -> LicenseInfo:
    """Volume: the purchased seats and their expiry. Metered: as many seats as are used."""
    if totals.billing == "volume":
        expires = totals.expires_at
        return LicenseInfo(
            seats=totals.purchased,
            seats_used=totals.consumed,
            seats_available=max(0, totals.purchased - totals.consumed),
            kind="volume",
            days_until_expiration=max(0, (expires - today).days) if expires else None,
            expire_at=dt.datetime.combine(expires, dt.time()) if expires else None,
        )
    return LicenseInfo(
        seats=totals.consumed,
        seats_used=totals.consumed,
        seats_available=0,
        kind="metered",
        days_until_expiration=None,
        expire_at=None,
    )


@router.get(
    "/enterprise/settings/license",
    response_model=LicenseInfo,
    responses=READ_ERRORS,
    summary="Get license information",
    operation_id="enterprise-admin/get-license-information",
)
def get_license_information(request: Request, caller: CurrentCaller) -> LicenseInfo:
    """Seats, seats used and available, and expiry of the caller's enterprise (its owners)."""
    now = utcnow()
    with request.app.state.engine.connect() as conn:
        if not enterprise_roles(conn, caller, caller.enterprise_id, now).intersection(ROLES):
            raise NotFound("Not Found")
        require_scope(request, caller, SCOPES)
        totals = seat_totals(conn, caller.enterprise, as_of=now)
    return license_info(totals, now.date())
