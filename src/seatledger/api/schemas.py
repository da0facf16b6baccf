"""Response and request bodies, named after the schemas of GitHub's REST description.

Property names, types, nullability and enums follow GitHub's (``ghec-2022-11-28``) so that
typed clients such as githubkit validate our answers with their own models. Timestamps are
ISO 8601 UTC with ``Z``; dates are ``YYYY-MM-DD``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema

from seatledger import validation


def _utc_z(value: dt.datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return value.replace(microsecond=0).isoformat() + "Z"


# The ledger keeps naive UTC; the API always says so with a trailing Z.
UtcDateTime = Annotated[
    dt.datetime,
    PlainSerializer(_utc_z, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- errors ----------------------------------------------------------------------------------
class BasicError(_Model):
    """GitHub's error body."""

    message: str
    documentation_url: str
    status: str | None = None


# -- licensing ------------------------------------------------------------------------------
class ConsumedLicenseUser(_Model):
    """One person consuming a license (``get-consumed-licenses`` users item)."""

    github_com_login: str
    github_com_name: str | None
    enterprise_server_user_ids: list[str]
    github_com_user: bool
    enterprise_server_user: bool | None
    visual_studio_subscription_user: bool
    license_type: Literal["enterprise", "visual_studio"]
    github_com_profile: str | None
    github_com_member_roles: list[str]
    github_com_enterprise_roles: list[str]
    github_com_verified_domain_emails: list[str]
    github_com_saml_name_id: str | None
    github_com_orgs_with_pending_invites: list[str]
    github_com_two_factor_auth: bool | None
    enterprise_server_emails: list[str]
    visual_studio_license_status: str | None
    visual_studio_subscription_email: str | None
    total_user_accounts: int


class GetConsumedLicenses(_Model):
    """A breakdown of the licenses consumed by an enterprise."""

    total_seats_consumed: int
    total_seats_purchased: int
    users: list[ConsumedLicenseUser]


class LicenseSync(_Model):
    date: UtcDateTime
    status: str = Field(description="success or failure", examples=["success"])
    error: str


class LicenseSyncServerInstance(_Model):
    server_id: str
    hostname: str
    last_sync: LicenseSync | None = Field(default=None, description="Omitted when the instance has never synced.")


class GetLicenseSyncStatus(_Model):
    """The last license sync of each server instance of the enterprise."""

    server_instances: list[LicenseSyncServerInstance]


class LicenseInfo(_Model):
    """``GET /enterprise/settings/license`` as a server answers it."""

    seats: int
    seats_used: int
    seats_available: int
    kind: Literal["volume", "metered"]
    days_until_expiration: int | None
    expire_at: UtcDateTime | None


# -- Advanced Security -----------------------------------------------------------------------
class AdvancedSecurityActiveCommittersUser(_Model):
    user_login: str
    last_pushed_date: str = Field(description="YYYY-MM-DD", examples=["2021-11-03"])
    last_pushed_email: str


class AdvancedSecurityActiveCommittersRepository(_Model):
    name: str = Field(examples=["octocat-org/Hello-World"])
    advanced_security_committers: int
    advanced_security_committers_breakdown: list[AdvancedSecurityActiveCommittersUser]


class AdvancedSecurityActiveCommitters(_Model):
    total_advanced_security_committers: int
    total_count: int
    maximum_advanced_security_committers: int
    purchased_advanced_security_committers: int
    repositories: list[AdvancedSecurityActiveCommittersRepository]


# -- accounts (the shapes GitHub nests in seats) -------------------------------------------------
class SimpleUser(_Model):
    """A GitHub user."""

    name: str | None = None
    email: str | None = None
    login: str
    id: int
    node_id: str
    avatar_url: str
    gravatar_id: str | None
    url: str
    html_url: str
    followers_url: str
    following_url: str
    gists_url: str
    starred_url: str
    subscriptions_url: str
    organizations_url: str
    repos_url: str
    events_url: str
    received_events_url: str
    type: str
    site_admin: bool
    user_view_type: str = "public"


