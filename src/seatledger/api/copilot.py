"""Copilot seat management: the organization's seat breakdown, the seat lists of an
organization and of an enterprise, and assigning or cancelling seats for users and teams."""

from __future__ import annotations

from typing import Annotated, Sequence

from fastapi import APIRouter, Body, Depends, Request, Response
from sqlalchemy.engine import Connection

from seatledger.api.accounts import Urls, organization_ids, organization_simple, simple_user, team_object, teams_by_slug
from seatledger.api.auth import CurrentCaller, EnterprisePath, OrgPath, enterprise_access, org_access
from seatledger.api.pagination import PageRequest, paging, set_link
from seatledger.api.schemas import (
    READ_ERRORS,
    CopilotOrganizationDetails,
    CopilotOrganizationSeatBreakdown,
    CopilotSeatDetails,
    CopilotSeats,
    SeatsCancelled,
    SeatsCreated,
    SelectedTeams,
    SelectedUsers,
    error_responses,
)
from seatledger.db.conflicts import write_retrying_conflicts
from seatledger.db.clock import utcnow
from seatledger.licensing import (
    CopilotSeat,
    Scope,
    as_of_or_now,
    assign_seats,
    cancel_seats,
    copilot_totals,
    iter_copilot_seats,
)

router = APIRouter(tags=["copilot"])

ORG_READ_SCOPES = ("manage_billing:copilot", "read:org")
ORG_WRITE_SCOPES = ("manage_billing:copilot", "admin:org")
ENTERPRISE_SCOPES = ("manage_billing:copilot", "read:enterprise")
ORG_ROLES = ("owner",)
ENTERPRISE_ROLES = ("owner", "billing_manager")
SEATS_PER_PAGE = 50
WRITE_ERRORS = error_responses(400, 401, 403, 404, 422)


def _seat_objects(
    request: Request, conn: Connection, enterprise_id: int, enterprise_slug: str, seats: Sequence[CopilotSeat]
) -> list[CopilotSeatDetails]:
    urls = Urls.of(request)
    org_ids = organization_ids(conn, (s.organization for s in seats))
    teams = teams_by_slug(conn, enterprise_id, (s.assigning_team for s in seats if s.assigning_team))
    out = []
    for seat in seats:
        team = None
        if seat.assigning_team:
            # The org's own team of that slug first, else the enterprise team.
            candidates = [tm for tm in teams if tm.slug == seat.assigning_team]
            chosen = next((tm for tm in candidates if tm.organization_login == seat.organization), None) or next(
                (tm for tm in candidates if tm.organization_id is None), None
            )
            team = team_object(urls, chosen, enterprise_slug) if chosen else None
        org_id = org_ids.get(seat.organization)
        out.append(
            CopilotSeatDetails(
                assignee=simple_user(urls, seat.user_id, seat.login, seat.name),
                organization=organization_simple(urls, org_id, seat.organization) if org_id is not None else None,
                assigning_team=team,
                pending_cancellation_date=seat.pending_cancellation_date,
                last_activity_at=seat.last_activity_at,
                last_activity_editor=seat.last_activity_editor,
                last_authenticated_at=seat.last_authenticated_at,
                created_at=seat.created_at,
                updated_at=seat.created_at,
                plan_type="business"
                if seat.plan == "business"
                else "enterprise"
                if seat.plan == "enterprise"
                else "unknown",
            )
        )
    return out


def _seat_list(
    request: Request,
    response: Response,
    conn: Connection,
    scope: Scope,
    enterprise_id: int,
    enterprise_slug: str,
    page: PageRequest,
) -> CopilotSeats:
    as_of = as_of_or_now(None)  # one instant for the total and the page
    total = copilot_totals(conn, scope, as_of=as_of).breakdown.total
    # Enterprise lists hold one seat per person, so the seat count and the people count agree.
    window = page.window(total)
    seats = list(iter_copilot_seats(conn, scope, as_of=as_of, offset=window[0], limit=window[1])) if window else []
    set_link(response, request, page, total)
    return CopilotSeats(total_seats=total, seats=_seat_objects(request, conn, enterprise_id, enterprise_slug, seats))


@router.get(
    "/orgs/{org}/copilot/billing",
    response_model=CopilotOrganizationDetails,
    responses=READ_ERRORS,
    summary="Get Copilot seat information and settings for an organization",
    operation_id="copilot/get-copilot-organization-details",
)
def get_copilot_organization_details(
    request: Request, caller: CurrentCaller, org: OrgPath
) -> CopilotOrganizationDetails:
    """The organization's seat breakdown for the current cycle (organization owners)."""
    with request.app.state.engine.connect() as conn:
        access = org_access(request, conn, caller, org, scopes=ORG_READ_SCOPES, org_roles_allowed=ORG_ROLES)
        totals = copilot_totals(conn, Scope.org(access.login))
    b = totals.breakdown
    return CopilotOrganizationDetails(
        seat_breakdown=CopilotOrganizationSeatBreakdown(
            total=b.total,
            added_this_cycle=b.added_this_cycle,
            pending_cancellation=b.pending_cancellation,
            pending_invitation=b.pending_invitation,
            active_this_cycle=b.active_this_cycle,
            inactive_this_cycle=b.inactive_this_cycle,
        ),
        # The ledger holds no Copilot policies; seats are managed per user and team.
        public_code_suggestions="unconfigured",
        ide_chat="unconfigured",
        platform_chat="unconfigured",
        cli="unconfigured",
        seat_management_setting="assign_selected",
        plan_type="enterprise" if totals.plan_type == "enterprise" else "business",
    )


