"""The SQL of "why does this person consume an enterprise seat" (spec section 2.1).

:func:`reasons` builds one UNION ALL of one SELECT per consuming rule. Every row is
``(user_id, other_key, reason, started_at, ended_at, org_id, repository_id, source_id)``.
The license unit (the person) is either

- a cloud account: ``user_id`` set, ``other_key`` NULL (server accounts and VS subscriptions
  matched to it, and invitations that resolve to it, carry its id), or
- ``other_key`` set, ``user_id`` NULL: ``server:<primary email>`` for unmatched server accounts
  (one person across instances), ``invite:<email or login>`` for invitations to somebody the
  ledger does not know.

So the number of people is ``COUNT(DISTINCT user_id) + COUNT(DISTINCT other_key)``, with no
string built for the (many) cloud rows; :func:`person_key` spells the key ``user:<id>``.
- ``started_at``/``ended_at`` is the *effective* interval of the reason: the source row's own
  interval, cut short when the cloud account was suspended. So "holds at an instant" and
  "holds at some instant of a month" are both plain interval tests on these two columns.
- ``source_id`` is the id of the row in the rule's own table (membership, collaborator,
  invitation, server account, VS subscription); explanations and reports look details up by it.

Rules that never consume (billing managers, bots, the setup user, public repositories, forks,
failed invitations, suspended server accounts, the SCIM setup user...) are simply never selected.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from seatledger.db import tables as t
from seatledger.licensing.scope import EnterpriseInfo

REASON_ORG_MEMBER = "org_member"
REASON_ORG_OWNER = "org_owner"
REASON_OUTSIDE_COLLABORATOR = "outside_collaborator"
REASON_PENDING_INVITATION = "pending_invitation"
REASON_SERVER_USER = "server_user"
REASON_VISUAL_STUDIO = "visual_studio"

PAID_VISIBILITIES = ("private", "internal")  # public repositories never consume a seat


@dataclass(frozen=True)
class Window:
    """When a reason must hold: at the instant ``start`` (``end`` None), or at some instant
    of ``[start, end)``."""

    start: dt.datetime
    end: dt.datetime | None = None

    def overlaps(self, started: sa.ColumnElement, ended: sa.ColumnElement) -> sa.ColumnElement[bool]:
        if self.end is None:
            return sa.and_(started <= self.start, sa.or_(ended.is_(None), ended > self.start))
        return sa.and_(started < self.end, sa.or_(ended.is_(None), ended > self.start))


@dataclass(frozen=True)
class Only:
    """Restrict the reasons to some people (detail look-ups of one batch): cloud user ids,
    and the email/login part of ``server:``/``invite:`` keys."""

    user_ids: tuple[int, ...] = ()
    key_suffixes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Policy:
    """The enterprise facts the rules depend on."""

    enterprise: EnterpriseInfo
    # Under metered billing the docs disagree whether pending org invitations consume;
    # the enterprise setting decides (``pending_invites_consume_metered``).
    org_invitations_consume: bool

    @property
    def invitations_consume(self) -> bool:
        return not self.enterprise.managed  # EMU: there are no invitations to consume


def _key(prefix: str, expr: sa.ColumnElement) -> sa.ColumnElement[str]:
    return sa.literal(prefix, sa.String).concat(sa.cast(expr, sa.String))


def _cut_at_suspension(ended: sa.ColumnElement, suspended: sa.ColumnElement) -> sa.ColumnElement:
    """The earlier of ``ended`` and ``suspended`` (NULL meaning never)."""
    return sa.case(
        (suspended.is_(None), ended),
        (sa.or_(ended.is_(None), suspended < ended), suspended),
        else_=ended,
    )


def _not_suspended_during(window: Window, started: sa.ColumnElement, suspended: sa.ColumnElement) -> sa.ColumnElement[bool]:
    return sa.or_(suspended.is_(None), sa.and_(suspended > window.start, suspended > started))


def _eligible_user(policy: Policy, user: sa.FromClause) -> list[sa.ColumnElement[bool]]:
    """A cloud account that can consume at all: in the enterprise, not a bot, not the setup user."""
    conds: list[sa.ColumnElement[bool]] = [
        # "+ 0" keeps enterprise tests off the indexes: entered that way, a planner without
        # statistics (right after a bulk import) believes an enterprise has a handful of users
        # or orgs and probes every (org, user) pair. Rows reach users by id instead.
        user.c.enterprise_id + 0 == policy.enterprise.id,
        user.c.is_bot == sa.false(),
    ]
    if policy.enterprise.setup_user_id is not None:
        conds.append(user.c.id != policy.enterprise.setup_user_id)
    return conds


_NO_INT = sa.cast(sa.null(), sa.Integer)
_NO_KEY = sa.cast(sa.null(), sa.String)
_NO_TIME = sa.cast(sa.null(), sa.DateTime)


def _memberships(policy: Policy, window: Window, org_id: int | None, only: Only | None) -> sa.Select:
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
            o.c.enterprise_id == policy.enterprise.id,
            m.c.role.in_(("owner", "member")),  # an org billing manager never consumes
            window.overlaps(m.c.started_at, m.c.ended_at),
            _not_suspended_during(window, m.c.started_at, u.c.suspended_at),
            *_eligible_user(policy, u),
        )
    )
    if org_id is not None:
        query = query.where(m.c.organization_id == org_id)
    if only is not None:
        query = query.where(m.c.user_id.in_(only.user_ids))
    return query


def _collaborators(policy: Policy, window: Window, org_id: int | None, only: Only | None) -> sa.Select:
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
            r.c.enterprise_id == policy.enterprise.id,
            r.c.organization_id.is_not(None),
            r.c.visibility.in_(PAID_VISIBILITIES),
            r.c.is_fork == sa.false(),
            window.overlaps(c.c.started_at, c.c.ended_at),
            _not_suspended_during(window, c.c.started_at, u.c.suspended_at),
            *_eligible_user(policy, u),
        )
    )
    if org_id is not None:
        query = query.where(r.c.organization_id == org_id)
    if only is not None:
        query = query.where(c.c.user_id.in_(only.user_ids))
    return query


def _invitations(policy: Policy, window: Window, org_id: int | None, only: Only | None) -> sa.Select | None:
    if not policy.invitations_consume:
        return None
    i, o, r, u, ue = t.invitations, t.organizations, t.repositories, t.users, t.user_emails
    eid = policy.enterprise.id
    by_login = (
        sa.select(u.c.id).where(u.c.enterprise_id == eid, u.c.login == i.c.invitee_login).limit(1).scalar_subquery()
    )
    by_email = (
        sa.select(sa.func.min(ue.c.user_id))
        .select_from(ue.join(u, u.c.id == ue.c.user_id))
        # "+ 0": look the email up first, never walk the enterprise's users (see matching.py)
        .where(ue.c.email == i.c.invitee_email, ue.c.verified == sa.true(), u.c.enterprise_id + 0 == eid)
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
    inner = (
        sa.select(
            i.c.id, i.c.organization_id, i.c.repository_id, i.c.created_at, i.c.resolved_at,
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
            window.overlaps(i.c.created_at, i.c.resolved_at),
        )
    )
    if org_id is not None:
        inner = inner.where(i.c.organization_id == org_id)
    pending = inner.subquery("pending_invitations")
    invitee = u.alias("invitee")
    query = (
        sa.select(
            pending.c.resolved_user_id.label("user_id"),
            sa.case(
                (pending.c.resolved_user_id.is_(None), _key("invite:", pending.c.invitee)), else_=_NO_KEY
            ).label("other_key"),
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
                sa.and_(*_eligible_user(policy, invitee), _not_suspended_during(window, pending.c.created_at, invitee.c.suspended_at)),
            )
        )
    )
    if only is not None:
        query = query.where(
            sa.or_(
                pending.c.resolved_user_id.in_(only.user_ids),
                sa.and_(pending.c.resolved_user_id.is_(None), pending.c.invitee.in_(only.key_suffixes)),
            )
        )
    return query


def _server_person(sa_: sa.FromClause, si: sa.FromClause) -> sa.ColumnElement[str]:
    """The key suffix of an unmatched server account: its primary email (one person across
    instances), or the account itself when it has none."""
    return sa.func.coalesce(sa_.c.primary_email, si.c.server_id.concat(":").concat(sa.cast(sa_.c.user_id, sa.String)))


def _server_accounts(policy: Policy, window: Window, only: Only | None) -> sa.Select:
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
            si.c.enterprise_id == policy.enterprise.id,
            sa_.c.suspended == sa.false(),
            sa_.c.is_scim_setup_user == sa.false(),
            window.overlaps(sa_.c.created_at, _NO_TIME),
        )
    )
    if policy.enterprise.setup_user_id is not None:
        query = query.where(
            sa.or_(sa_.c.matched_user_id.is_(None), sa_.c.matched_user_id != policy.enterprise.setup_user_id)
        )
    if only is not None:
        query = query.where(
            sa.or_(
                sa_.c.matched_user_id.in_(only.user_ids),
                sa.and_(sa_.c.matched_user_id.is_(None), sa_.c.primary_email.in_(only.key_suffixes)),
                sa.and_(sa_.c.matched_user_id.is_(None), sa_.c.primary_email.is_(None), suffix.in_(only.key_suffixes)),
            )
        )
    return query


def _visual_studio_cloud(policy: Policy, window: Window, only: Only | None) -> sa.Select:
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
            v.c.enterprise_id == policy.enterprise.id,
            v.c.status == "active",
            window.overlaps(v.c.created_at, _NO_TIME),
            _not_suspended_during(window, v.c.created_at, u.c.suspended_at),
            *_eligible_user(policy, u),
        )
    )
    if only is not None:
        query = query.where(v.c.matched_user_id.in_(only.user_ids))
    return query


def _visual_studio_server_only(policy: Policy, window: Window, only: Only | None) -> sa.Select:
    """A subscriber known only from server instances: GHES primary email = UPN (spec 2.1)."""
    v, sa_, si = t.vs_subscriptions, t.server_accounts, t.server_instances
    has_server_account = (
        sa.select(sa_.c.id)
        .join(si, si.c.id == sa_.c.server_instance_id)
        .where(
            si.c.enterprise_id == policy.enterprise.id,
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
        v.c.enterprise_id == policy.enterprise.id,
        v.c.status == "active",
        v.c.matched_user_id.is_(None),
        window.overlaps(v.c.created_at, _NO_TIME),
        has_server_account,
    )
    if only is not None:
        query = query.where(v.c.subscriber_email.in_(only.key_suffixes))
    return query


def person_key(user_id: int | None, other_key: str | None) -> str:
    """The stable identity of a person: ``user:<id>``, ``server:<email>`` or ``invite:<email>``."""
    return f"user:{user_id}" if user_id is not None else str(other_key)


def people_count(r: sa.Subquery) -> sa.ColumnElement[int]:
    """SQL for the number of distinct people among the reason rows ``r``."""
    return sa.func.count(sa.distinct(r.c.user_id)) + sa.func.count(sa.distinct(r.c.other_key))


def reasons(
    policy: Policy, window: Window, *, org_id: int | None = None, only: Only | None = None
) -> sa.Subquery:
    """Every reason that holds during ``window`` (one row per reason, several per person).

    With ``org_id`` only the reasons granted through that organization (its memberships,
    its repositories' collaborators, its invitations); server and VS reasons have no org.
    """
    parts: list[sa.Select] = [
        _memberships(policy, window, org_id, only),
        _collaborators(policy, window, org_id, only),
    ]
    invitations = _invitations(policy, window, org_id, only)
    if invitations is not None:
        parts.append(invitations)
    if org_id is None:
        parts += [
            _server_accounts(policy, window, only),
            _visual_studio_cloud(policy, window, only),
            _visual_studio_server_only(policy, window, only),
        ]
    return sa.union_all(*parts).subquery("reasons")