class OrganizationSimple(_Model):
    """A GitHub organization."""

    login: str
    id: int
    node_id: str
    url: str
    repos_url: str
    events_url: str
    hooks_url: str
    issues_url: str
    members_url: str
    public_members_url: str
    avatar_url: str
    description: str | None


class Team(_Model):
    """An organization's team."""

    id: int
    node_id: str
    name: str
    slug: str
    description: str | None
    privacy: str = "closed"
    notification_setting: str = "notifications_enabled"
    permission: str
    url: str
    html_url: str
    members_url: str
    repositories_url: str
    type: Literal["enterprise", "organization"]
    organization_id: int | None = None
    parent: None = None


class EnterpriseTeam(_Model):
    """A team of the enterprise (not of one organization)."""

    id: int
    name: str
    slug: str
    url: str
    group_id: str | None
    html_url: str
    members_url: str
    created_at: UtcDateTime
    updated_at: UtcDateTime


# -- Copilot --------------------------------------------------------------------------------------
class CopilotOrganizationSeatBreakdown(_Model):
    total: int
    added_this_cycle: int
    pending_cancellation: int
    pending_invitation: int
    active_this_cycle: int
    inactive_this_cycle: int


class CopilotOrganizationDetails(_Model):
    seat_breakdown: CopilotOrganizationSeatBreakdown
    public_code_suggestions: Literal["allow", "block", "unconfigured"]
    ide_chat: Literal["enabled", "disabled", "unconfigured"]
    platform_chat: Literal["enabled", "disabled", "unconfigured"]
    cli: Literal["enabled", "disabled", "unconfigured"]
    seat_management_setting: Literal["assign_all", "assign_selected", "disabled", "unconfigured"]
    plan_type: Literal["business", "enterprise"]


class CopilotSeatDetails(_Model):
    """A Copilot seat assigned to a user."""

    assignee: SimpleUser | None
    organization: OrganizationSimple | None
    assigning_team: Union[Team, EnterpriseTeam, None]
    pending_cancellation_date: dt.date | None
    last_activity_at: UtcDateTime | None
    last_activity_editor: str | None
    last_authenticated_at: UtcDateTime | None
    created_at: UtcDateTime
    updated_at: UtcDateTime
    plan_type: Literal["business", "enterprise", "unknown"]


class CopilotSeats(_Model):
    total_seats: int
    seats: list[CopilotSeatDetails]


# A login or team slug: no control characters (PostgreSQL text cannot even hold NUL).
AccountName = validation.AccountName


class SelectedUsers(_Model):
    selected_usernames: list[AccountName] = Field(min_length=1, description="Logins to assign or cancel seats for.")


class SelectedTeams(_Model):
    selected_teams: list[AccountName] = Field(min_length=1, description="Team slugs to assign or cancel seats for.")


class SeatsCreated(_Model):
    seats_created: int


class SeatsCancelled(_Model):
    seats_cancelled: int


# -- rate limit -----------------------------------------------------------------------------------
class RateLimit(_Model):
    limit: int
    remaining: int
    reset: int
    used: int
    resource: str = "core"


class RateLimitResources(_Model):
    core: RateLimit


class RateLimitOverview(_Model):
    resources: RateLimitResources
    rate: RateLimit


# -- the error answers every route documents ----------------------------------------------------
def error_responses(*statuses: int) -> dict[int | str, dict[str, object]]:
    """OpenAPI ``responses`` for GitHub-shaped errors (replaces FastAPI's ``{"detail"}`` 422)."""
    described = {
        400: "Unsupported X-GitHub-Api-Version",
        401: "Requires authentication",
        403: "Forbidden (missing scope or role, or rate limit exceeded)",
        404: "Resource not found",
        422: "Validation failed (bad query parameter or body)",
    }
    return {status: {"model": BasicError, "description": described[status]} for status in statuses}


READ_ERRORS = error_responses(400, 401, 403, 404, 422)
