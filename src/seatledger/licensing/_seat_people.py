"""Describing the people who consume a seat: the rows of the usage report and consumed-licenses
API, and the per-person explanation. The people are streamed in one ordered query; each batch
of them is described with a few ``IN (...)`` queries, so memory stays flat at any size.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterator, NamedTuple, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from seatledger.db import tables as t
from seatledger.errors import NotFound
from seatledger.licensing._seat_reasons import (
    REASON_ORG_MEMBER,
    REASON_ORG_OWNER,
    REASON_OUTSIDE_COLLABORATOR,
    REASON_PENDING_INVITATION,
    REASON_SERVER_USER,
    REASON_VISUAL_STUDIO,
    Only,
    Policy,
    Window,
    person_key,
    reasons,
)
from seatledger.licensing.scope import holds_at
from seatledger.licensing.seats import (
    LICENSE_TYPE_ENTERPRISE,
    LICENSE_TYPE_VISUAL_STUDIO,
    LicensedPerson,
    SeatReason,
)

_MEMBERSHIP = (REASON_ORG_OWNER, REASON_ORG_MEMBER)


def _by_login(conn: Connection, column: sa.ColumnElement) -> sa.ColumnElement:
    # Byte order on both databases, so pages and CSVs come out identical on SQLite and PostgreSQL.
    return column.collate("C") if conn.dialect.name == "postgresql" else column


def _ordered_people(conn: Connection, policy: Policy, at: dt.datetime, org_id: int | None) -> sa.Select:
    r = reasons(policy, Window(at), org_id=org_id)
    people = sa.select(r.c.user_id, r.c.other_key).group_by(r.c.user_id, r.c.other_key).subquery("people")
    u = t.users
    return (
        sa.select(people.c.user_id, people.c.other_key)
        .select_from(people.outerjoin(u, u.c.id == people.c.user_id))
        .order_by(
            sa.case((u.c.login.is_(None), 1), else_=0),
            _by_login(conn, u.c.login),
            _by_login(conn, people.c.other_key),
        )
    )


def _allocator(conn: Connection, enterprise_id: int) -> Any:
    try:
        from seatledger.licensing.cost_centers import load_allocator
    except ImportError:  # cost centers are another area's module; without it there is none
        return None
    return load_allocator(conn, enterprise_id)


def stream(
    conn: Connection,
    policy: Policy,
    at: dt.datetime,
    *,
    org_id: int | None,
    offset: int,
    limit: int | None,
    batch: int,
) -> Iterator[LicensedPerson]:
    context = _Context(policy, at, frozenset(), frozenset(), _allocator(conn, policy.enterprise.id))
    query = _ordered_people(conn, policy, at, org_id).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    # The ordered keys come from a streaming cursor (server-side on PostgreSQL); each batch
    # is described by a few more queries on the same connection and transaction while that
    # cursor stays open, which both psycopg and sqlite3 allow.
    result = conn.execute(query.execution_options(yield_per=batch))
    try:
        for rows in result.partitions(batch):
            keys = [(person_key(row.user_id, row.other_key), row.user_id) for row in rows]
            _mark_committers(conn, context, [uid for _, uid in keys if uid is not None])
            yield from _describe(conn, context, keys)
    finally:
        result.close()


def ordered_keys(
    conn: Connection, policy: Policy, at: dt.datetime, org_id: int | None
) -> tuple[tuple[int | None, str | None], ...]:
    """Every licensed person as (user id, other key), in page order: what a page slices when
    the list is memoised (about 100 bytes a person)."""
    result = conn.execute(_ordered_people(conn, policy, at, org_id).execution_options(yield_per=10_000))
    return tuple((row.user_id, row.other_key) for row in result)


def describe_keys(
    conn: Connection, policy: Policy, at: dt.datetime, people: Sequence[tuple[int | None, str | None]], *, batch: int
) -> Iterator[LicensedPerson]:
    """The people of ``people`` (a slice of :func:`ordered_keys`), described in batches."""
    context = _Context(policy, at, frozenset(), frozenset(), _allocator(conn, policy.enterprise.id))
    for start in range(0, len(people), batch):
        keys = [(person_key(uid, other), uid) for uid, other in people[start : start + batch]]
        _mark_committers(conn, context, [uid for _, uid in keys if uid is not None])
        yield from _describe(conn, context, keys)


def _mark_committers(conn: Connection, ctx: "_Context", user_ids: list[int]) -> None:
    """Which people of this batch are active Advanced Security committers (per product)."""
    from seatledger.licensing import advanced_security

    found = advanced_security.committers_among(conn, ctx.policy.enterprise.slug, user_ids, as_of=ctx.at)
    ctx.code_security = found["code_security"]
    ctx.secret_protection = found["secret_protection"]


@dataclass
class _Context:
    policy: Policy
    at: dt.datetime
    code_security: frozenset[int]  # user ids, of the batch being described
    secret_protection: frozenset[int]
    allocator: Any
    org_created: dict[int, tuple[dt.datetime, int]] = field(default_factory=dict)


def _suffix(key: str) -> str:
    return key.split(":", 1)[1]


class _Reason(NamedTuple):
    """A reason row with its person's key spelled out and its org/repository named."""

    person_key: str
    user_id: int | None
    reason: str
    started_at: dt.datetime
    ended_at: dt.datetime | None
    org_id: int | None
    repository_id: int | None
    source_id: int
    org_login: str | None
    org_created_at: dt.datetime | None
    repo_full_name: str | None


