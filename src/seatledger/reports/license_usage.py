"""The enterprise license usage CSV (spec 3.1): one row per person consuming a seat.

The 28 columns are GitHub's, in the order of its documentation table, with its exact header
names; a data-residency enterprise (GHE.com) writes "GitHub" where GitHub.com writes
"GitHub com". Rows come from :func:`licensing.iter_licensed_people`, in its order (by login;
people known only from server instances or email invitations after, by key), so the number of
rows is the engine's consumed count.
"""

from __future__ import annotations

import datetime as dt
from typing import Iterator, Sequence

from sqlalchemy.engine import Connection

from seatledger.licensing import (
    REASON_PENDING_INVITATION,
    LicensedPerson,
    Scope,
    as_of_or_now,
    count_consumed,
    iter_licensed_people,
    resolve,
)
from seatledger.errors import InvalidInput
from seatledger.reports.writer import Cell, Progress, iter_csv, join_cell

CLOUD_PREFIX = "GitHub com"
DATA_RESIDENCY_PREFIX = "GitHub"

# "{cloud}" is "GitHub com", or "GitHub" for data residency.
_HEADER_TEMPLATE = (
    "{cloud} login",
    "{cloud} name",
    "Enterprise server user ids",
    "{cloud} user",
    "Enterprise server user",
    "Visual studio subscription user",
    "License type",
    "{cloud} profile",
    "{cloud} member roles",
    "{cloud} enterprise roles",
    "{cloud} verified domain emails",
    "{cloud} saml name",
    "{cloud} orgs with pending invites",
    "{cloud} two factor auth",
    "{cloud} two factor auth required by date",
    "{cloud} cost center",
    "{cloud} code security license user",
    "{cloud} secret protection license user",
    "Ghe license active",
    "Ghe license start date",
    "Ghe license end date",
    "Enterprise server primary emails",
    "Enterprise server advanced security user ids",
    "Enterprise server code security user ids",
    "Enterprise server secret protection user ids",
    "Visual studio license status",
    "Visual studio subscription email",
    "Total user accounts",
)

SCOPES = ("enterprise", "organization")


def header(*, data_residency: bool = False) -> list[str]:
    """The 28 header names, for GitHub.com or for a data-residency (GHE.com) enterprise."""
    cloud = DATA_RESIDENCY_PREFIX if data_residency else CLOUD_PREFIX
    return [h.format(cloud=cloud) for h in _HEADER_TEMPLATE]


def profile_url(login: str, *, data_residency: bool = False, enterprise_slug: str = "") -> str:
    """The person's profile page. [INFER] GHE.com hosts an enterprise at ``SLUG.ghe.com``."""
    if data_residency and enterprise_slug:
        return f"https://{enterprise_slug}.ghe.com/{login}"
    return f"https://github.com/{login}"


def _invited_only(person: LicensedPerson) -> bool:
    # GitHub leaves Name and Profile empty until the person accepts an invitation.
    return person.reasons == (REASON_PENDING_INVITATION,)


def person_row(person: LicensedPerson, *, data_residency: bool = False, enterprise_slug: str = "") -> list[Cell]:
    """The 28 cells of one person, in header order (before formatting)."""
    invited_only = _invited_only(person)
    profile = None
    if person.login and not invited_only:
        profile = profile_url(person.login, data_residency=data_residency, enterprise_slug=enterprise_slug)
    code_security_ids, secret_protection_ids = (
        person.server_code_security_user_ids,
        person.server_secret_protection_user_ids,
    )
    advanced_security_ids = (
        sorted(set(code_security_ids) | set(secret_protection_ids))
        if code_security_ids or secret_protection_ids
        else ()
    )
    # Data residency: columns 19-21 describe the GHE.com license, which every row holds.
    active = True if data_residency else person.license_ended_at is None
    return [
        # An email invitee has no login yet; GitHub's report names them by the invited email.
        person.login or person.invited_email,
        None if invited_only else person.name,
        _joined(person.server_user_ids),
        person.github_com_user,
        person.enterprise_server_user,
        person.visual_studio_subscription_user,
        person.license_type,
        profile,
        _joined(person.member_roles),
        _joined(person.enterprise_roles),
        _joined(person.verified_domain_emails),
        person.saml_name_id,
        _joined(person.orgs_with_pending_invites),
        person.two_factor,
        person.two_factor_required_by,
        person.cost_center,
        person.code_security_user,
        person.secret_protection_user,
        active,
        _date(person.license_started_at),
        _date(person.license_ended_at),
        _joined(person.server_primary_emails),
        _joined(advanced_security_ids),
        _joined(code_security_ids),
        _joined(secret_protection_ids),
        person.visual_studio_license_status,
        person.visual_studio_subscription_email,
        person.total_user_accounts,
    ]


def _joined(values: Sequence[str]) -> str | None:
    # An empty list is an empty cell either way; most people's lists are empty.
    return join_cell(values) if values else None


def _date(value: dt.datetime | None) -> dt.date | None:
    return value.date() if value is not None else None


def _enterprise_and_org(conn: Connection, scope: Scope) -> tuple[str, bool, str | None]:
    if scope.kind not in SCOPES:
        raise InvalidInput(f"the license usage report is per enterprise or organization, not per {scope.kind}")
    resolved = resolve(conn, scope)  # NotFound before any byte is written
    org = scope.name if scope.kind == "organization" else None
    return resolved.enterprise.slug, resolved.enterprise.data_residency, org


def iter_report(
    conn: Connection, scope: Scope, *, as_of: dt.datetime | None = None, progress: Progress | None = None
) -> Iterator[bytes]:
    """The CSV as encoded chunks; the scope is checked now, rows are read as chunks are taken."""
    slug, data_residency, org = _enterprise_and_org(conn, scope)
    as_of = as_of_or_now(as_of)
    rows = (
        person_row(p, data_residency=data_residency, enterprise_slug=slug)
        for p in iter_licensed_people(conn, slug, org=org, as_of=as_of)
    )
    return iter_csv(header(data_residency=data_residency), rows, progress=progress)


def expected_rows(conn: Connection, scope: Scope, *, as_of: dt.datetime | None = None) -> int:
    """How many rows the report will have (the engine's consumed count), for a progress bar."""
    slug, _dr, org = _enterprise_and_org(conn, scope)
    return count_consumed(conn, slug, org=org, as_of=as_of_or_now(as_of))
