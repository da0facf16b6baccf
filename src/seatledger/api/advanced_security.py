"""``GET /orgs/{org}/settings/billing/advanced-security`` and the enterprise variant:
Advanced Security active committers, in total and per repository (paginated).

``advanced_security_product`` picks Code Security or Secret Protection, which seatledger
counts separately; when it is absent the answer is for ``code_security`` (see api.md).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy.engine import Connection

from seatledger.api.auth import CurrentCaller, EnterprisePath, OrgPath, enterprise_connection, org_access
from seatledger.api.json_body import json_bytes, model_json
from seatledger.api.pagination import PageRequest, paging, set_link
from seatledger.api.schemas import (
    READ_ERRORS,
    AdvancedSecurityActiveCommitters,
    AdvancedSecurityActiveCommittersRepository,
    AdvancedSecurityActiveCommittersUser,
)
from seatledger.licensing import GhasProduct, Scope, as_of_or_now, committer_totals, iter_repository_committers

router = APIRouter(tags=["billing"])

DEFAULT_PRODUCT: GhasProduct = "code_security"
ENTERPRISE_SCOPES = ("read:enterprise", "manage_billing:enterprise")
ENTERPRISE_ROLES = ("owner", "billing_manager")
ORG_SCOPES = ("read:org", "admin:org")
ORG_ROLES = ("owner", "billing_manager")

ProductParam = Annotated[
    Literal["code_security", "secret_protection"] | None,
    Query(description="The Advanced Security product to report on; default code_security."),
]


def _committers_json(conn: Connection, scope: Scope, product: GhasProduct, page: PageRequest) -> tuple[int, bytes]:
    """(total_count, the page's JSON), counted at the instant of the request."""
    body = _committers(conn, scope, product, page, as_of_or_now(None))
    return body.total_count, model_json(body)


def _committers(
    conn: Connection, scope: Scope, product: GhasProduct, page: PageRequest, as_of: dt.datetime
) -> AdvancedSecurityActiveCommitters:
    totals = committer_totals(conn, scope, product, as_of=as_of)
    window = page.window(totals.total_repositories)
    repos = (
        iter_repository_committers(conn, scope, product, as_of=as_of, offset=window[0], limit=window[1])
        if window
        else ()
    )
    return AdvancedSecurityActiveCommitters.model_construct(
        total_advanced_security_committers=totals.total_committers,
        total_count=totals.total_repositories,
        maximum_advanced_security_committers=totals.maximum_committers,
        purchased_advanced_security_committers=totals.purchased,
        repositories=[
            AdvancedSecurityActiveCommittersRepository.model_construct(
                name=repo.repository,
                advanced_security_committers=repo.committers,
                advanced_security_committers_breakdown=[
                    AdvancedSecurityActiveCommittersUser.model_construct(
                        user_login=push.login,
                        last_pushed_date=push.last_pushed_date.isoformat(),
                        last_pushed_email=push.last_pushed_email,
                    )
                    for push in repo.breakdown
                ],
            )
            for repo in repos
        ],
    )


@router.get(
    "/enterprises/{enterprise}/settings/billing/advanced-security",
    response_model=AdvancedSecurityActiveCommitters,
    responses=READ_ERRORS,
    summary="Get GitHub Advanced Security active committers for an enterprise",
    operation_id="billing/get-github-advanced-security-billing-ghe",
)
def get_enterprise_committers(
    request: Request,
    response: Response,
    caller: CurrentCaller,
    enterprise: EnterprisePath,
    page: Annotated[PageRequest, Depends(paging(30))],
    advanced_security_product: ProductParam = None,
) -> Response:  # the body is response_model's JSON, serialised once
    """Active committers of the enterprise (enterprise owners and billing managers)."""
    with enterprise_connection(request, caller, enterprise, scopes=ENTERPRISE_SCOPES, roles=ENTERPRISE_ROLES) as (
        conn,
        info,
    ):
        total, content = _committers_json(
            conn, Scope.enterprise(info.slug), advanced_security_product or DEFAULT_PRODUCT, page
        )
    set_link(response, request, page, total)
    return json_bytes(content, response)


@router.get(
    "/orgs/{org}/settings/billing/advanced-security",
    response_model=AdvancedSecurityActiveCommitters,
    responses=READ_ERRORS,
    summary="Get GitHub Advanced Security active committers for an organization",
    operation_id="billing/get-github-advanced-security-billing-org",
)
def get_org_committers(
    request: Request,
    response: Response,
    caller: CurrentCaller,
    org: OrgPath,
    page: Annotated[PageRequest, Depends(paging(30))],
    advanced_security_product: ProductParam = None,
) -> Response:  # the body is response_model's JSON, serialised once
    """Active committers of one organization (its owners and billing managers, or the
    enterprise's owners and billing managers)."""
    with request.app.state.engine.connect() as conn:
        access = org_access(
            request,
            conn,
            caller,
            org,
            scopes=ORG_SCOPES,
            org_roles_allowed=ORG_ROLES,
            enterprise_roles_allowed=ENTERPRISE_ROLES,
        )
        total, content = _committers_json(
            conn, Scope.org(access.login), advanced_security_product or DEFAULT_PRODUCT, page
        )
    set_link(response, request, page, total)
    return json_bytes(content, response)