def _reason_rows(conn: Connection, policy: Policy, at: dt.datetime, keys: Sequence[tuple[str, int | None]]) -> list[_Reason]:
    only = Only(
        user_ids=tuple(uid for _, uid in keys if uid is not None),
        key_suffixes=tuple(_suffix(k) for k, uid in keys if uid is None),
    )
    r = reasons(policy, Window(at), only=only)
    o, repo = t.organizations, t.repositories
    query = (
        sa.select(
            r,
            o.c.login.label("org_login"),
            o.c.created_at.label("org_created_at"),
            (repo.c.owner_login + "/" + repo.c.name).label("repo_full_name"),
        )
        .select_from(r.outerjoin(o, o.c.id == r.c.org_id).outerjoin(repo, repo.c.id == r.c.repository_id))
        .order_by(r.c.started_at, r.c.reason, r.c.source_id)
    )
    wanted = {k for k, _ in keys}
    out: list[_Reason] = []
    for row in conn.execute(query):
        key = person_key(row.user_id, row.other_key)
        if key in wanted:
            out.append(
                _Reason(
                    key, row.user_id, row.reason, row.started_at, row.ended_at, row.org_id, row.repository_id,
                    row.source_id, row.org_login, row.org_created_at, row.repo_full_name,
                )
            )
    return out


def _describe(conn: Connection, ctx: _Context, keys: list[tuple[str, int | None]]) -> Iterator[LicensedPerson]:
    policy, at = ctx.policy, ctx.at
    rows_by_key: dict[str, list[_Reason]] = defaultdict(list)
    for row in _reason_rows(conn, policy, at, keys):
        rows_by_key[row.person_key].append(row)
    user_ids = [uid for _, uid in keys if uid is not None]
    users = _users(conn, user_ids)
    owners = _enterprise_owners(conn, policy.enterprise.id, user_ids, at)
    domain_emails = _verified_domain_emails(conn, user_ids)
    server_ids = [row.source_id for rows in rows_by_key.values() for row in rows if row.reason == REASON_SERVER_USER]
    servers = _server_accounts(conn, server_ids)
    vs_ids = [row.source_id for rows in rows_by_key.values() for row in rows if row.reason == REASON_VISUAL_STUDIO]
    vs = _vs_emails(conn, vs_ids)
    invited = [_suffix(k) for k, uid in keys if uid is None and k.startswith("invite:")]
    vs_pending = _vs_pending(conn, policy.enterprise.id, invited)
    collaborator_label = "Repository collaborator" if policy.enterprise.managed else "Outside collaborator"

    for key, uid in keys:
        rows = rows_by_key.get(key, [])
        user = users.get(uid) if uid is not None else None
        member_orgs = {row.org_id for row in rows if row.reason in _MEMBERSHIP}
        roles = {f"{row.org_login}:{'Owner' if row.reason == REASON_ORG_OWNER else 'Member'}" for row in rows if row.reason in _MEMBERSHIP}
        roles |= {
            f"{row.repo_full_name}:Collaborator"
            for row in rows
            if row.reason == REASON_OUTSIDE_COLLABORATOR and row.org_id not in member_orgs
        }
        enterprise_roles = set()
        if uid in owners:
            enterprise_roles.add("Owner")
        if member_orgs:
            enterprise_roles.add("Member")
        elif any(row.reason == REASON_OUTSIDE_COLLABORATOR for row in rows):
            enterprise_roles.add(collaborator_label)
        pending_orgs = {row.org_login for row in rows if row.reason == REASON_PENDING_INVITATION and row.repository_id is None}
        accounts = [servers[row.source_id] for row in rows if row.reason == REASON_SERVER_USER and row.source_id in servers]
        vs_rows = [row for row in rows if row.reason == REASON_VISUAL_STUDIO]
        vs_email = vs.get(vs_rows[0].source_id) if vs_rows else None
        vs_status = "Matched" if vs_rows else None
        if not vs_rows and key.startswith("invite:") and _suffix(key) in vs_pending:
            vs_email, vs_status = _suffix(key), "Pending Invitation"
        login = user.login if user else (_suffix(key) if key.startswith("invite:") and "@" not in key else None)
        yield LicensedPerson(
            key=key,
            user_id=uid,
            login=login,
            name=user.name if user else None,
            reasons=tuple(sorted({row.reason for row in rows})),
            license_type=LICENSE_TYPE_VISUAL_STUDIO if vs_rows else LICENSE_TYPE_ENTERPRISE,
            member_roles=tuple(sorted(roles)),
            enterprise_roles=tuple(sorted(enterprise_roles)),
            verified_domain_emails=tuple(domain_emails.get(uid, ())) if uid is not None else (),
            saml_name_id=user.saml_name_id if user else None,
            orgs_with_pending_invites=tuple(sorted(pending_orgs)),
            two_factor=bool(user.two_factor) if user and user.two_factor is not None else None,
            two_factor_required_by=user.two_factor_required_by if user else None,
            cost_center=_cost_center(ctx, uid, rows),
            code_security_user=uid is not None and uid in ctx.code_security,
            secret_protection_user=uid is not None and uid in ctx.secret_protection,
            license_started_at=min((row.started_at for row in rows), default=None),
            license_ended_at=None,
            server_user_ids=tuple(sorted(a.user_key for a in accounts)),
            server_primary_emails=tuple(sorted({a.email for a in accounts if a.email})),
            server_code_security_user_ids=tuple(sorted(a.user_key for a in accounts if a.code_security)),
            server_secret_protection_user_ids=tuple(sorted(a.user_key for a in accounts if a.secret_protection)),
            visual_studio_subscription_email=vs_email,
            visual_studio_license_status=vs_status,
            total_user_accounts=(1 if uid is not None else 0) + len(accounts),
        )


