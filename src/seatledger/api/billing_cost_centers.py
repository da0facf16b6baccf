"""Enterprise cost centers (GitHub's ``/enterprises/{enterprise}/settings/billing/cost-centers``
endpoints): list, create, read, rename, delete, and assign or unassign resources.

Handlers parse, call :mod:`seatledger.licensing.cost_centers` and format GitHub's JSON.
"""

from __future__ import annotations

from typing import Annotated, Literal, Optional

from fastapi import APIRouter, Body, Path, Query, Request
from pydantic import BaseModel
from sqlalchemy.engine import Connection

from seatledger import licensing
from seatledger.api.auth import CurrentCaller, enterprise_access
from seatledger.api.billing_usage import (
    ENTERPRISE_ROLES,
    ENTERPRISE_SCOPES,
    WRITE_ERRORS,
    BadRequest,
    billing_connection,
)
from seatledger.api.schemas import READ_ERRORS
from seatledger.db.conflicts import write_retrying_conflicts
from seatledger.validation import AccountName, DisplayName, RepositoryName

router = APIRouter(tags=["billing"])


class CostCenterResourceOut(BaseModel):
    type: str
    name: str


class CostCenterOut(BaseModel):
    id: str
    name: str
    state: str
    azure_subscription: Optional[str] = None
    resources: list[CostCenterResourceOut]


class CostCenters(BaseModel):
    costCenters: list[CostCenterOut]


class CostCenterName(BaseModel):
    name: DisplayName


class CostCenterResources(BaseModel):
    users: list[AccountName] = []
    organizations: list[AccountName] = []
    repositories: list[RepositoryName] = []


class Reassigned(BaseModel):
    resource_type: str
    name: str
    previous_cost_center: str


class ResourcesAdded(BaseModel):
    message: str
    reassigned_resources: Optional[list[Reassigned]] = None


class Message(BaseModel):
    message: str


class CostCenterDeleted(BaseModel):
    message: str
    id: str
    name: str
    costCenterState: str


def _center_out(center: licensing.CostCenter) -> CostCenterOut:
    return CostCenterOut(
        id=center.id,
        name=center.name,
        state=center.state,
        azure_subscription=center.azure_subscription,
        resources=[CostCenterResourceOut(type=r.type, name=r.name) for r in center.resources],
    )


def _resource_list(body: CostCenterResources) -> list[tuple[str, str]]:
    found = [("User", u) for u in body.users] + [("Org", o) for o in body.organizations]
    found += [("Repo", r) for r in body.repositories]
    if not found:
        raise BadRequest("name at least one of users, organizations, repositories")
    if len(found) > 50:
        raise BadRequest("at most 50 resources can be added or removed at once")
    return found


Enterprise = Annotated[str, Path()]
CostCenterId = Annotated[str, Path()]


@router.get(
    "/enterprises/{enterprise}/settings/billing/cost-centers",
    response_model=CostCenters,
    response_model_exclude_none=True,
    responses=READ_ERRORS,
    summary="Get all cost centers for an enterprise",
    operation_id="billing/get-all-cost-centers",
)
def list_cost_centers(
    request: Request,
    caller: CurrentCaller,
    enterprise: Enterprise,
    state: Annotated[Optional[Literal["active", "deleted"]], Query()] = None,
) -> CostCenters:
    with billing_connection(request, caller, enterprise) as (conn, info):
        return CostCenters(
            costCenters=[_center_out(c) for c in licensing.list_cost_centers(conn, info.id, state=state)]
        )


@router.post(
    "/enterprises/{enterprise}/settings/billing/cost-centers",
    response_model=CostCenterOut,
    response_model_exclude_none=True,
    responses=WRITE_ERRORS,
    summary="Create a new cost center",
    operation_id="billing/create-cost-center",
)
def create_cost_center(
    request: Request,
    caller: CurrentCaller,
    enterprise: Enterprise,
    body: Annotated[CostCenterName, Body()],
) -> CostCenterOut:
    def write(conn: Connection) -> CostCenterOut:
        info = enterprise_access(request, conn, caller, enterprise, scopes=ENTERPRISE_SCOPES, roles=ENTERPRISE_ROLES)
        return _center_out(licensing.create_cost_center(conn, info.id, body.name))

    # A racing create of the same name conflicts with the one-active-name index; run again,
    # ours is refused as "already exists", as it would be a moment later.
    return write_retrying_conflicts(request.app.state.engine, write)


