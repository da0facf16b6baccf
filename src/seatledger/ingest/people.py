"""People, org roles and collaborators from a CSV file, for code hosts without an API.

Columns (header names, any case): ``login`` (required), ``name``, ``emails`` (verified emails,
separated by spaces or ``;``; the first is primary), ``org`` (required), ``role`` (required:
``owner``, ``member``, ``billing_manager`` or ``outside_collaborator``), ``repo`` (the
repository name in ``org`` for an outside collaborator), ``suspended``, ``two_factor``, ``bot``
(true/false; empty leaves what the ledger has), ``enterprise_role`` (``owner``,
``billing_manager`` or empty: the person's role in the enterprise itself), ``since`` (the date
the row's membership, access or role began, ``YYYY-MM-DD`` or an ISO timestamp; empty: the
import). A row with an
``enterprise_role`` may leave ``org`` and ``role`` empty: an enterprise owner in no org, or a
billing manager and nothing else. A file with an ``enterprise_role`` column is taken as the
complete list of enterprise roles: roles the file no longer lists are ended unless another
source (the sync) still asserts them. A bot (``bot`` true, or a GitHub App login such as
``dependabot[bot]``) is stored as one and never consumes. A person in several orgs has one row
per org (or per repository). Each org with membership rows in the file is taken as complete:
memberships the file asserted (or no source is known for) and no longer lists are ended;
those another source asserts stay (db/provenance.py). Nothing is written if any row is wrong.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from seatledger.bots import is_bot_login
from seatledger.db import tables as t
from seatledger.db.clock import utcnow
from seatledger.db.ledger import Ledger
from seatledger.errors import ImportRejected, InvalidInput
from seatledger.ingest.csv_files import check_email, csv_since, parse_bool, read_rows
from seatledger.ingest.rematch import rematch_enterprise
from seatledger.ingest.report import ImportReport
from seatledger.ingest.source_runs import record_success

ROLES = ("owner", "member", "billing_manager", "outside_collaborator")
ENTERPRISE_ROLES = ("owner", "billing_manager")
SOURCE = "people"  # the facts this file asserts (db/provenance.py)
_SPLIT = re.compile(r"[;\s]+")
# A GitHub login, or a GitHub App's: the app's slug and "[bot]".
_LOGIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?$")


@dataclass(frozen=True)
class PersonRow:
    line: int
    login: str
    name: str | None
    emails: tuple[str, ...]
    org: str | None  # None: a row of an enterprise role only
    role: str | None
    repo: str | None
    suspended: bool | None
    two_factor: bool | None
    bot: bool | None
    enterprise_role: str | None
    since: dt.datetime | None = None


def parse(data: bytes) -> tuple[list[PersonRow], bool]:
    """The rows, and whether the file has an ``enterprise_role`` column (a complete list)."""
    rows = []
    has_enterprise_roles = False
    for line, row in read_rows(data, required=("login", "org", "role")):
        login, org, role = row["login"], row["org"], row["role"].lower()
        has_enterprise_roles = has_enterprise_roles or "enterprise_role" in row
        enterprise_role = row.get("enterprise_role", "").lower() or None
        if not _LOGIN.match(login):
            raise ImportRejected(f"line {line}: {login!r} is not a login")
        if enterprise_role is not None and enterprise_role not in ENTERPRISE_ROLES:
            raise ImportRejected(
                f"line {line}: enterprise_role must be owner, billing_manager or empty, not {row['enterprise_role']!r}"
            )
        membership: tuple[str | None, str | None, str | None] = (None, None, None)  # an enterprise role only
        if enterprise_role is None or org or role:
            if not org:
                raise ImportRejected(f"line {line}: org is empty")
            if role not in ROLES:
                raise ImportRejected(f"line {line}: role must be one of {', '.join(ROLES)}, not {row['role']!r}")
            repo = row.get("repo") or None
            if role == "outside_collaborator" and not repo:
                raise ImportRejected(f"line {line}: an outside_collaborator row names a repo")
            membership = (org, role, repo)
        rows.append(
            PersonRow(
                line,
                login,
                row.get("name") or None,
                _emails(row, line),
                *membership,
                parse_bool(row.get("suspended", ""), line=line, column="suspended"),
                parse_bool(row.get("two_factor", ""), line=line, column="two_factor"),
                True if is_bot_login(login) else parse_bool(row.get("bot", ""), line=line, column="bot"),
                enterprise_role,
                csv_since(row, line),
            )
        )
    return rows, has_enterprise_roles


def _emails(row: dict[str, str], line: int) -> tuple[str, ...]:
    return tuple(check_email(e, line=line, column="emails") for e in _SPLIT.split(row.get("emails", "")) if e)


def ingest_people(
    conn: Connection, data: bytes, enterprise_slug: str, *, now: dt.datetime | None = None
) -> ImportReport:
    """Import a directory file into the caller's transaction; a row's facts begin at its
    ``since``, else at ``now`` (default: the wall clock)."""
    rows, has_enterprise_roles = parse(data)
    ledger = Ledger(conn)
    enterprise_id = ledger.enterprise_id(enterprise_slug)
    report = ImportReport(source="people")
    now = now or utcnow()
    orgs: dict[str, int] = {}
    members: dict[int, set[int]] = {}
    enterprise_roles: set[tuple[int, str]] = set()
    for row in rows:
        began = row.since or now
        try:
            uid, outcome = ledger.upsert_user(
                enterprise_id,
                row.login,
                name=row.name,
                emails=row.emails,
                two_factor=row.two_factor,
                suspended=row.suspended,
                is_bot=row.bot,
                at=now,
            )
            report.count("user", outcome)
            if row.enterprise_role is not None and (uid, row.enterprise_role) not in enterprise_roles:
                enterprise_roles.add((uid, row.enterprise_role))
                report.count(
                    "enterprise role",
                    ledger.ensure_enterprise_role(enterprise_id, uid, row.enterprise_role, at=began, source=SOURCE),
                )
            if row.org is None:
                continue
            if row.org not in orgs:
                orgs[row.org], outcome = ledger.upsert_org(enterprise_id, row.org)
                report.count("organization", outcome)
            org_id = orgs[row.org]
            if row.role == "outside_collaborator":
                rid, outcome = ledger.upsert_repo(enterprise_id, row.org, str(row.repo), org_id=org_id)
                report.count("repository", outcome)
                report.count("collaborator", ledger.ensure_collaborator(rid, uid, at=began, source=SOURCE))
            else:
                members.setdefault(org_id, set()).add(uid)
                report.count(
                    "membership", ledger.ensure_membership(org_id, uid, str(row.role), at=began, source=SOURCE)
                )
        except InvalidInput as exc:
            raise ImportRejected(f"line {row.line}: {exc.message}") from exc
    m = t.org_memberships
    for org_id, keep in members.items():
        current = (
            conn.execute(sa.select(m.c.user_id).where(m.c.organization_id == org_id, m.c.ended_at.is_(None)))
            .scalars()
            .all()
        )
        for uid in set(current) - keep:
            if ledger.withdraw_membership(org_id, uid, SOURCE, now):
                report.count("membership", "updated")
    if has_enterprise_roles:
        _end_enterprise_roles_not_listed(ledger, enterprise_id, enterprise_roles, now, report)
    rematch_enterprise(conn, enterprise_id, report)
    record_success(
        conn,
        enterprise_id,
        SOURCE,
        {
            "organizations": sorted(orgs),
            "people": len({row.login for row in rows}),
        },
        at=now,
    )
    if report.changed:
        ledger.bump_version(enterprise_id)
    return report


def _end_enterprise_roles_not_listed(
    ledger: Ledger, enterprise_id: int, keep: set[tuple[int, str]], at: dt.datetime, report: ImportReport
) -> None:
    er = t.enterprise_roles
    held = ledger.conn.execute(
        sa.select(er.c.user_id, er.c.role).where(er.c.enterprise_id == enterprise_id, er.c.ended_at.is_(None))
    ).all()
    for uid, role in held:
        if (uid, role) not in keep and ledger.withdraw_enterprise_role(enterprise_id, uid, role, SOURCE, at=at):
            report.count("enterprise role", "updated")
