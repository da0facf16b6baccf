"""Who consumes a GitHub Enterprise seat, and why (spec section 2.1).

One license per person. A person is a cloud account, or — for server accounts that match no
cloud account — the group of server accounts sharing a primary email, or the email an
invitation went to. The rules are one SQL query of "reasons" (a UNION of one SELECT per rule);
a person consumes when they have at least one reason.

IMPLEMENTATION PENDING: signatures and types are the contract other modules build on.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterator

import sqlalchemy as sa
from sqlalchemy.engine import Connection

# Why a person consumes a seat; shown in explanations and used by the reports.
REASON_ORG_MEMBER = "org_member"
REASON_ORG_OWNER = "org_owner"
REASON_OUTSIDE_COLLABORATOR = "outside_collaborator"
REASON_PENDING_INVITATION = "pending_invitation"
REASON_SERVER_USER = "server_user"
REASON_VISUAL_STUDIO = "visual_studio"

LICENSE_TYPE_ENTERPRISE = "Enterprise"
LICENSE_TYPE_VISUAL_STUDIO = "Visual Studio subscription"


@dataclass(frozen=True)
class SeatTotals:
    """Enterprise-seat numbers for one enterprise (or one org of it) at one instant."""

    consumed: int
    purchased: int  # 0 when metered
    available: int | None  # purchased - consumed for volume; None when metered
    over_limit: int  # consumed beyond purchased (volume only), else 0
    billing: str  # metered | volume
    expires_at: dt.date | None
    enterprise_licenses: int  # consumed with license type Enterprise
    visual_studio_licenses: int  # consumed with license type Visual Studio subscription
    cloud_users: int  # consumed by a person with a cloud account
    server_only_users: int  # consumed by people known only from server instances
    billable_this_month: int  # distinct people who consumed at any point this billing month


@dataclass(frozen=True)
class LicensedPerson:
    """One person consuming an enterprise seat, with everything the usage report and the
    consumed-licenses API show about them. Lists are sorted; emails lower-case."""

    key: str  # stable identity: "user:<id>", "server:<email>" or "invite:<email>"
    user_id: int | None
    login: str | None  # cloud login; None for server-only and email-invite people
    name: str | None
    reasons: tuple[str, ...]  # REASON_* values, sorted
    license_type: str  # LICENSE_TYPE_*
    member_roles: tuple[str, ...]  # "org:Owner", "org:Member", "ORG/REPO:Collaborator"
    enterprise_roles: tuple[str, ...]  # "Owner", "Member", "Outside collaborator" / "Repository collaborator"
    verified_domain_emails: tuple[str, ...]
    saml_name_id: str | None
    orgs_with_pending_invites: tuple[str, ...]
    two_factor: bool | None
    two_factor_required_by: dt.date | None
    cost_center: str | None
    code_security_user: bool  # an active Code Security committer now
    secret_protection_user: bool  # an active Secret Protection committer now
    license_started_at: dt.datetime | None  # earliest start of the reasons that hold now
    license_ended_at: dt.datetime | None  # None while it holds
    server_user_ids: tuple[str, ...]  # "hostname:user_id"
    server_primary_emails: tuple[str, ...]
    server_code_security_user_ids: tuple[str, ...]
    server_secret_protection_user_ids: tuple[str, ...]
    visual_studio_subscription_email: str | None
    visual_studio_license_status: str | None  # "Matched" | "Pending Invitation" | None
    total_user_accounts: int  # cloud account (0/1) + server accounts

    @property
    def github_com_user(self) -> bool:
        return self.user_id is not None

    @property
    def enterprise_server_user(self) -> bool:
        return bool(self.server_user_ids)

    @property
    def visual_studio_subscription_user(self) -> bool:
        return self.license_type == LICENSE_TYPE_VISUAL_STUDIO


def consuming_user_ids(conn: Connection, enterprise_id: int, as_of: dt.datetime) -> sa.Select:
    """SELECT of the cloud user ids that hold an enterprise seat at ``as_of`` (composable SQL,
    used by the Advanced Security rule 'the committer holds a license')."""
    raise NotImplementedError


def seat_totals(
    conn: Connection, enterprise: str, *, org: str | None = None, as_of: dt.datetime | None = None
) -> SeatTotals:
    """Seat totals for the enterprise, or the people consuming through one of its orgs."""
    raise NotImplementedError


def count_consumed(conn: Connection, enterprise: str, *, org: str | None = None, as_of: dt.datetime | None = None) -> int:
    """Just the consumed count (what consumed-licenses' total and the usage CSV's row count equal)."""
    raise NotImplementedError


def iter_licensed_people(
    conn: Connection,
    enterprise: str,
    *,
    org: str | None = None,
    as_of: dt.datetime | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> Iterator[LicensedPerson]:
    """The people consuming a seat, ordered by login (server-only and invite people after,
    by key), streamed in batches; ``offset``/``limit`` page through the same order."""
    raise NotImplementedError


def billable_in_month(conn: Connection, enterprise: str, year: int, month: int) -> int:
    """Distinct people who consumed at any instant of that billing month (metered billing)."""
    raise NotImplementedError


def seat_history(conn: Connection, enterprise: str, start: dt.date, end: dt.date) -> list[tuple[dt.date, int]]:
    """Consumed seats at the end of each day from ``start`` to ``end`` inclusive."""
    raise NotImplementedError