@router.get(
    "/orgs/{org}/copilot/billing/seats",
    response_model=CopilotSeats,
    responses=READ_ERRORS,
    summary="List all Copilot seat assignments for an organization",
    operation_id="copilot/list-copilot-seats",
)
def list_copilot_seats(
    request: Request,
    response: Response,
    caller: CurrentCaller,
    org: OrgPath,
    page: Annotated[PageRequest, Depends(paging(SEATS_PER_PAGE))],
) -> CopilotSeats:
    """Seats the organization is billed for, by login (organization owners)."""
    with request.app.state.engine.connect() as conn:
        access = org_access(request, conn, caller, org, scopes=ORG_READ_SCOPES, org_roles_allowed=ORG_ROLES)
        return _seat_list(
            request, response, conn, Scope.org(access.login), access.enterprise.id, access.enterprise.slug, page
        )


@router.get(
    "/enterprises/{enterprise}/copilot/billing/seats",
    response_model=CopilotSeats,
    responses=READ_ERRORS,
    summary="List all Copilot seat assignments for an enterprise",
    operation_id="copilot/list-copilot-seats-for-enterprise",
)
def list_copilot_seats_for_enterprise(
    request: Request,
    response: Response,
    caller: CurrentCaller,
    enterprise: EnterprisePath,
    page: Annotated[PageRequest, Depends(paging(SEATS_PER_PAGE))],
) -> CopilotSeats:
    """Seats across the enterprise, one per person (enterprise owners and billing managers)."""
    with request.app.state.engine.connect() as conn:
        info = enterprise_access(request, conn, caller, enterprise, scopes=ENTERPRISE_SCOPES, roles=ENTERPRISE_ROLES)
        return _seat_list(request, response, conn, Scope.enterprise(info.slug), info.id, info.slug, page)


def _change_seats(
    request: Request,
    caller: CurrentCaller,
    org: str,
    *,
    add: bool,
    users: Sequence[str] = (),
    teams: Sequence[str] = (),
) -> int:
    def write(conn: Connection) -> int:
        # Read on every attempt: a racing request's seat, committed before our retry, is then
        # held "now" (its creation instant is not after ours).
        now = utcnow()  # whole seconds, as every ledger timestamp
        access = org_access(request, conn, caller, org, scopes=ORG_WRITE_SCOPES, org_roles_allowed=ORG_ROLES)
        if not add:
            return cancel_seats(conn, access.login, usernames=users, teams=teams, at=now)
        # New seats take the organization's current plan.
        plan = copilot_totals(conn, Scope.org(access.login), as_of=now).plan_type
        return assign_seats(
            conn,
            access.login,
            usernames=users,
            teams=teams,
            at=now,
            plan=plan if plan in ("business", "enterprise") else "business",
        )

    # A racing request that gave the same person a seat first makes ours conflict with the
    # one-open-seat index; run again, ours finds that seat and creates none.
    return write_retrying_conflicts(request.app.state.engine, write)


@router.post(
    "/orgs/{org}/copilot/billing/selected_users",
    response_model=SeatsCreated,
    status_code=201,
    responses=WRITE_ERRORS,
    summary="Add users to the Copilot subscription for an organization",
    operation_id="copilot/add-copilot-seats-for-users",
)
def add_copilot_seats_for_users(
    request: Request,
    caller: CurrentCaller,
    org: OrgPath,
    body: Annotated[SelectedUsers, Body()],
) -> SeatsCreated:
    """Assign seats to the named users (organization owners)."""
    return SeatsCreated(seats_created=_change_seats(request, caller, org, add=True, users=body.selected_usernames))


@router.delete(
    "/orgs/{org}/copilot/billing/selected_users",
    response_model=SeatsCancelled,
    responses=WRITE_ERRORS,
    summary="Remove users from the Copilot subscription for an organization",
    operation_id="copilot/cancel-copilot-seat-assignment-for-users",
)
def cancel_copilot_seats_for_users(
    request: Request,
    caller: CurrentCaller,
    org: OrgPath,
    body: Annotated[SelectedUsers, Body()],
) -> SeatsCancelled:
    """Cancel the named users' seats at the start of the next cycle (organization owners)."""
    return SeatsCancelled(seats_cancelled=_change_seats(request, caller, org, add=False, users=body.selected_usernames))


@router.post(
    "/orgs/{org}/copilot/billing/selected_teams",
    response_model=SeatsCreated,
    status_code=201,
    responses=WRITE_ERRORS,
    summary="Add teams to the Copilot subscription for an organization",
    operation_id="copilot/add-copilot-seats-for-teams",
)
def add_copilot_seats_for_teams(
    request: Request,
    caller: CurrentCaller,
    org: OrgPath,
    body: Annotated[SelectedTeams, Body()],
) -> SeatsCreated:
    """Assign seats to every member of the named teams (organization owners)."""
    return SeatsCreated(seats_created=_change_seats(request, caller, org, add=True, teams=body.selected_teams))


@router.delete(
    "/orgs/{org}/copilot/billing/selected_teams",
    response_model=SeatsCancelled,
    responses=WRITE_ERRORS,
    summary="Remove teams from the Copilot subscription for an organization",
    operation_id="copilot/cancel-copilot-seat-assignment-for-teams",
)
def cancel_copilot_seats_for_teams(
    request: Request,
    caller: CurrentCaller,
    org: OrgPath,
    body: Annotated[SelectedTeams, Body()],
) -> SeatsCancelled:
    """Cancel the seats assigned through the named teams (organization owners)."""
    return SeatsCancelled(seats_cancelled=_change_seats(request, caller, org, add=False, teams=body.selected_teams))
