"""Describing the people who consume a seat: the rows of the usage report and consumed-licenses
API, and the per-person explanation. Every description is :func:`_person` of the person's rows
of one statement (:func:`_people_statement`): the whole list streams it for everyone, in page
order; a page, or given people, runs it for one batch of people at a time. Memory stays flat
at any size.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import itertools
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable, Iterator, NamedTuple, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from seatledger.db import tables as t
from seatledger.db import tables_intervals as ti
from seatledger.db.engine import sqlite_page_cache
from seatledger.db.versions import wrote_in_transaction
from seatledger.errors import NotFound
from seatledger.licensing import advanced_security
from seatledger.licensing.cost_centers import Allocator, load_allocator
from seatledger.licensing.seat_reasons import (
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

LICENSE_TYPE_ENTERPRISE = "Enterprise"
LICENSE_TYPE_VISUAL_STUDIO = "Visual Studio subscription"


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
    def invited_email(self) -> str | None:
        """The address a person holding a seat only through an email invitation was invited
        at: what identifies them until they accept (``login`` is None)."""
        email = self.key.removeprefix("invite:")
        return email if self.key.startswith("invite:") and "@" in email else None

    @property
    def enterprise_server_user(self) -> bool:
        return bool(self.server_user_ids)

    @property
    def visual_studio_subscription_user(self) -> bool:
        return self.license_type == LICENSE_TYPE_VISUAL_STUDIO


@dataclass(frozen=True)
class SeatReason:
    """One reason a person consumes a seat at an instant (what :func:`explain` returns)."""

    reason: str  # REASON_*
    person_key: str
    detail: str  # one sentence for a person to read
    started_at: dt.datetime
    ended_at: dt.datetime | None  # when it stops (or stopped), if known
    organization: str | None = None
    repository: str | None = None  # "owner/name"
    invitation_id: int | None = None
    server_account: str | None = None  # "hostname:user_id"
    visual_studio_email: str | None = None


_MEMBERSHIP = (REASON_ORG_OWNER, REASON_ORG_MEMBER)
SIDE_CACHE_KIB = 8 * 1024  # SQLite page cache of the connection counting committers beside the report


def _by_login(dialect: str, column: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    # Byte order on both databases, so pages and CSVs come out identical on SQLite and PostgreSQL.
    return column.collate("C") if dialect == "postgresql" else column


def _ordered_people(conn: Connection, policy: Policy, at: dt.datetime, org_id: int | None) -> sa.Select[Any]:
    """The people holding a seat at ``at`` (through ``org_id``), in listing order: cloud
    accounts by login, then the others by key, bytewise; a walk of the spans' order index."""
    s = ti.seat_spans
    scope = ti.SCOPE_ENTERPRISE if org_id is None else ti.SCOPE_ORGANIZATION
    return (
        sa.select(s.c.user_id, s.c.other_key)
        .where(
            s.c.enterprise_id == policy.enterprise.id,
            s.c.scope == scope,
            s.c.org_id == (org_id or 0),
            Window(at).overlaps(s.c.started_at, s.c.ended_at),
        )
        .order_by(s.c.sort_key, s.c.user_id)
    )


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
    if offset == 0 and limit is None:
        yield from stream_all(conn, policy, at, org_id=org_id, batch=batch)
        return
    query = _ordered_people(conn, policy, at, org_id).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    # The ordered keys come from a streaming cursor (server-side on PostgreSQL); each batch
    # is described by a few more queries on the same connection and transaction while that
    # cursor stays open, which both psycopg and sqlite3 allow.
    result = conn.execute(query.execution_options(yield_per=batch))
    try:
        for rows in result.partitions(batch):
            yield from _describe(conn, policy, at, [(row.user_id, row.other_key) for row in rows])
    finally:
        result.close()


# The kinds of row of :func:`_people_statement`, in the order a person's rows come.
_KIND_REASON, _KIND_DOMAIN_EMAIL, _KIND_OWNER, _KIND_VS_PENDING = 0, 1, 2, 3


# The reasons :func:`_people_statement` describes: a CTE of this name, with the columns of the
# engine's :func:`reasons`, joined to the rest of the statement (built once per dialect).
_HELD = sa.table(
    "held",
    *(
        sa.column(name, ti.seat_reason_intervals.c[name].type)
        for name in (
            "user_id",
            "other_key",
            "reason",
            "started_at",
            "ended_at",
            "org_id",
            "repository_id",
            "source_id",
        )
    ),
)


