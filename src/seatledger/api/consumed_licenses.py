"""``GET /enterprises/{enterprise}/consumed-licenses``: who consumes an enterprise seat."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy.engine import Connection

from seatledger.api.auth import CurrentCaller, EnterprisePath, enterprise_connection
from seatledger.api.json_body import json_bytes, model_json
from seatledger.api.pagination import PageRequest, paging, set_link
from seatledger.api.schemas import READ_ERRORS, ConsumedLicenseUser, GetConsumedLicenses
from seatledger.licensing import (
    LICENSE_TYPE_VISUAL_STUDIO,
    LicensedPerson,
    as_of_or_now,
    consumed_and_purchased,
    iter_licensed_people,
)

router = APIRouter(tags=["enterprise-admin"])

SCOPES = ("read:enterprise",)
ROLES = ("owner",)
# The CSV says "Owner", "Outside collaborator"; the API speaks lower-case snake names.
PROFILE_BASE = "https://github.com/"


def _role(csv_role: str) -> str:
    return csv_role.strip().lower().replace(" ", "_")


def consumed_license_user(person: LicensedPerson) -> ConsumedLicenseUser:
    """A licensed person as GitHub's consumed-licenses ``users`` item."""
    # model_construct: the values come typed from the counting engine's frozen dataclass;
    # validating 100 of them per page cost more CPU than the rest of the request.
    return ConsumedLicenseUser.model_construct(
        # An email invitee has no login yet; GitHub's report names them by the invited email.
        github_com_login=person.login or person.invited_email or "",
        github_com_name=person.name,
        enterprise_server_user_ids=list(person.server_user_ids),
        github_com_user=person.github_com_user,
        enterprise_server_user=person.enterprise_server_user,
        visual_studio_subscription_user=person.visual_studio_subscription_user,
        license_type="visual_studio" if person.license_type == LICENSE_TYPE_VISUAL_STUDIO else "enterprise",
        github_com_profile=PROFILE_BASE + person.login if person.login else None,
        github_com_member_roles=list(person.member_roles),
        github_com_enterprise_roles=[_role(r) for r in person.enterprise_roles],
        github_com_verified_domain_emails=list(person.verified_domain_emails),
        github_com_saml_name_id=person.saml_name_id,
        github_com_orgs_with_pending_invites=list(person.orgs_with_pending_invites),
        github_com_two_factor_auth=person.two_factor,
        enterprise_server_emails=list(person.server_primary_emails),
        visual_studio_license_status=person.visual_studio_license_status,
        visual_studio_subscription_email=person.visual_studio_subscription_email,
        total_user_accounts=person.total_user_accounts,
    )


@router.get(
    "/enterprises/{enterprise}/consumed-licenses",
    response_model=GetConsumedLicenses,
    responses=READ_ERRORS,
    summary="List enterprise consumed licenses",
    operation_id="enterprise-admin/get-consumed-licenses",
)
def get_consumed_licenses(
    request: Request,
    response: Response,
    caller: CurrentCaller,
    enterprise: EnterprisePath,
    page: Annotated[PageRequest, Depends(paging(30))],
) -> Response:  # the body is response_model's JSON, serialised once
    """Everyone consuming a seat of the enterprise (enterprise owners; `read:enterprise`)."""
    with enterprise_connection(request, caller, enterprise, scopes=SCOPES, roles=ROLES) as (conn, info):
        total, content = _page_json(conn, info.slug, page, as_of_or_now(None))
    set_link(response, request, page, total)
    return json_bytes(content, response)


def _page_json(conn: Connection, slug: str, page: PageRequest, as_of: dt.datetime) -> tuple[int, bytes]:
    consumed, purchased = consumed_and_purchased(conn, slug, as_of=as_of)
    window = page.window(consumed)
    people = iter_licensed_people(conn, slug, as_of=as_of, offset=window[0], limit=window[1]) if window else ()
    body = GetConsumedLicenses.model_construct(
        total_seats_consumed=consumed,
        total_seats_purchased=purchased,
        users=[consumed_license_user(p) for p in people],
    )
    return consumed, model_json(body)