@router.get(
    "/enterprises/{enterprise}/settings/billing/cost-centers/{cost_center_id}",
    response_model=CostCenterOut,
    response_model_exclude_none=True,
    responses=READ_ERRORS,
    summary="Get a cost center by ID",
    operation_id="billing/get-cost-center",
)
def get_cost_center(
    request: Request,
    caller: CurrentCaller,
    enterprise: Enterprise,
    cost_center_id: CostCenterId,
) -> CostCenterOut:
    with billing_connection(request, caller, enterprise) as (conn, info):
        return _center_out(licensing.get_cost_center(conn, info.id, cost_center_id))


@router.patch(
    "/enterprises/{enterprise}/settings/billing/cost-centers/{cost_center_id}",
    response_model=CostCenterOut,
    response_model_exclude_none=True,
    responses=WRITE_ERRORS,
    summary="Update a cost center name",
    operation_id="billing/update-cost-center",
)
def update_cost_center(
    request: Request,
    caller: CurrentCaller,
    enterprise: Enterprise,
    cost_center_id: CostCenterId,
    body: Annotated[CostCenterName, Body()],
) -> CostCenterOut:
    with billing_connection(request, caller, enterprise, write=True) as (conn, info):
        return _center_out(licensing.rename_cost_center(conn, info.id, cost_center_id, body.name))


@router.delete(
    "/enterprises/{enterprise}/settings/billing/cost-centers/{cost_center_id}",
    response_model=CostCenterDeleted,
    responses=WRITE_ERRORS,
    summary="Delete a cost center",
    operation_id="billing/delete-cost-center",
)
def delete_cost_center(
    request: Request,
    caller: CurrentCaller,
    enterprise: Enterprise,
    cost_center_id: CostCenterId,
) -> CostCenterDeleted:
    """Archive the cost center: later usage goes to the enterprise, earlier usage keeps it."""
    with billing_connection(request, caller, enterprise, write=True) as (conn, info):
        center = licensing.delete_cost_center(conn, info.id, cost_center_id)
    return CostCenterDeleted(
        message="Cost center successfully deleted.",
        id=center.id,
        name=center.name,
        costCenterState="CostCenterArchived",
    )


@router.post(
    "/enterprises/{enterprise}/settings/billing/cost-centers/{cost_center_id}/resource",
    response_model=ResourcesAdded,
    response_model_exclude_none=True,
    responses=WRITE_ERRORS,
    summary="Add resources to a cost center",
    operation_id="billing/add-resource-to-cost-center",
)
def add_resources(
    request: Request,
    caller: CurrentCaller,
    enterprise: Enterprise,
    cost_center_id: CostCenterId,
    body: Annotated[CostCenterResources, Body()],
) -> ResourcesAdded:
    with billing_connection(request, caller, enterprise, write=True) as (conn, info):
        moved = licensing.add_resources(conn, info.id, cost_center_id, _resource_list(body))
    return ResourcesAdded(
        message="Resources successfully added to the cost center.",
        reassigned_resources=[
            Reassigned(resource_type=m.resource_type, name=m.name, previous_cost_center=m.previous_cost_center)
            for m in moved
        ]
        or None,
    )


@router.delete(
    "/enterprises/{enterprise}/settings/billing/cost-centers/{cost_center_id}/resource",
    response_model=Message,
    responses=WRITE_ERRORS,
    summary="Remove resources from a cost center",
    operation_id="billing/remove-resource-from-cost-center",
)
def remove_resources(
    request: Request,
    caller: CurrentCaller,
    enterprise: Enterprise,
    cost_center_id: CostCenterId,
    body: Annotated[CostCenterResources, Body()],
) -> Message:
    with billing_connection(request, caller, enterprise, write=True) as (conn, info):
        licensing.remove_resources(conn, info.id, cost_center_id, _resource_list(body))
    return Message(message="Resources successfully removed from the cost center.")