def _people_statement(
    conn: Connection, policy: Policy, at: dt.datetime, *, org_id: int | None = None, only: Only | None = None
) -> sa.Select[Any]:
    """Everything :func:`_person` reads, in one statement (:func:`_describing`) about the
    reasons (:func:`reasons`, the engine's own) computed once (MATERIALIZED): of every licensed
    person (with ``org_id`` only those consuming through that org, each still described with
    all their reasons), or of the batch of people ``only`` names (and of anyone else sharing a
    key's suffix)."""
    r = reasons(policy, Window(at), only=only)
    holding = sa.select(r)
    if org_id is not None:
        o_r = reasons(policy, Window(at), org_id=org_id)
        holding = holding.where(
            sa.or_(
                r.c.user_id.in_(sa.select(o_r.c.user_id).where(o_r.c.user_id.is_not(None))),
                r.c.other_key.in_(sa.select(o_r.c.other_key).where(o_r.c.other_key.is_not(None))),
            )
        )
    held = holding.cte(_HELD.name).prefix_with("MATERIALIZED")
    return _describing(conn.dialect.name).add_cte(held).params(people_enterprise_id=policy.enterprise.id, people_at=at)


@functools.cache
def _describing(dialect: str) -> sa.Select[Any]:
    """Each person's reason rows of :data:`_HELD` (with the user, the org, the repository, the
    server account and the VS subscription a reason names), then their verified domain emails,
    their enterprise-owner role, and (invitees) a pending VS subscription, all ordered by person
    in page order. Built once: a page's people are described without building it again."""
    rc = _HELD
    enterprise_id, at = (
        sa.bindparam("people_enterprise_id", type_=sa.Integer),
        sa.bindparam("people_at", type_=sa.DateTime),
    )
    holders = sa.select(rc.c.user_id).where(rc.c.user_id.is_not(None))
    u, o, repo, acct, si, v = (
        t.users,
        t.organizations,
        t.repositories,
        t.server_accounts,
        t.server_instances,
        t.vs_subscriptions,
    )
    ue, er = t.user_emails, t.enterprise_roles
    no_int, no_str, no_time, no_bool = (
        sa.cast(sa.null(), sa.Integer),
        sa.cast(sa.null(), sa.String),
        sa.cast(sa.null(), sa.DateTime),
        sa.cast(sa.null(), sa.Boolean),
    )
    no_date = sa.cast(sa.null(), sa.Date)

    def row(
        user_id: sa.ColumnElement[Any],
        other_key: sa.ColumnElement[Any],
        login: sa.ColumnElement[Any],
        kind: int,
        *,
        text: sa.ColumnElement[Any] = no_str,
        **cols: sa.ColumnElement[Any],
    ) -> list[sa.Label[Any]]:
        named: dict[str, sa.ColumnElement[Any]] = {
            "reason": no_str,
            "started_at": no_time,
            "org_id": no_int,
            "repository_id": no_int,
            "source_id": no_int,
            "org_login": no_str,
            "org_created_at": no_time,
            "repo_full_name": no_str,
            "name": no_str,
            "saml_name_id": no_str,
            "two_factor": no_bool,
            "two_factor_required_by": no_date,
            "hostname": no_str,
            "server_user_id": no_int,
            "primary_email": no_str,
            "code_security_user": no_bool,
            "secret_protection_user": no_bool,
        }
        named.update(cols)
        return [
            user_id.label("user_id"),
            other_key.label("other_key"),
            login.label("login"),
            sa.literal_column(str(kind), sa.Integer).label("kind"),
            *(value.label(name) for name, value in named.items()),
            text.label("text"),
        ]

    reason_rows = sa.select(
        *row(
            rc.c.user_id,
            rc.c.other_key,
            u.c.login,
            _KIND_REASON,
            reason=rc.c.reason,
            started_at=rc.c.started_at,
            org_id=rc.c.org_id,
            repository_id=rc.c.repository_id,
            source_id=rc.c.source_id,
            org_login=o.c.login,
            org_created_at=o.c.created_at,
            repo_full_name=repo.c.owner_login + "/" + repo.c.name,
            name=u.c.name,
            saml_name_id=u.c.saml_name_id,
            two_factor=u.c.two_factor,
            two_factor_required_by=u.c.two_factor_required_by,
            hostname=si.c.hostname,
            server_user_id=acct.c.user_id,
            primary_email=acct.c.primary_email,
            code_security_user=acct.c.code_security_user,
            secret_protection_user=acct.c.secret_protection_user,
            text=v.c.subscriber_email,
        )
    ).select_from(
        rc.outerjoin(u, u.c.id == rc.c.user_id)
        .outerjoin(o, o.c.id == rc.c.org_id)
        .outerjoin(repo, repo.c.id == rc.c.repository_id)
        .outerjoin(acct, sa.and_(rc.c.reason == REASON_SERVER_USER, acct.c.id == rc.c.source_id))
        .outerjoin(si, si.c.id == acct.c.server_instance_id)
        .outerjoin(v, sa.and_(rc.c.reason == REASON_VISUAL_STUDIO, v.c.id == rc.c.source_id))
    )
    domain_emails = (
        sa.select(*row(ue.c.user_id, no_str, u.c.login, _KIND_DOMAIN_EMAIL, text=ue.c.email))
        .select_from(ue.join(u, u.c.id == ue.c.user_id))
        .where(ue.c.user_id.in_(holders), ue.c.verified_domain == sa.true(), ue.c.verified == sa.true())
    )
    owners = (
        sa.select(*row(er.c.user_id, no_str, u.c.login, _KIND_OWNER))
        .select_from(er.join(u, u.c.id == er.c.user_id))
        .where(
            er.c.enterprise_id == enterprise_id,
            er.c.role == "owner",
            er.c.user_id.in_(holders),
            er.c.started_at <= at,
            sa.or_(er.c.ended_at.is_(None), er.c.ended_at > at),
        )
    )
    invite_key = sa.literal("invite:", sa.String).concat(v.c.subscriber_email)
    vs_pending = sa.select(*row(no_int, invite_key, no_str, _KIND_VS_PENDING)).where(
        v.c.enterprise_id == enterprise_id,
        v.c.status == "active",
        v.c.matched_user_id.is_(None),
        invite_key.in_(sa.select(rc.c.other_key).where(rc.c.user_id.is_(None))),
    )
    every = sa.union_all(reason_rows, domain_emails, owners, vs_pending).subquery("every")
    return sa.select(every).order_by(
        sa.case((every.c.login.is_(None), 1), else_=0),
        _by_login(dialect, every.c.login),
        _by_login(dialect, every.c.other_key),
        every.c.user_id,
        every.c.kind,
        every.c.started_at,
        every.c.reason,
        every.c.source_id,
        every.c.text,
    )


