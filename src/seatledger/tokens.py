"""Personal access tokens for the REST API: create, list, revoke, verify.

A token looks like GitHub's classic PAT: ``ghp_`` + 30 random base62 characters + a 6-character
base62 CRC32 checksum of those 30 (so a mistyped token is refused without a database look-up).
Only its SHA-256 is stored; the token itself is shown once, when it is created.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import string
import zlib
from dataclasses import dataclass
from typing import Any, Iterable, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from seatledger.db import tables as t
from seatledger.db.engine import inserted_id
from seatledger.db.clock import utcnow
from seatledger.errors import InvalidInput, NotFound
from seatledger.validation import BIGINT_MAX
from seatledger.licensing.scope import EnterpriseInfo, enterprise_columns, enterprise_from

TOKEN_PREFIX = "ghp_"
_RANDOM_LENGTH = 30
_CHECKSUM_LENGTH = 6
_BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
TOKEN_LENGTH = len(TOKEN_PREFIX) + _RANDOM_LENGTH + _CHECKSUM_LENGTH
# The longest lifetime a token may be given; longer is "never" (leave the expiry out).
MAX_EXPIRES_IN_DAYS = 3650

# Classic-PAT scopes seatledger understands, and what each one includes (GitHub's hierarchy:
# admin:enterprise covers manage_billing:enterprise and read:enterprise, admin:org covers
# write:org and read:org).
IMPLIED_SCOPES: dict[str, frozenset[str]] = {
    "admin:enterprise": frozenset({"manage_billing:enterprise", "read:enterprise", "manage_runners:enterprise"}),
    "manage_billing:enterprise": frozenset({"read:enterprise"}),
    "read:enterprise": frozenset(),
    "manage_runners:enterprise": frozenset(),
    "admin:org": frozenset({"write:org", "read:org"}),
    "write:org": frozenset({"read:org"}),
    "read:org": frozenset(),
    "manage_billing:copilot": frozenset(),
    "copilot": frozenset(),
    "site_admin": frozenset(),
    "user": frozenset({"read:user", "user:email"}),
    "read:user": frozenset(),
    "user:email": frozenset(),
}
KNOWN_SCOPES = frozenset(IMPLIED_SCOPES)

TokenState = Literal["active", "expired", "revoked"]


@dataclass(frozen=True)
class TokenInfo:
    """A stored token as ``token list`` shows it (never the secret)."""

    id: int
    login: str
    enterprise: str
    prefix: str
    scopes: tuple[str, ...]
    note: str | None
    created_at: dt.datetime
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None

    def state(self, now: dt.datetime) -> TokenState:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "active"


@dataclass(frozen=True)
class TokenOwner:
    """Who a valid token acts for."""

    token_id: int
    user_id: int
    login: str
    enterprise_id: int
    enterprise: str
    scopes: frozenset[str]
    expires_at: dt.datetime | None
    # The person's enterprise roles (owner, billing_manager) held at the verification instant,
    # when verify_token was asked for them (None otherwise).
    enterprise_roles: frozenset[str] | None = None
    # The enterprise's settings and ledger version, read with the token (``with_enterprise``).
    enterprise_info: EnterpriseInfo | None = None
    ledger_version: int | None = None


def _base62(number: int, width: int) -> str:
    chars = []
    for _ in range(width):
        number, digit = divmod(number, 62)
        chars.append(_BASE62[digit])
    return "".join(reversed(chars))


def _checksum(random_part: str) -> str:
    return _base62(zlib.crc32(random_part.encode("ascii")), _CHECKSUM_LENGTH)


def generate_token() -> str:
    """A fresh token: ``ghp_`` + 30 random base62 characters + their 6-character checksum."""
    random_part = "".join(secrets.choice(_BASE62) for _ in range(_RANDOM_LENGTH))
    return TOKEN_PREFIX + random_part + _checksum(random_part)


def well_formed(token: str) -> bool:
    """True when ``token`` has the shape and checksum of a token seatledger issues."""
    if len(token) != TOKEN_LENGTH or not token.startswith(TOKEN_PREFIX):
        return False
    body = token[len(TOKEN_PREFIX) :]
    if any(c not in _BASE62 for c in body):
        return False
    return secrets.compare_digest(_checksum(body[:_RANDOM_LENGTH]), body[_RANDOM_LENGTH:])


def hash_token(token: str) -> str:
    """The SHA-256 hex digest stored instead of the token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def parse_scopes(raw: str | Iterable[str]) -> tuple[str, ...]:
    """Scopes from ``a,b,c`` (or a list), checked against the known ones, sorted, unique."""
    items = raw.split(",") if isinstance(raw, str) else list(raw)
    scopes = sorted({s.strip() for s in items if s.strip()})
    unknown = [s for s in scopes if s not in KNOWN_SCOPES]
    if unknown:
        raise InvalidInput(f"unknown scope {unknown[0]!r}; known scopes: {', '.join(sorted(KNOWN_SCOPES))}")
    return tuple(scopes)


def expand_scopes(scopes: Iterable[str]) -> frozenset[str]:
    """The scopes granted, plus every scope they include."""
    granted: set[str] = set()
    pending = list(scopes)
    while pending:
        scope = pending.pop()
        if scope not in granted:
            granted.add(scope)
            pending.extend(IMPLIED_SCOPES.get(scope, ()))
    return frozenset(granted)