def _cost_center(ctx: _Context, uid: int | None, rows: list[_Reason]) -> str | None:
    """Spec 2.4: direct assignment, then enterprise team, then the license-granting org
    (the oldest one when several grant it)."""
    if ctx.allocator is None:
        return None
    granting = [(row.org_created_at, row.org_id) for row in rows if row.org_id is not None]
    oldest_org = min(granting)[1] if granting else None
    center = ctx.allocator.allocate(uid, oldest_org, ctx.at)
    return ctx.allocator.names.get(center) if center else None


def _users(conn: Connection, ids: list[int]) -> dict[int, Any]:
    if not ids:
        return {}
    u = t.users
    query = sa.select(
        u.c.id, u.c.login, u.c.name, u.c.saml_name_id, u.c.two_factor, u.c.two_factor_required_by
    ).where(u.c.id.in_(ids))
    return {row.id: row for row in conn.execute(query)}


def _enterprise_owners(conn: Connection, enterprise_id: int, ids: list[int], at: dt.datetime) -> set[int]:
    if not ids:
        return set()
    er = t.enterprise_roles
    query = sa.select(er.c.user_id).where(
        er.c.enterprise_id == enterprise_id,
        er.c.role == "owner",
        er.c.user_id.in_(ids),
        holds_at(er.c.started_at, er.c.ended_at, at),
    )
    return set(conn.execute(query).scalars())


def _verified_domain_emails(conn: Connection, ids: list[int]) -> dict[int, list[str]]:
    if not ids:
        return {}
    ue = t.user_emails
    query = (
        sa.select(ue.c.user_id, ue.c.email)
        .where(ue.c.user_id.in_(ids), ue.c.verified_domain == sa.true(), ue.c.verified == sa.true())
        .order_by(ue.c.user_id, ue.c.email)
    )
    out: dict[int, list[str]] = defaultdict(list)
    for row in conn.execute(query):
        out[row.user_id].append(row.email)
    return out


@dataclass(frozen=True)
class _ServerAccount:
    user_key: str  # "hostname:user_id"
    email: str | None
    code_security: bool
    secret_protection: bool
    match_rule: str | None


def _server_accounts(conn: Connection, ids: list[int]) -> dict[int, _ServerAccount]:
    if not ids:
        return {}
    sa_, si = t.server_accounts, t.server_instances
    query = sa.select(
        sa_.c.id, si.c.hostname, sa_.c.user_id, sa_.c.primary_email, sa_.c.code_security_user,
        sa_.c.secret_protection_user, sa_.c.match_rule,
    ).join(si, si.c.id == sa_.c.server_instance_id).where(sa_.c.id.in_(ids))
    return {
        row.id: _ServerAccount(
            f"{row.hostname}:{row.user_id}", row.primary_email, bool(row.code_security_user),
            bool(row.secret_protection_user), row.match_rule,
        )
        for row in conn.execute(query)
    }