def stream_all(
    conn: Connection, policy: Policy, at: dt.datetime, *, org_id: int | None, batch: int
) -> Iterator[LicensedPerson]:
    """Every licensed person, in page order, from :func:`_people_statement` (streamed) and one
    query of the enterprise's active committers: the whole-report path, the same people and
    descriptions as :func:`describe_keys` gives them."""
    committers = _committers_beside(conn, policy.enterprise.slug, at)
    result = None
    try:
        result = conn.execute(_people_statement(conn, policy, at, org_id=org_id).execution_options(yield_per=batch))
        records = iter(result)
        first = next(records, None)  # the statement's work (PostgreSQL's server-side cursor runs at the first fetch)
    except BaseException:
        with contextlib.suppress(Exception):
            committers()  # no count outlives the report
        if result is not None:
            result.close()
        raise
    found = committers()
    ctx = _Context(
        policy, at, found["code_security"], found["secret_protection"], load_allocator(conn, policy.enterprise.id)
    )
    try:
        current: tuple[int | None, str | None] | None = None
        rows: list[Any] = []
        for rec in itertools.chain(() if first is None else (first,), records):
            person = (rec.user_id, rec.other_key)
            if person != current:
                if current is not None:
                    yield _person(ctx, current, rows)
                current, rows = person, []
            rows.append(rec)
        if current is not None:
            yield _person(ctx, current, rows)
    finally:
        result.close()


