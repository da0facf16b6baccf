"""What the signed-in person may see: enterprise pages for enterprise owners and billing
managers, one organization's pages for its owners."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from seatledger.db import tables as t
from seatledger.errors import NotFound, PermissionDenied
from seatledger.licensing import ResolvedScope, holds_at


@dataclass(frozen=True)
class Access:
    user_id: int
    login: str
    name: str | None
    enterprise_roles: tuple[tuple[str, str], ...]  # (slug, owner | billing_manager), by slug
    owned_orgs: tuple[str, ...]  # org logins the person owns, sorted
    # Slugs of the enterprises of the owned orgs: the person knows those exist.
    org_enterprises: tuple[str, ...] = ()
    # (slug, display name) of the enterprises of enterprise_roles: pages name them by name.
    enterprise_names: tuple[tuple[str, str], ...] = ()

    def enterprise_name(self, slug: str) -> str:
        return dict(self.enterprise_names).get(slug, slug)

    @property
    def enterprises(self) -> tuple[str, ...]:
        return tuple(slug for slug, _ in self.enterprise_roles)

    def may_see_enterprise(self, slug: str) -> bool:
        return slug in self.enterprises

    def may_see_org(self, org: str, enterprise_slug: str) -> bool:
        return org in self.owned_orgs or self.may_see_enterprise(enterprise_slug)

    def may_see_scope(self, resolved: ResolvedScope) -> bool:
        """Enterprise roles see every scope of their enterprise; an org owner sees the org
        and its repositories (not user namespaces, which belong to the enterprise)."""
        if self.may_see_enterprise(resolved.enterprise.slug):
            return True
        kind = resolved.scope.kind
        if kind == "organization":
            return resolved.scope.name in self.owned_orgs
        if kind == "repository" and resolved.organization_id is not None:
            return resolved.owner_login in self.owned_orgs
        return False

    def require_enterprise(self, slug: str) -> None:
        """Refuse an enterprise the person may not see: 403 for the enterprise of an org they
        own (they know it exists), else the very 404 of an unknown slug."""
        if self.may_see_enterprise(slug):
            return
        if slug in self.org_enterprises:
            raise PermissionDenied(f"Only owners and billing managers of the enterprise {slug} can see this page.")
        raise NotFound(f"no enterprise {slug!r}")

    def require_org(self, org: str, enterprise_slug: str) -> None:
        """Refuse an org the person may not see with the very 404 of an unknown org, so the
        answer does not tell which orgs exist."""
        if not self.may_see_org(org, enterprise_slug):
            raise NotFound(f"no organization {org!r}")

    def require_scope(self, resolved: ResolvedScope) -> None:
        """Refuse a report scope the person may not see: an org or repository as if unknown,
        an enterprise or user namespace as :meth:`require_enterprise` does."""
        if self.may_see_scope(resolved):
            return
        kind, name = resolved.scope.kind, resolved.scope.name
        label = kind.replace("_", " ")
        if kind in ("enterprise", "user_namespace") and resolved.enterprise.slug in self.org_enterprises:
            raise PermissionDenied(f"You may not download reports for the {label} {name}.")
        raise NotFound(f"no {label} {name!r}")  # as the ledger answers an unknown one

    def home(self) -> str | None:
        """The highest level page the person may see."""
        if self.enterprises:
            return f"/enterprises/{self.enterprises[0]}/licensing"
        if self.owned_orgs:
            return f"/orgs/{self.owned_orgs[0]}/licensing"
        return None


def load_access(conn: Connection, user_id: int, *, as_of: dt.datetime | None = None) -> Access | None:
    """The person's roles now; None if the user is gone."""
    now = as_of or dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    u = t.users
    user = conn.execute(sa.select(u.c.login, u.c.name).where(u.c.id == user_id)).first()
    if user is None:
        return None
    er, e = t.enterprise_roles, t.enterprises
    roles: dict[str, str] = {}
    names: dict[str, str] = {}
    for row in conn.execute(
        sa.select(e.c.slug, e.c.name, er.c.role)
        .join(e, e.c.id == er.c.enterprise_id)
        .where(er.c.user_id == user_id, holds_at(er.c.started_at, er.c.ended_at, now))
        .order_by(e.c.slug, er.c.role.desc())
    ):
        roles.setdefault(row.slug, row.role)  # 'owner' sorts after 'billing_manager' desc → owner wins
        names[row.slug] = row.name or row.slug
    om, o = t.org_memberships, t.organizations
    orgs = conn.execute(
        sa.select(o.c.login, e.c.slug)
        .join(om, om.c.organization_id == o.c.id)
        .join(e, e.c.id == o.c.enterprise_id)
        .where(om.c.user_id == user_id, om.c.role == "owner", holds_at(om.c.started_at, om.c.ended_at, now))
        .distinct()
        .order_by(o.c.login)
    ).all()
    return Access(
        user_id=user_id,
        login=user.login,
        name=user.name,
        enterprise_roles=tuple(sorted(roles.items())),
        owned_orgs=tuple(r.login for r in orgs),
        org_enterprises=tuple(sorted({r.slug for r in orgs})),
        enterprise_names=tuple(sorted(names.items())),
    )