def create_token(
    conn: Connection,
    enterprise: str,
    login: str,
    scopes: str | Iterable[str],
    *,
    expires_in_days: int | None = None,
    note: str | None = None,
    now: dt.datetime | None = None,
) -> tuple[int, str]:
    """Store a new token for ``login`` of ``enterprise``; returns (id, token). The token is
    not recoverable afterwards."""
    scope_list = parse_scopes(scopes)
    if expires_in_days is not None and not 1 <= expires_in_days <= MAX_EXPIRES_IN_DAYS:
        raise InvalidInput(
            f"--expires-in-days must be from 1 to {MAX_EXPIRES_IN_DAYS} (leave it out for a token that never "
            f"expires), not {expires_in_days}"
        )
    now = now or utcnow()
    e, u = t.enterprises, t.users
    row = conn.execute(
        sa.select(u.c.id)
        .select_from(u.join(e, e.c.id == u.c.enterprise_id))
        .where(e.c.slug == enterprise, u.c.login == login)
    ).first()
    if row is None:
        if conn.execute(sa.select(e.c.id).where(e.c.slug == enterprise)).first() is None:
            raise NotFound(f"no enterprise {enterprise!r}")
        raise NotFound(f"no user {login!r} in enterprise {enterprise!r}")
    token = generate_token()
    result = conn.execute(
        sa.insert(t.api_tokens).values(
            user_id=row.id,
            token_hash=hash_token(token),
            prefix=token[: len(TOKEN_PREFIX) + 4],
            scopes=",".join(scope_list),
            note=note,
            created_at=now,
            expires_at=now + dt.timedelta(days=expires_in_days) if expires_in_days else None,
        )
    )
    return inserted_id(result), token


def _token_select() -> sa.Select[Any]:
    a, u, e = t.api_tokens, t.users, t.enterprises
    return sa.select(
        a.c.id,
        a.c.prefix,
        a.c.scopes,
        a.c.note,
        a.c.created_at,
        a.c.expires_at,
        a.c.revoked_at,
        a.c.user_id,
        u.c.login,
        u.c.enterprise_id,
        e.c.slug,
    ).select_from(a.join(u, u.c.id == a.c.user_id).join(e, e.c.id == u.c.enterprise_id))


def _info(row: sa.Row[*tuple[Any, ...]]) -> TokenInfo:
    return TokenInfo(
        id=row.id,
        login=row.login,
        enterprise=row.slug,
        prefix=row.prefix,
        scopes=tuple(s for s in row.scopes.split(",") if s),
        note=row.note,
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
    )


def list_tokens(conn: Connection, *, login: str | None = None, enterprise: str | None = None) -> list[TokenInfo]:
    """Tokens, oldest first, optionally of one login and/or one enterprise."""
    stmt = _token_select().order_by(t.api_tokens.c.id)
    if login is not None:
        stmt = stmt.where(t.users.c.login == login)
    if enterprise is not None:
        stmt = stmt.where(t.enterprises.c.slug == enterprise)
    return [_info(row) for row in conn.execute(stmt)]


def revoke_token(conn: Connection, token_id: int, *, now: dt.datetime | None = None) -> TokenInfo:
    """Revoke a token by id (revoking twice keeps the first revocation time)."""
    a = t.api_tokens
    if not 1 <= token_id <= BIGINT_MAX:  # no id is stored outside a 64-bit column
        raise NotFound(f"no token with id {token_id}")
    conn.execute(sa.update(a).where(a.c.id == token_id, a.c.revoked_at.is_(None)).values(revoked_at=now or utcnow()))
    row = conn.execute(_token_select().where(a.c.id == token_id)).first()
    if row is None:
        raise NotFound(f"no token with id {token_id}")
    return _info(row)


def verify_token(
    conn: Connection,
    token: str,
    *,
    now: dt.datetime | None = None,
    with_roles: bool = False,
    with_enterprise: bool = False,
) -> TokenOwner | None:
    """The owner of an active token; None for a malformed, unknown, expired or revoked one, or
    one of a suspended person.
    ``with_roles`` also reads the owner's current enterprise roles, and ``with_enterprise`` the
    enterprise's settings and ledger version, in the same query: the API needs them on every
    request, and one statement is one round trip to the database and one consistent reading."""
    if not well_formed(token):
        return None
    now = now or utcnow()
    a = t.api_tokens
    # A suspended person's tokens answer as unknown ones at once, whichever write suspended
    # them (an import, the CLI): the suspension is read with the token, in the same statement.
    stmt = _token_select().where(a.c.token_hash == hash_token(token), t.users.c.suspended_at.is_(None))
    if with_roles:
        r = t.enterprise_roles
        stmt = stmt.add_columns(r.c.role).outerjoin(
            r,
            sa.and_(
                r.c.user_id == a.c.user_id,
                r.c.enterprise_id == t.users.c.enterprise_id,
                r.c.started_at <= now,
                sa.or_(r.c.ended_at.is_(None), r.c.ended_at > now),
            ),
        )
    if with_enterprise:
        lv = t.ledger_versions
        stmt = stmt.add_columns(*enterprise_columns(ENTERPRISE_PREFIX), lv.c.version.label("ledger_version")).outerjoin(
            lv, lv.c.enterprise_id == t.users.c.enterprise_id
        )
    rows = conn.execute(stmt).all()
    if not rows:
        return None
    row = rows[0]
    info = _info(row)
    if info.state(now) != "active":
        return None
    return TokenOwner(
        token_id=row.id,
        user_id=row.user_id,
        login=row.login,
        enterprise_id=row.enterprise_id,
        enterprise=row.slug,
        scopes=frozenset(info.scopes),
        expires_at=row.expires_at,
        enterprise_roles=frozenset(x.role for x in rows if x.role is not None) if with_roles else None,
        enterprise_info=enterprise_from(row, ENTERPRISE_PREFIX) if with_enterprise else None,
        ledger_version=int(row.ledger_version or 0) if with_enterprise else None,
    )


ENTERPRISE_PREFIX = "ent_"  # (the statement has its own enterprise_id)