def _committers_beside(
    conn: Connection, enterprise: str, at: dt.datetime
) -> Callable[[], dict[advanced_security.Product, frozenset[int]]]:
    """The enterprise's active committers (:func:`advanced_security.active_committer_ids`),
    counted on a connection of their own in a thread while the caller's connection runs the
    ordered statement: both are the database's work, done without Python's lock, so on two
    cores they overlap. Each statement reads its own snapshot either way (SQLite's reads here
    run outside a transaction, PostgreSQL's at READ COMMITTED). Counted on the caller's
    connection instead when its open transaction has written (another connection would not see
    that) or the database lives in this process's memory. Returns the function that waits for
    the answer (it raises what the count raised)."""
    engine = conn.engine
    if wrote_in_transaction(conn) or engine.url.database in (None, "", ":memory:") or "mode=memory" in str(engine.url):
        found = advanced_security.active_committer_ids(conn, enterprise, as_of=at)
        return lambda: found

    def count() -> dict[advanced_security.Product, frozenset[int]]:
        with engine.connect() as own:
            if own.dialect.name != "sqlite":
                return dict(advanced_security.active_committer_ids(own, enterprise, as_of=at))
            # A small page cache: the report's peak memory holds this connection's beside the other's.
            with sqlite_page_cache(own.connection.dbapi_connection, SIDE_CACHE_KIB):
                return dict(advanced_security.active_committer_ids(own, enterprise, as_of=at))

    pool = ThreadPoolExecutor(1, thread_name_prefix="committers")
    future = pool.submit(count)
    pool.shutdown(wait=False)
    return future.result


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
    for start in range(0, len(people), batch):
        yield from _describe(conn, policy, at, people[start : start + batch])


def _describe(
    conn: Connection, policy: Policy, at: dt.datetime, people: Sequence[tuple[int | None, str | None]]
) -> Iterator[LicensedPerson]:
    """A batch of people, in the order given: :func:`_people_statement` for them alone, and
    their committers and cost center assignments alone, so a few queries a batch."""
    user_ids = [uid for uid, _ in people if uid is not None]
    found = advanced_security.committers_among(conn, policy.enterprise.slug, user_ids, as_of=at)
    allocator = load_allocator(conn, policy.enterprise.id, user_ids)
    ctx = _Context(policy, at, found["code_security"], found["secret_protection"], allocator)
    only = Only(tuple(user_ids), tuple(_suffix(str(other)) for uid, other in people if uid is None))
    rows: dict[str, list[Any]] = defaultdict(list)
    for rec in conn.execute(_people_statement(conn, policy, at, only=only)):
        rows[person_key(rec.user_id, rec.other_key)].append(rec)
    for uid, other in people:
        yield _person(ctx, (uid, other), rows.get(person_key(uid, other), []))


@dataclass(frozen=True)
class _Context:
    policy: Policy
    at: dt.datetime
    code_security: frozenset[int]  # user ids: active committers now (of the batch, or everyone)
    secret_protection: frozenset[int]
    allocator: Allocator


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


def _reason_rows(
    conn: Connection, policy: Policy, at: dt.datetime, keys: Sequence[tuple[str, int | None]]
) -> list[_Reason]:
    only = Only(
        user_ids=tuple(uid for _, uid in keys if uid is not None),
        key_suffixes=tuple(_suffix(k) for k, uid in keys if uid is None),
    )
    r = reasons(policy, Window(at), only=only)
    o, repo = t.organizations, t.repositories
    query = sa.select(
        r,
        o.c.login.label("org_login"),
        o.c.created_at.label("org_created_at"),
        (repo.c.owner_login + "/" + repo.c.name).label("repo_full_name"),
    ).select_from(
        r.outerjoin(o, o.c.id == r.c.org_id).outerjoin(repo, repo.c.id == r.c.repository_id)
    )  # ordered here, not by the database: an ORDER BY would have SQLite walk the start index
    wanted = {k for k, _ in keys}
    out: list[_Reason] = []
    for row in conn.execute(query):
        key = person_key(row.user_id, row.other_key)
        if key in wanted:
            out.append(
                _Reason(
                    key,
                    row.user_id,
                    row.reason,
                    row.started_at,
                    row.ended_at,
                    row.org_id,
                    row.repository_id,
                    row.source_id,
                    row.org_login,
                    row.org_created_at,
                    row.repo_full_name,
                )
            )
    out.sort(key=lambda x: (x.started_at, x.reason, x.source_id))
    return out


