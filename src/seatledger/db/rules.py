"""The counting rules, written once in SQL: who holds an enterprise seat and why (spec 2.1),
and when each person was an active committer to each repository (spec 2.2).

Each rule is a SELECT over the facts with a filter: *everyone* of an enterprise (a bulk load,
``seatledger verify``) or *these people* (a write names what it touched, see
``db/intervals.py``). Their rows are kept in the interval tables (``db/tables_intervals.py``);
the counting engine reads those, never these SELECTs.

A seat reason row is ``(user_id, other_key, reason, started_at, ended_at, org_id,
repository_id, source_id)``. The license unit (the person) is either

- a cloud account: ``user_id`` set, ``other_key`` NULL (server accounts and VS subscriptions
  matched to it, and invitations that resolve to it, carry its id), or
- ``other_key`` set, ``user_id`` NULL: ``server:<primary email>`` for unmatched server accounts
  (one person across instances), ``invite:<email or login>`` for invitations to somebody the
  ledger does not know.

``started_at``/``ended_at`` is the *effective* interval of the reason: the source row's own
interval, cut short when the cloud account was suspended (a reason whose account was
suspended before it began never holds, and is not kept). ``source_id`` is the id of the row
in the rule's own table. Rules that never consume (billing managers, bots, the setup user,
public repositories, forks, failed invitations, suspended server accounts, the SCIM setup
user...) are simply never selected.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Iterable, Iterator

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.ext.compiler import compiles

from seatledger.db import tables as t

REASON_ORG_MEMBER = "org_member"
REASON_ORG_OWNER = "org_owner"
REASON_OUTSIDE_COLLABORATOR = "outside_collaborator"
REASON_PENDING_INVITATION = "pending_invitation"
REASON_SERVER_USER = "server_user"
REASON_VISUAL_STUDIO = "visual_studio"

PAID_VISIBILITIES = ("private", "internal")  # public repositories never consume a seat
ACTIVE_COMMITTER_WINDOW = dt.timedelta(days=90)
# An open interval's end while intervals are merged or compared (NULL = still holds).
FOREVER = dt.datetime(9999, 12, 31)

Interval = tuple[dt.datetime, dt.datetime]


def merge_spans(intervals: Iterable[Interval]) -> list[Interval]:
    """Disjoint spans covering the same instants, touching ones joined (as the SQL merges do)."""
    out: list[Interval] = []
    for start, end in sorted(intervals):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


@dataclass(frozen=True)
class People:
    """Whose rows to derive: cloud user ids, and the email/login part of ``server:`` and
    ``invite:`` keys. ``None`` for the whole enterprise is spelled ``EVERYONE``."""

    user_ids: tuple[int, ...] = ()
    key_suffixes: tuple[str, ...] = ()

    def other_keys(self) -> list[str]:
        return [p + k for k in self.key_suffixes for p in ("server:", "invite:")]


def person_key(user_id: int | None, other_key: str | None) -> str:
    """The stable identity of a person: ``user:<id>``, ``server:<email>`` or ``invite:<email>``."""
    return f"user:{user_id}" if user_id is not None else str(other_key)


EVERYONE: People | None = None


@dataclass(frozen=True)
class RulePolicy:
    """The enterprise facts the seat rules depend on."""

    enterprise_id: int
    managed: bool  # EMU: there are no invitations to consume
    setup_user_id: int | None
    # Under metered billing the docs disagree whether pending org invitations consume; the
    # enterprise setting decides (``pending_invites_consume_metered``). Volume: they do.
    org_invitations_consume: bool


def load_policy(conn: Connection, enterprise_id: int) -> RulePolicy:
    e, ep = t.enterprises, t.enterprise_products
    row = conn.execute(
        sa.select(e.c.account_type, e.c.setup_user_id, e.c.pending_invites_consume_metered).where(
            e.c.id == enterprise_id
        )
    ).one()
    billing = conn.execute(
        sa.select(ep.c.billing).where(ep.c.enterprise_id == enterprise_id, ep.c.product == t.PRODUCT_ENTERPRISE)
    ).scalar()
    return RulePolicy(
        enterprise_id=enterprise_id,
        managed=row.account_type == "managed",
        setup_user_id=row.setup_user_id,
        org_invitations_consume=(billing == "volume") or bool(row.pending_invites_consume_metered),
    )


def _key(prefix: str, expr: sa.ColumnElement[Any]) -> sa.ColumnElement[str]:
    return sa.literal(prefix, sa.String).concat(sa.cast(expr, sa.String))


def _cut_at_suspension(ended: sa.ColumnElement[Any], suspended: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    """The earlier of ``ended`` and ``suspended`` (NULL meaning never)."""
    return sa.case(
        (suspended.is_(None), ended),
        (sa.or_(ended.is_(None), suspended < ended), suspended),
        else_=ended,
    )


def _not_suspended_before(started: sa.ColumnElement[Any], suspended: sa.ColumnElement[Any]) -> sa.ColumnElement[bool]:
    return sa.or_(suspended.is_(None), suspended > started)


def _eligible_user(policy: RulePolicy, user: sa.FromClause) -> list[sa.ColumnElement[bool]]:
    """A cloud account that can consume at all: in the enterprise, not a bot, not the setup user."""
    conds: list[sa.ColumnElement[bool]] = [user.c.enterprise_id == policy.enterprise_id, user.c.is_bot == sa.false()]
    if policy.setup_user_id is not None:
        conds.append(user.c.id != policy.setup_user_id)
    return conds


_NO_INT = sa.cast(sa.null(), sa.Integer)
_NO_KEY = sa.cast(sa.null(), sa.String)
_NO_TIME = sa.cast(sa.null(), sa.DateTime)


def _memberships(policy: RulePolicy, people: People | None) -> sa.Select[Any]:
    m, u, o = t.org_memberships, t.users, t.organizations
    query = (
        sa.select(
            u.c.id.label("user_id"),
            _NO_KEY.label("other_key"),
            sa.case((m.c.role == "owner", REASON_ORG_OWNER), else_=REASON_ORG_MEMBER).label("reason"),
            m.c.started_at.label("started_at"),
            _cut_at_suspension(m.c.ended_at, u.c.suspended_at).label("ended_at"),
            m.c.organization_id.label("org_id"),
            _NO_INT.label("repository_id"),
            m.c.id.label("source_id"),
        )
        .select_from(m.join(u, u.c.id == m.c.user_id).join(o, o.c.id == m.c.organization_id))
        .where(
            o.c.enterprise_id == policy.enterprise_id,
            m.c.role.in_(("owner", "member")),  # an org billing manager never consumes
            _not_suspended_before(m.c.started_at, u.c.suspended_at),
            *_eligible_user(policy, u),
        )
    )
    if people is not None:
        query = query.where(m.c.user_id.in_(people.user_ids))
    return query


def _collaborators(policy: RulePolicy, people: People | None) -> sa.Select[Any]:
    c, u, r = t.repo_collaborators, t.users, t.repositories
    query = (
        sa.select(
            u.c.id.label("user_id"),
            _NO_KEY.label("other_key"),
            sa.literal(REASON_OUTSIDE_COLLABORATOR, sa.String).label("reason"),
            c.c.started_at.label("started_at"),
            _cut_at_suspension(c.c.ended_at, u.c.suspended_at).label("ended_at"),
            r.c.organization_id.label("org_id"),
            r.c.id.label("repository_id"),
            c.c.id.label("source_id"),
        )
        .select_from(c.join(u, u.c.id == c.c.user_id).join(r, r.c.id == c.c.repository_id))
        .where(
            r.c.enterprise_id == policy.enterprise_id,
            r.c.organization_id.is_not(None),
            r.c.visibility.in_(PAID_VISIBILITIES),
            r.c.is_fork == sa.false(),
            _not_suspended_before(c.c.started_at, u.c.suspended_at),
            *_eligible_user(policy, u),
        )
    )
    if people is not None:
        query = query.where(c.c.user_id.in_(people.user_ids))
    return query


def _invitations(policy: RulePolicy, people: People | None) -> sa.Select[Any] | None:
    if policy.managed:
        return None
    i, o, r, u, ue = t.invitations, t.organizations, t.repositories, t.users, t.user_emails
    eid = policy.enterprise_id
    by_login = (
        sa.select(u.c.id).where(u.c.enterprise_id == eid, u.c.login == i.c.invitee_login).limit(1).scalar_subquery()
    )
    by_email = (
        sa.select(sa.func.min(ue.c.user_id))
        .select_from(ue.join(u, u.c.id == ue.c.user_id))
        .where(ue.c.email == i.c.invitee_email, ue.c.verified == sa.true(), u.c.enterprise_id == eid)
        .scalar_subquery()
    )
    # By username the invitee is that account; an org invitation by email is the account
    # owning that verified email (so an invitee already consuming costs nothing extra); a
    # repository invitation by email always holds its own temporary seat (spec 2.1).
    resolved = sa.func.coalesce(
        i.c.invitee_user_id, by_login, sa.case((i.c.repository_id.is_(None), by_email), else_=_NO_INT)
    )
    is_org_invite = sa.and_(i.c.repository_id.is_(None), i.c.role.in_(("member", "owner")))
    is_repo_invite = sa.and_(
        i.c.repository_id.is_not(None),
        i.c.role == "collaborator",
        r.c.visibility.in_(PAID_VISIBILITIES),
        r.c.is_fork == sa.false(),
    )
    kinds = [is_repo_invite]
    if policy.org_invitations_consume:
        kinds.append(is_org_invite)
    pending = (
        sa.select(
            i.c.id,
            i.c.organization_id,
            i.c.repository_id,
            i.c.created_at,
            i.c.resolved_at,
            resolved.label("resolved_user_id"),
            sa.func.coalesce(i.c.invitee_email, i.c.invitee_login).label("invitee"),
        )
        .select_from(i.join(o, o.c.id == i.c.organization_id).outerjoin(r, r.c.id == i.c.repository_id))
        .where(
            o.c.enterprise_id == eid,
            sa.or_(*kinds),
            # Pending at the time: not yet resolved; an accepted or failed one was pending
            # until resolved_at (a resolved one with no date never consumed).
            sa.or_(sa.and_(i.c.status == "pending", i.c.resolved_at.is_(None)), i.c.resolved_at.is_not(None)),
        )
        .subquery("pending_invitations")
    )
    invitee = u.alias("invitee")
    query = (
        sa.select(
            pending.c.resolved_user_id.label("user_id"),
            sa.case((pending.c.resolved_user_id.is_(None), _key("invite:", pending.c.invitee)), else_=_NO_KEY).label(
                "other_key"
            ),
            sa.literal(REASON_PENDING_INVITATION, sa.String).label("reason"),
            pending.c.created_at.label("started_at"),
            _cut_at_suspension(pending.c.resolved_at, invitee.c.suspended_at).label("ended_at"),
            pending.c.organization_id.label("org_id"),
            pending.c.repository_id.label("repository_id"),
            pending.c.id.label("source_id"),
        )
        .select_from(pending.outerjoin(invitee, invitee.c.id == pending.c.resolved_user_id))
        .where(
            sa.or_(
                invitee.c.id.is_(None),
                sa.and_(
                    *_eligible_user(policy, invitee),
                    _not_suspended_before(pending.c.created_at, invitee.c.suspended_at),
                ),
            )
        )
    )
    if people is not None:
        query = query.where(
            sa.or_(
                pending.c.resolved_user_id.in_(people.user_ids),
                sa.and_(pending.c.resolved_user_id.is_(None), pending.c.invitee.in_(people.key_suffixes)),
            )
        )
    return query


def _server_person(sa_: sa.FromClause, si: sa.FromClause) -> sa.ColumnElement[str]:
    """The key suffix of an unmatched server account: its primary email (one person across
    instances), or the account itself when it has none."""
    return sa.func.coalesce(sa_.c.primary_email, si.c.server_id.concat(":").concat(sa.cast(sa_.c.user_id, sa.String)))


def server_account_key_suffix(server_id: str, user_id: int, primary_email: str | None) -> str:
    """:func:`_server_person` in Python, for a write naming the people it touched."""
    return primary_email or f"{server_id}:{user_id}"


def _server_accounts(policy: RulePolicy, people: People | None) -> sa.Select[Any]:
    sa_, si = t.server_accounts, t.server_instances
    suffix = _server_person(sa_, si)
    query = (
        sa.select(
            sa_.c.matched_user_id.label("user_id"),
            sa.case((sa_.c.matched_user_id.is_(None), _key("server:", suffix)), else_=_NO_KEY).label("other_key"),
            sa.literal(REASON_SERVER_USER, sa.String).label("reason"),
            sa_.c.created_at.label("started_at"),
            _NO_TIME.label("ended_at"),
            _NO_INT.label("org_id"),
            _NO_INT.label("repository_id"),
            sa_.c.id.label("source_id"),
        )
        .select_from(sa_.join(si, si.c.id == sa_.c.server_instance_id))
        .where(
            si.c.enterprise_id == policy.enterprise_id,
            sa_.c.suspended == sa.false(),
            sa_.c.is_scim_setup_user == sa.false(),
        )
    )
    if policy.setup_user_id is not None:
        query = query.where(sa.or_(sa_.c.matched_user_id.is_(None), sa_.c.matched_user_id != policy.setup_user_id))
    if people is not None:
        # Written so that each part has its index: a suffix is an email, or, for an account with
        # none, "server_id:user_id" (no login or email holds a ":" without an "@").
        accountless = [k for k in people.key_suffixes if ":" in k and "@" not in k]
        parts = [
            sa_.c.matched_user_id.in_(people.user_ids),
            sa.and_(sa_.c.matched_user_id.is_(None), sa_.c.primary_email.in_(people.key_suffixes)),
        ]
        if accountless:
            parts.append(
                sa.and_(sa_.c.matched_user_id.is_(None), sa_.c.primary_email.is_(None), suffix.in_(accountless))
            )
        query = query.where(sa.or_(*parts))
    return query


def _visual_studio_cloud(policy: RulePolicy, people: People | None) -> sa.Select[Any]:
    v, u = t.vs_subscriptions, t.users
    query = (
        sa.select(
            u.c.id.label("user_id"),
            _NO_KEY.label("other_key"),
            sa.literal(REASON_VISUAL_STUDIO, sa.String).label("reason"),
            v.c.created_at.label("started_at"),
            _cut_at_suspension(_NO_TIME, u.c.suspended_at).label("ended_at"),
            _NO_INT.label("org_id"),
            _NO_INT.label("repository_id"),
            v.c.id.label("source_id"),
        )
        .select_from(v.join(u, u.c.id == v.c.matched_user_id))
        .where(
            v.c.enterprise_id == policy.enterprise_id,
            v.c.status == "active",
            _not_suspended_before(v.c.created_at, u.c.suspended_at),
            *_eligible_user(policy, u),
        )
    )
    if people is not None:
        query = query.where(v.c.matched_user_id.in_(people.user_ids))
    return query


def _visual_studio_server_only(policy: RulePolicy, people: People | None) -> sa.Select[Any]:
    """A subscriber known only from server instances: GHES primary email = UPN (spec 2.1)."""
    v, sa_, si = t.vs_subscriptions, t.server_accounts, t.server_instances
    has_server_account = (
        sa.select(sa_.c.id)
        .join(si, si.c.id == sa_.c.server_instance_id)
        .where(
            si.c.enterprise_id == policy.enterprise_id,
            sa_.c.primary_email == v.c.subscriber_email,
            sa_.c.matched_user_id.is_(None),
            sa_.c.suspended == sa.false(),
            sa_.c.is_scim_setup_user == sa.false(),
        )
        .exists()
    )
    query = sa.select(
        _NO_INT.label("user_id"),
        _key("server:", v.c.subscriber_email).label("other_key"),
        sa.literal(REASON_VISUAL_STUDIO, sa.String).label("reason"),
        v.c.created_at.label("started_at"),
        _NO_TIME.label("ended_at"),
        _NO_INT.label("org_id"),
        _NO_INT.label("repository_id"),
        v.c.id.label("source_id"),
    ).where(
        v.c.enterprise_id == policy.enterprise_id,
        v.c.status == "active",
        v.c.matched_user_id.is_(None),
        has_server_account,
    )
    if people is not None:
        query = query.where(v.c.subscriber_email.in_(people.key_suffixes))
    return query


REASON_COLUMNS = ("user_id", "other_key", "reason", "started_at", "ended_at", "org_id", "repository_id", "source_id")


def seat_reasons(policy: RulePolicy, people: People | None) -> sa.Select[Any]:
    """Every seat reason of ``people`` (``EVERYONE``: of the whole enterprise), at any time."""
    parts: list[sa.Select[Any]] = [_memberships(policy, people), _collaborators(policy, people)]
    invitations = _invitations(policy, people)
    if invitations is not None:
        parts.append(invitations)
    parts += [
        _server_accounts(policy, people),
        _visual_studio_cloud(policy, people),
        _visual_studio_server_only(policy, people),
    ]
    union = sa.union_all(*parts).subquery("reasons")
    return sa.select(*(union.c[name] for name in REASON_COLUMNS))


def email_pushes(enterprise_id: int, emails: tuple[str, ...] | None) -> sa.Select[Any]:
    """Every distinct (author email, repository, push instant) of the enterprise's
    repositories, whoever the email belongs to (``emails`` None: every email), in that order:
    :func:`push_windows` makes their windows in one pass."""
    c, r = t.commits, t.repositories
    pushes = (
        sa.select(c.c.author_email, c.c.repository_id, c.c.pushed_at)
        .join(r, r.c.id == c.c.repository_id)
        .where(r.c.enterprise_id == enterprise_id)
        .distinct()
        .order_by(c.c.author_email, c.c.repository_id, c.c.pushed_at)
    )
    if emails is not None:
        pushes = pushes.where(c.c.author_email.in_(emails))
    return pushes


def push_windows(pushes: Iterable[tuple[Any, int, dt.datetime]]) -> Iterator[tuple[Any, int, Interval]]:
    """(who, repository, window) from (who, repository, pushed_at) ordered so: a push counts
    for ``[pushed_at, pushed_at + ACTIVE_COMMITTER_WINDOW)``, and the windows of one (who,
    repository) that overlap or touch are merged."""
    key: tuple[Any, int] | None = None
    start = end = dt.datetime.min
    for who, repository_id, pushed_at in pushes:
        if (who, repository_id) == key and pushed_at <= end:
            end = max(end, pushed_at + ACTIVE_COMMITTER_WINDOW)
            continue
        if key is not None:
            yield (*key, (start, end))
        key, start, end = (who, repository_id), pushed_at, pushed_at + ACTIVE_COMMITTER_WINDOW
    if key is not None:
        yield (*key, (start, end))


def committer_emails(enterprise_id: int, user_ids: tuple[int, ...] | None) -> sa.Select[Any]:
    """(email, user_id): the verified emails through which a cloud person of the enterprise
    commits for a license (``user_ids`` None: everyone). Bots never do."""
    ue, u = t.user_emails, t.users
    query = (
        sa.select(ue.c.email, ue.c.user_id)
        .join(u, u.c.id == ue.c.user_id)
        .where(ue.c.verified == sa.true(), u.c.enterprise_id == enterprise_id, u.c.is_bot == sa.false())
    )
    if user_ids is not None:
        query = query.where(ue.c.user_id.in_(user_ids))
    return query


def _by_dialect(function: type[sa.sql.functions.GenericFunction[Any]], sqlite: str, other: str) -> None:
    """Compile ``function`` from a template per dialect: ``{0}``, ``{1}``, ... are its arguments."""

    def render(template: str) -> Any:
        def compile_(element: Any, compiler: sa.sql.compiler.SQLCompiler, **kw: Any) -> str:
            return template.format(*(compiler.process(c, **kw) for c in element.clauses))

        return compile_

    compiles(function, "sqlite")(render(sqlite))
    compiles(function)(render(other))


class EpochSeconds(sa.sql.functions.GenericFunction[int]):
    """A timestamp as whole seconds since 1970 (an integer the database can order and add)."""

    inherit_cache = True
    type = sa.BigInteger()
    name = "seatledger_epoch_seconds"


_by_dialect(EpochSeconds, "CAST(strftime('%s', {0}) AS INTEGER)", "CAST(EXTRACT(EPOCH FROM {0}) AS BIGINT)")
