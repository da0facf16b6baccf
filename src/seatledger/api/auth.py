"""Who is calling, and may they see this enterprise or organization?

Order of checks (documented in docs/api.md):

1. no ``Authorization`` header → 401 "Requires authentication";
   an unknown, malformed, expired or revoked token, or one of a suspended person → 401
   "Bad credentials";
2. the per-token rate limit (``throttle.py``) → 403 when exhausted;
3. an unknown enterprise/org, or one of another enterprise than the token owner's → 404
   (GitHub hides what the caller may not see);
4. the token lacks every accepted scope → 403, with ``X-Accepted-OAuth-Scopes``;
5. the caller holds none of the roles the endpoint needs → 403.
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, Iterable, Iterator

import sqlalchemy as sa
from fastapi import Depends, Path, Request
from fastapi.security import APIKeyHeader
from sqlalchemy.engine import Connection

from seatledger import tokens
from seatledger.api import throttle
from seatledger.db import tables as t
from seatledger.db.clock import utcnow
from seatledger.errors import LedgerError, NotFound, PermissionDenied
from seatledger.licensing import EnterpriseInfo, Scope, get_enterprise, holds_at, resolve
from seatledger.validation import decimal_digits, plausible_name

# Documented as an "apiKey" scheme on the Authorization header: GitHub accepts both
# "Bearer TOKEN" and "token TOKEN", which an HTTP bearer scheme would not describe.
authorization_header = APIKeyHeader(
    name="Authorization",
    auto_error=False,
    description="`Bearer TOKEN` or `token TOKEN`, a token made by `seatledger token create`.",
)


class Unauthenticated(LedgerError):
    """No credentials, or credentials that are not valid (401)."""

    status_code = 401


@dataclass(frozen=True)
class Caller:
    """The person a valid token acts for."""

    token_id: int
    user_id: int
    login: str
    enterprise_id: int
    enterprise: str
    scopes: frozenset[str]  # as granted (for X-OAuth-Scopes)
    effective_scopes: frozenset[str]  # granted plus implied
    # Roles held in the caller's own enterprise when the request was authenticated (read with
    # the token, in the same query): never older than the request.
    own_enterprise_roles: frozenset[str] | None = None
    # The caller's own enterprise, read in that same query.
    own_enterprise: EnterpriseInfo | None = None


def _token_from_header(value: str | None) -> str | None:
    if not value:
        return None
    scheme, _, credentials = value.strip().partition(" ")
    if scheme.lower() not in ("bearer", "token") or not credentials.strip():
        return ""
    return credentials.strip()


def _identify(request: Request, authorization: str | None) -> Caller:
    token = _token_from_header(authorization)
    if token is None:
        raise Unauthenticated("Requires authentication")
    # One statement in autocommit: one round trip, with no transaction to begin and end.
    with request.app.state.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        owner = tokens.verify_token(conn, token, with_roles=True, with_enterprise=True) if token else None
    if owner is None:
        raise Unauthenticated("Bad credentials")
    request.state.oauth_scopes = ", ".join(sorted(owner.scopes))
    return Caller(
        token_id=owner.token_id,
        user_id=owner.user_id,
        login=owner.login,
        enterprise_id=owner.enterprise_id,
        enterprise=owner.enterprise,
        scopes=owner.scopes,
        effective_scopes=tokens.expand_scopes(owner.scopes),
        own_enterprise_roles=owner.enterprise_roles,
        own_enterprise=owner.enterprise_info,
    )


def identified(request: Request, authorization: Annotated[str | None, Depends(authorization_header)] = None) -> Caller:
    """Dependency: the caller of an API request, without counting it (``GET /rate_limit``)."""
    return _identify(request, authorization)


def authenticated(
    request: Request, authorization: Annotated[str | None, Depends(authorization_header)] = None
) -> Caller:
    """Dependency: the caller of an API request, counted against their token's rate limit.
    (One dependency, not ``identified`` plus a second one: each sync dependency is a hop to
    the thread pool.)"""
    caller = _identify(request, authorization)
    throttle.consume(request, request.app.state.engine, caller.token_id, caller.user_id)
    return caller


CurrentCaller = Annotated[Caller, Depends(authenticated)]
# The path parameters that enterprise_access and org_access check.
EnterprisePath = Annotated[str, Path(description="The slug of the enterprise.")]
OrgPath = Annotated[str, Path(description="The organization name.")]


def require_scope(request: Request, caller: Caller, accepted: Iterable[str]) -> None:
    """403 unless the token holds (directly or by inclusion) one of ``accepted``."""
    accepted = tuple(accepted)
    request.state.accepted_oauth_scopes = ", ".join(accepted)
    if not caller.effective_scopes.intersection(accepted):
        needed = " or ".join(f"'{s}'" for s in accepted)
        raise PermissionDenied(f"This endpoint needs a token with the {needed} scope.")


def enterprise_roles(conn: Connection, caller: Caller, enterprise_id: int, as_of: dt.datetime) -> set[str]:
    """The caller's current enterprise roles: owner, billing_manager. For the caller's own
    enterprise these are the roles read with the token at the start of this request."""
    if enterprise_id == caller.enterprise_id and caller.own_enterprise_roles is not None:
        return set(caller.own_enterprise_roles)
    return _roles_held(conn, t.enterprise_roles, t.enterprise_roles.c.enterprise_id == enterprise_id, caller, as_of)


def org_roles(conn: Connection, caller: Caller, org_id: int, as_of: dt.datetime) -> set[str]:
    """The caller's current roles in an organization: owner, member, billing_manager."""
    return _roles_held(conn, t.org_memberships, t.org_memberships.c.organization_id == org_id, caller, as_of)