def _person(ctx: _Context, person: tuple[int | None, str | None], recs: Sequence[Any]) -> LicensedPerson:
    """One person, ``(user id, other key)``, from their rows of :func:`_people_statement` in its
    order (reasons by start, reason and source id; domain emails by address): the one place a
    person is described. One pass over the rows: it runs for everyone."""
    uid, _ = person
    key = person_key(*person)
    member_orgs: set[int | None] = set()
    roles: set[str] = set()
    collaborations: list[Any] = []
    pending_orgs: set[str] = set()
    kinds: set[str] = set()
    started: dt.datetime | None = None
    oldest: tuple[dt.datetime, int] | None = None  # (created_at, id) of the oldest granting org
    accounts: list[_ServerAccount] = []
    domain_emails: list[str] = []
    user = None
    owner = vs_pending = False
    vs_email: str | None = None
    for row in recs:
        kind = row.kind
        if kind == _KIND_DOMAIN_EMAIL:
            domain_emails.append(row.text)
            continue
        if kind == _KIND_OWNER:
            owner = True
            continue
        if kind == _KIND_VS_PENDING:
            vs_pending = True
            continue
        reason = row.reason
        if user is None and uid is not None and row.login is not None:
            user = row
        if reason == REASON_VISUAL_STUDIO and reason not in kinds:
            vs_email = row.text  # the first subscription's
        kinds.add(reason)
        if started is None or row.started_at < started:
            started = row.started_at
        if row.org_id is not None and row.org_created_at is not None:  # an org is never without its date
            granting = (row.org_created_at, row.org_id)
            if oldest is None or granting < oldest:
                oldest = granting
        if reason == REASON_ORG_MEMBER or reason == REASON_ORG_OWNER:
            member_orgs.add(row.org_id)
            roles.add(f"{row.org_login}:{'Owner' if reason == REASON_ORG_OWNER else 'Member'}")
        elif reason == REASON_OUTSIDE_COLLABORATOR:
            collaborations.append(row)
        elif reason == REASON_PENDING_INVITATION:
            if row.repository_id is None and row.org_login is not None:  # an org invitation names its org
                pending_orgs.add(row.org_login)
        elif reason == REASON_SERVER_USER and row.hostname is not None:
            accounts.append(
                _ServerAccount(
                    f"{row.hostname}:{row.server_user_id}",
                    row.primary_email,
                    bool(row.code_security_user),
                    bool(row.secret_protection_user),
                    None,
                )
            )
    for row in collaborations:
        if row.org_id not in member_orgs:
            roles.add(f"{row.repo_full_name}:Collaborator")
    enterprise_roles = []
    if member_orgs:
        enterprise_roles.append("Member")
    elif collaborations:
        enterprise_roles.append("Repository collaborator" if ctx.policy.enterprise.managed else "Outside collaborator")
    if owner:
        enterprise_roles.append("Owner")
    has_vs = REASON_VISUAL_STUDIO in kinds
    vs_status = "Matched" if has_vs else None
    if not has_vs:
        vs_email = None
        if vs_pending:
            vs_email, vs_status = _suffix(key), "Pending Invitation"
    if user:
        login, name, saml_name_id = user.login, user.name, user.saml_name_id
        two_factor = None if user.two_factor is None else bool(user.two_factor)
        two_factor_required_by = user.two_factor_required_by
    else:
        login = _suffix(key) if key.startswith("invite:") and "@" not in key else None
        name = saml_name_id = two_factor = two_factor_required_by = None
    if accounts:
        server_ids = tuple(sorted(a.user_key for a in accounts))
        server_emails = tuple(sorted({a.email for a in accounts if a.email}))
        server_cs = tuple(sorted(a.user_key for a in accounts if a.code_security))
        server_sp = tuple(sorted(a.user_key for a in accounts if a.secret_protection))
    else:
        server_ids = server_emails = server_cs = server_sp = ()
    return LicensedPerson(
        key=key,
        user_id=uid,
        login=login,
        name=name,
        reasons=tuple(sorted(kinds)),
        license_type=LICENSE_TYPE_VISUAL_STUDIO if has_vs else LICENSE_TYPE_ENTERPRISE,
        member_roles=tuple(sorted(roles)),
        enterprise_roles=tuple(sorted(enterprise_roles)),
        verified_domain_emails=tuple(domain_emails),
        saml_name_id=saml_name_id,
        orgs_with_pending_invites=tuple(sorted(pending_orgs)),
        two_factor=two_factor,
        two_factor_required_by=two_factor_required_by,
        cost_center=_cost_center(ctx, uid, oldest[1] if oldest else None),
        code_security_user=uid is not None and uid in ctx.code_security,
        secret_protection_user=uid is not None and uid in ctx.secret_protection,
        license_started_at=started,
        license_ended_at=None,
        server_user_ids=server_ids,
        server_primary_emails=server_emails,
        server_code_security_user_ids=server_cs,
        server_secret_protection_user_ids=server_sp,
        visual_studio_subscription_email=vs_email,
        visual_studio_license_status=vs_status,
        total_user_accounts=(1 if uid is not None else 0) + len(accounts),
    )


