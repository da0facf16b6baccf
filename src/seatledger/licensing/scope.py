"""Scopes: the four levels a license question is asked at, resolved against the ledger."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from seatledger.db import intervals
from seatledger.db import tables as t
from seatledger.errors import InvalidInput, NotFound

ScopeKind = Literal["enterprise", "organization", "user_namespace", "repository"]


@dataclass(frozen=True)
class Scope:
    """A level to count at: an enterprise slug, an org login, a user login, or ``owner/name``.

    A user namespace or a repository name may exist in two enterprises: ``enterprise`` (a
    slug) says whose; without it the first one found is meant."""

    kind: ScopeKind
    name: str
    enterprise_slug: str | None = None

    @classmethod
    def enterprise(cls, slug: str) -> "Scope":
        return cls("enterprise", slug)

    @classmethod
    def org(cls, login: str) -> "Scope":
        return cls("organization", login)

    @classmethod
    def user_namespace(cls, login: str, enterprise: str | None = None) -> "Scope":
        return cls("user_namespace", login, enterprise)

    @classmethod
    def repo(cls, full_name: str, enterprise: str | None = None) -> "Scope":
        if full_name.count("/") != 1 or full_name.startswith("/") or full_name.endswith("/"):
            raise InvalidInput(f"a repository is named OWNER/NAME, not {full_name!r}")
        return cls("repository", full_name, enterprise)

    def within(self, enterprise: str) -> "Scope":
        """The same scope in that enterprise."""
        return Scope(self.kind, self.name, enterprise)


@dataclass(frozen=True)
class EnterpriseInfo:
    """The enterprise settings every counting rule needs."""

    id: int
    slug: str
    name: str
    account_type: str  # personal | managed
    data_residency: bool
    uses_saml: bool
    pending_invites_consume_metered: bool
    setup_user_id: int | None

    @property
    def managed(self) -> bool:
        return self.account_type == "managed"


@dataclass(frozen=True)
class ResolvedScope:
    """A scope with its ledger ids; exactly the ids its kind needs are set."""

    scope: Scope
    enterprise: EnterpriseInfo
    organization_id: int | None = None
    owner_login: str | None = None  # user-namespace login, or the repository's owner
    repository_id: int | None = None


_ENTERPRISE_FIELDS = (
    "id",
    "slug",
    "name",
    "account_type",
    "data_residency",
    "uses_saml",
    "pending_invites_consume_metered",
    "setup_user_id",
)


def enterprise_columns(prefix: str = "") -> list[sa.ColumnElement[Any]]:
    """The enterprises columns :func:`enterprise_from` reads, labelled ``prefix + name`` (another
    statement, such as the API's token check, can read an enterprise along with its own)."""
    return [t.enterprises.c[name].label(prefix + name) for name in _ENTERPRISE_FIELDS]


def enterprise_from(row: Any, prefix: str = "") -> EnterpriseInfo:
    """The :class:`EnterpriseInfo` of a row with :func:`enterprise_columns`."""
    v = {name: getattr(row, prefix + name) for name in _ENTERPRISE_FIELDS}
    return EnterpriseInfo(
        id=v["id"],
        slug=v["slug"],
        name=v["name"],
        account_type=v["account_type"],
        data_residency=bool(v["data_residency"]),
        uses_saml=bool(v["uses_saml"]),
        pending_invites_consume_metered=bool(v["pending_invites_consume_metered"]),
        setup_user_id=v["setup_user_id"],
    )


def enterprise_row(conn: Connection, where: sa.ColumnElement[bool]) -> EnterpriseInfo | None:
    """The enterprise of the row matching ``where``; None when no row does."""
    # Every question starts here: a transaction that wrote sees its own writes' intervals.
    intervals.flush(conn)
    row = conn.execute(sa.select(*enterprise_columns()).where(where)).first()
    return None if row is None else enterprise_from(row)


def get_enterprise(conn: Connection, slug: str) -> EnterpriseInfo:
    """The enterprise named ``slug``; NotFound if there is none."""
    info = enterprise_row(conn, t.enterprises.c.slug == slug)
    if info is None:
        raise NotFound(f"no enterprise {slug!r}")
    return info


def organization_login(conn: Connection, login: str) -> str:
    """The organization's login as the ledger spells it: GitHub matches organization names
    case-insensitively (an exact match first). ``login`` itself when none matches, so the
    lookup that follows says it is not found."""
    o = t.organizations
    if conn.execute(sa.select(o.c.id).where(o.c.login == login).limit(1)).first() is not None:
        return login
    canonical = conn.execute(
        sa.select(o.c.login).where(sa.func.lower(o.c.login) == login.lower()).order_by(o.c.id).limit(1)
    ).scalar()
    return str(canonical) if canonical is not None else login


def resolve(conn: Connection, scope: Scope) -> ResolvedScope:
    """Look a scope up in the ledger; NotFound names what is missing."""
    if scope.kind == "enterprise":
        return ResolvedScope(scope, get_enterprise(conn, scope.name))
    if scope.kind == "organization":
        o = t.organizations
        row = conn.execute(sa.select(o.c.id, o.c.enterprise_id).where(o.c.login == scope.name)).first()
        if row is None:
            raise NotFound(f"no organization {scope.name!r}")
        return ResolvedScope(scope, _enterprise_of(conn, row), organization_id=row.id, owner_login=scope.name)
    e = t.enterprises
    in_enterprise = (
        sa.select(e.c.id).where(e.c.slug == scope.enterprise_slug).scalar_subquery() if scope.enterprise_slug else None
    )
    r = t.repositories
    if scope.kind == "user_namespace":
        namespace = sa.select(r.c.enterprise_id).where(r.c.owner_login == scope.name, r.c.organization_id.is_(None))
        row = _first_row(conn, namespace, r.c.enterprise_id, in_enterprise)
        if row is None:
            u = t.users
            row = _first_row(
                conn, sa.select(u.c.enterprise_id).where(u.c.login == scope.name), u.c.enterprise_id, in_enterprise
            )
        if row is None:
            raise NotFound(f"no user namespace {scope.name!r}")
        return ResolvedScope(scope, _enterprise_of(conn, row), owner_login=scope.name)
    owner, _, name = scope.name.partition("/")
    repository = sa.select(r.c.id, r.c.enterprise_id, r.c.organization_id).where(
        r.c.owner_login == owner, r.c.name == name
    )
    row = _first_row(conn, repository, r.c.enterprise_id, in_enterprise)
    if row is None:
        raise NotFound(f"no repository {scope.name!r}")
    return ResolvedScope(
        scope, _enterprise_of(conn, row), organization_id=row.organization_id, owner_login=owner, repository_id=row.id
    )


def _first_row(
    conn: Connection, query: sa.Select[Any], enterprise_id: sa.ColumnElement[int], in_enterprise: Any
) -> sa.Row[*tuple[Any, ...]] | None:
    """The matching row of the lowest enterprise id, in ``in_enterprise`` when it is given."""
    if in_enterprise is not None:
        query = query.where(enterprise_id == in_enterprise)
    return conn.execute(query.order_by(enterprise_id).limit(1)).first()


def _enterprise_of(conn: Connection, row: sa.Row[*tuple[Any, ...]]) -> EnterpriseInfo:
    info = enterprise_row(conn, t.enterprises.c.id == row.enterprise_id)
    assert info is not None
    return info


def org_id_in(conn: Connection, info: EnterpriseInfo, org: str | None) -> int | None:
    """The id of the organization ``org`` of the enterprise (None for no org); NotFound if it
    is not one of the enterprise's."""
    if org is None:
        return None
    o = t.organizations
    oid = conn.execute(sa.select(o.c.id).where(o.c.login == org, o.c.enterprise_id == info.id)).scalar()
    if oid is None:
        raise NotFound(f"no organization {org!r} in enterprise {info.slug!r}")
    return int(oid)


def as_of_or_now(as_of: dt.datetime | None) -> dt.datetime:
    """The instant to count at, as naive UTC (the ledger's convention); default now."""
    if as_of is None:
        return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    if as_of.tzinfo is not None:
        return as_of.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return as_of


def holds_at(
    started: sa.ColumnElement[Any], ended: sa.ColumnElement[Any], as_of: dt.datetime
) -> sa.ColumnElement[bool]:
    """SQL for 'this time-bounded row holds at as_of'."""
    return sa.and_(started <= as_of, sa.or_(ended.is_(None), ended > as_of))


def month_start(d: dt.datetime | dt.date) -> dt.datetime:
    """00:00:00 UTC on the first day of d's billing month (cycles run 1st to last day)."""
    return dt.datetime(d.year, d.month, 1)


def next_month_start(d: dt.datetime | dt.date) -> dt.datetime:
    return dt.datetime(d.year + (d.month == 12), d.month % 12 + 1, 1)