def _roles_held(
    conn: Connection, roles: sa.Table, where: sa.ColumnElement[bool], caller: Caller, as_of: dt.datetime
) -> set[str]:
    held = holds_at(roles.c.started_at, roles.c.ended_at, as_of)
    return set(conn.execute(sa.select(roles.c.role).where(where, roles.c.user_id == caller.user_id, held)).scalars())


def _describe(roles: Iterable[str]) -> str:
    names = [r.replace("_", " ") for r in roles]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def enterprise_access(
    request: Request,
    conn: Connection,
    caller: Caller,
    slug: str,
    *,
    scopes: Iterable[str],
    roles: Iterable[str],
) -> EnterpriseInfo:
    """The enterprise, if the caller may read it with this endpoint; else 404 or 403."""
    if not plausible_name(slug):
        raise NotFound("Not Found")
    if caller.own_enterprise is not None and slug == caller.own_enterprise.slug:
        info = caller.own_enterprise  # read with the token
    else:
        info = _enterprise_by_slug_or_id(conn, slug)
    if info.id != caller.enterprise_id:
        raise NotFound("Not Found")
    require_scope(request, caller, scopes)
    roles = tuple(roles)
    if not enterprise_roles(conn, caller, info.id, utcnow()).intersection(roles):
        raise PermissionDenied(f"Must be an enterprise {_describe(roles)} to use this endpoint.")
    return info


@contextmanager
def enterprise_connection(
    request: Request, caller: Caller, slug: str, *, scopes: Iterable[str], roles: Iterable[str], write: bool = False
) -> Iterator[tuple[Connection, EnterpriseInfo]]:
    """A connection to the ledger (with ``write``, in a transaction) and the enterprise
    :func:`enterprise_access` lets the caller use."""
    engine = request.app.state.engine
    with engine.begin() if write else engine.connect() as conn:
        yield conn, enterprise_access(request, conn, caller, slug, scopes=scopes, roles=roles)


def _enterprise_by_slug_or_id(conn: Connection, slug: str) -> EnterpriseInfo:
    try:
        return get_enterprise(conn, slug)
    except NotFound:
        # GitHub also accepts the enterprise's numeric id in place of its slug (ASCII digits
        # only: "³".isdigit() is True, and int() refuses it).
        number = decimal_digits(slug)
        by_id = (
            conn.execute(sa.select(t.enterprises.c.slug).where(t.enterprises.c.id == number)).scalar()
            if number is not None
            else None
        )
        if by_id is None:
            raise NotFound("Not Found") from None
        return get_enterprise(conn, by_id)


@dataclass(frozen=True)
class OrgAccess:
    enterprise: EnterpriseInfo
    organization_id: int
    login: str


def org_access(
    request: Request,
    conn: Connection,
    caller: Caller,
    login: str,
    *,
    scopes: Iterable[str],
    org_roles_allowed: Iterable[str],
    enterprise_roles_allowed: Iterable[str] = (),
) -> OrgAccess:
    """The organization, if the caller may read it with this endpoint; else 404 or 403."""
    if not plausible_name(login):
        raise NotFound("Not Found")
    try:
        resolved = resolve(conn, Scope.org(login))
    except NotFound:
        # GitHub matches organization names case-insensitively.
        o = t.organizations
        canonical = conn.execute(
            sa.select(o.c.login).where(sa.func.lower(o.c.login) == login.lower()).order_by(o.c.id).limit(1)
        ).scalar()
        if canonical is None:
            raise NotFound("Not Found") from None
        resolved = resolve(conn, Scope.org(canonical))
        login = canonical
    if resolved.enterprise.id != caller.enterprise_id or resolved.organization_id is None:
        raise NotFound("Not Found")
    require_scope(request, caller, scopes)
    now = utcnow()
    org_allowed, ent_allowed = tuple(org_roles_allowed), tuple(enterprise_roles_allowed)
    if not org_roles(conn, caller, resolved.organization_id, now).intersection(org_allowed) and not (
        ent_allowed and enterprise_roles(conn, caller, resolved.enterprise.id, now).intersection(ent_allowed)
    ):
        who = f"an organization {_describe(org_allowed)}"
        if ent_allowed:
            who += f" (or an enterprise {_describe(ent_allowed)})"
        raise PermissionDenied(f"Must be {who} to use this endpoint.")
    return OrgAccess(resolved.enterprise, resolved.organization_id, login)