def _cost_center(ctx: _Context, uid: int | None, oldest_org: int | None) -> str | None:
    """Spec 2.4: direct assignment, then enterprise team, then the license-granting org
    (the oldest one when several grant it)."""
    center = ctx.allocator.allocate(uid, oldest_org, ctx.at)
    return ctx.allocator.names.get(center) if center else None


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
    query = (
        sa.select(
            sa_.c.id,
            si.c.hostname,
            sa_.c.user_id,
            sa_.c.primary_email,
            sa_.c.code_security_user,
            sa_.c.secret_protection_user,
            sa_.c.match_rule,
        )
        .join(si, si.c.id == sa_.c.server_instance_id)
        .where(sa_.c.id.in_(ids))
    )
    return {
        row.id: _ServerAccount(
            f"{row.hostname}:{row.user_id}",
            row.primary_email,
            bool(row.code_security_user),
            bool(row.secret_protection_user),
            row.match_rule,
        )
        for row in conn.execute(query)
    }


# -- explanation ------------------------------------------------------------------------------
def _keys_for(conn: Connection, policy: Policy, login: str) -> list[tuple[str, int | None]]:
    u = t.users
    uid = conn.execute(sa.select(u.c.id).where(u.c.enterprise_id == policy.enterprise.id, u.c.login == login)).scalar()
    if uid is not None:
        return [(f"user:{uid}", int(uid))]
    for prefix in ("user:", "server:", "invite:"):
        if login.startswith(prefix):
            rest = login[len(prefix) :]
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
            "reason": row.reason,
            "person_key": row.person_key,
            "started_at": row.started_at,
            "ended_at": row.ended_at,
            "organization": row.org_login,
            "repository": row.repo_full_name,
        }
        if row.reason in _MEMBERSHIP:
            role = "owner" if row.reason == REASON_ORG_OWNER else "member"
            out.append(SeatReason(detail=f"{role} of organization {row.org_login} since {since}", **common))
        elif row.reason == REASON_OUTSIDE_COLLABORATOR:
            out.append(
                SeatReason(
                    detail=f"collaborator on private or internal repository {row.repo_full_name} since {since}",
                    **common,
                )
            )
        elif row.reason == REASON_PENDING_INVITATION:
            inv = invitations.get(row.source_id)
            to = f" sent to {inv.invitee}" if inv else ""
            target = (
                f"to collaborate on {row.repo_full_name}"
                if row.repository_id
                else f"to join {row.org_login} as {inv.role if inv else 'member'}"
            )
            out.append(
                SeatReason(
                    detail=f"pending invitation {target}{to}, since {since}", invitation_id=row.source_id, **common
                )
            )
        elif row.reason == REASON_SERVER_USER:
            acct = servers.get(row.source_id)
            name = acct.user_key if acct else str(row.source_id)
            how = f", matched by {acct.match_rule.replace('_', ' ')}" if acct and acct.match_rule else ""
            out.append(
                SeatReason(detail=f"active Enterprise Server account {name}{how}", server_account=name, **common)
            )
        else:
            email, rule = vs.get(row.source_id, (None, None))
            how = f", matched by {rule.replace('_', ' ')}" if rule else ", by its server primary email"
            out.append(
                SeatReason(detail=f"Visual Studio subscription {email}{how}", visual_studio_email=email, **common)
            )
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