def _vs_emails(conn: Connection, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    v = t.vs_subscriptions
    return {row.id: row.subscriber_email for row in conn.execute(sa.select(v.c.id, v.c.subscriber_email).where(v.c.id.in_(ids)))}


def _vs_pending(conn: Connection, enterprise_id: int, emails: list[str]) -> set[str]:
    """Invited emails that are the UPN of an active, unmatched VS subscription."""
    if not emails:
        return set()
    v = t.vs_subscriptions
    query = sa.select(v.c.subscriber_email).where(
        v.c.enterprise_id == enterprise_id, v.c.status == "active", v.c.matched_user_id.is_(None),
        v.c.subscriber_email.in_(emails),
    )
    return set(conn.execute(query).scalars())


# -- explanation ------------------------------------------------------------------------------
def _keys_for(conn: Connection, policy: Policy, login: str) -> list[tuple[str, int | None]]:
    u = t.users
    uid = conn.execute(
        sa.select(u.c.id).where(u.c.enterprise_id == policy.enterprise.id, u.c.login == login)
    ).scalar()
    if uid is not None:
        return [(f"user:{uid}", int(uid))]
    for prefix in ("user:", "server:", "invite:"):
        if login.startswith(prefix):
            rest = login[len(prefix):]
            return [(login, int(rest))] if prefix == "user:" and rest.isdigit() else [(login, None)]
    if "@" in login:
        email = login.strip().lower()
        return [(f"server:{email}", None), (f"invite:{email}", None)]
    raise NotFound(f"no user {login!r} in enterprise {policy.enterprise.slug!r}")


def explain(conn: Connection, policy: Policy, at: dt.datetime, login: str) -> list[SeatReason]:
    keys = _keys_for(conn, policy, login)
    rows = _reason_rows(conn, policy, at, keys)
    invitations = _invitations(conn, [r.source_id for r in rows if r.reason == REASON_PENDING_INVITATION])
    servers = _server_accounts(conn, [r.source_id for r in rows if r.reason == REASON_SERVER_USER])
    vs = _vs_rules(conn, [r.source_id for r in rows if r.reason == REASON_VISUAL_STUDIO])
    out: list[SeatReason] = []
    for row in rows:
        since = row.started_at.date().isoformat()
        common: dict[str, Any] = {
            "reason": row.reason, "person_key": row.person_key, "started_at": row.started_at,
            "ended_at": row.ended_at, "organization": row.org_login, "repository": row.repo_full_name,
        }
        if row.reason in _MEMBERSHIP:
            role = "owner" if row.reason == REASON_ORG_OWNER else "member"
            out.append(SeatReason(detail=f"{role} of organization {row.org_login} since {since}", **common))
        elif row.reason == REASON_OUTSIDE_COLLABORATOR:
            out.append(SeatReason(detail=f"collaborator on private or internal repository {row.repo_full_name} since {since}", **common))
        elif row.reason == REASON_PENDING_INVITATION:
            inv = invitations.get(row.source_id)
            to = f" sent to {inv.invitee}" if inv else ""
            target = f"to collaborate on {row.repo_full_name}" if row.repository_id else f"to join {row.org_login} as {inv.role if inv else 'member'}"
            out.append(SeatReason(detail=f"pending invitation {target}{to}, since {since}", invitation_id=row.source_id, **common))
        elif row.reason == REASON_SERVER_USER:
            acct = servers.get(row.source_id)
            name = acct.user_key if acct else str(row.source_id)
            how = f", matched by {acct.match_rule.replace('_', ' ')}" if acct and acct.match_rule else ""
            out.append(SeatReason(detail=f"active Enterprise Server account {name}{how}", server_account=name, **common))
        else:
            email, rule = vs.get(row.source_id, (None, None))
            how = f", matched by {rule.replace('_', ' ')}" if rule else ", by its server primary email"
            out.append(SeatReason(detail=f"Visual Studio subscription {email}{how}", visual_studio_email=email, **common))
    return out


@dataclass(frozen=True)
class _Invitation:
    role: str
    invitee: str


def _invitations(conn: Connection, ids: list[int]) -> dict[int, _Invitation]:
    if not ids:
        return {}
    i = t.invitations
    query = sa.select(i.c.id, i.c.role, i.c.invitee_login, i.c.invitee_email).where(i.c.id.in_(ids))
    return {row.id: _Invitation(row.role, row.invitee_login or row.invitee_email or "") for row in conn.execute(query)}


def _vs_rules(conn: Connection, ids: list[int]) -> dict[int, tuple[str, str | None]]:
    if not ids:
        return {}
    v = t.vs_subscriptions
    query = sa.select(v.c.id, v.c.subscriber_email, v.c.match_rule).where(v.c.id.in_(ids))
    return {row.id: (row.subscriber_email, row.match_rule) for row in conn.execute(query)}
