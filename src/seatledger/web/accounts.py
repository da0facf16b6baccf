"""Local sign-in accounts ("operators") for people in the ledger who may operate seatledger:
enterprise owners, billing managers and organization owners. Passwords are argon2id hashes."""

from __future__ import annotations

import datetime as dt
import functools
import secrets

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.engine import Connection

from seatledger.db import tables as t
from seatledger.errors import InvalidInput, NotFound, PermissionDenied
from seatledger.licensing import holds_at

MIN_PASSWORD_LENGTH = 8
_hasher = PasswordHasher()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)


def may_operate(conn: Connection, user_id: int, *, as_of: dt.datetime | None = None) -> bool:
    """Whether the person holds a role that may sign in (enterprise owner or billing manager,
    or organization owner) at ``as_of``."""
    now = as_of or _now()
    er, om = t.enterprise_roles, t.org_memberships
    enterprise_role = sa.select(er.c.id).where(er.c.user_id == user_id, holds_at(er.c.started_at, er.c.ended_at, now))
    org_owner = sa.select(om.c.id).where(
        om.c.user_id == user_id, om.c.role == "owner", holds_at(om.c.started_at, om.c.ended_at, now)
    )
    return bool(conn.execute(sa.select(sa.or_(sa.exists(enterprise_role), sa.exists(org_owner)))).scalar())


def find_user(conn: Connection, login: str, enterprise: str | None = None) -> int:
    """The user id of ``login`` (in ``enterprise`` when given); InvalidInput when ambiguous."""
    u, e = t.users, t.enterprises
    query = sa.select(u.c.id, e.c.slug).join(e, e.c.id == u.c.enterprise_id).where(u.c.login == login)
    if enterprise:
        query = query.where(e.c.slug == enterprise)
    rows = conn.execute(query.order_by(u.c.id)).all()
    if not rows:
        where = f" in enterprise {enterprise!r}" if enterprise else ""
        raise NotFound(f"no user {login!r}{where}")
    if len(rows) > 1:
        slugs = ", ".join(r.slug for r in rows)
        raise InvalidInput(f"{login!r} exists in several enterprises ({slugs}); pass --enterprise SLUG")
    return int(rows[0].id)


def set_password(conn: Connection, user_id: int, password: str) -> None:
    """Create or update the person's sign-in; PermissionDenied if their role may not operate."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    if not may_operate(conn, user_id):
        login = conn.execute(sa.select(t.users.c.login).where(t.users.c.id == user_id)).scalar()
        raise PermissionDenied(
            f"{login} is not an enterprise owner, billing manager or organization owner, so cannot sign in"
        )
    op = t.operators
    values = {"password_hash": _hasher.hash(password), "updated_at": _now()}
    updated = conn.execute(sa.update(op).where(op.c.user_id == user_id).values(**values)).rowcount
    if not updated:
        conn.execute(sa.insert(op).values(user_id=user_id, **values))


def authenticate(conn: Connection, login: str, password: str) -> int | None:
    """The user id whose login and password match (and who may still operate, and is not
    suspended), else None."""
    u, op = t.users, t.operators
    rows = conn.execute(
        sa.select(u.c.id, op.c.password_hash)
        .join(op, op.c.user_id == u.c.id)
        .where(u.c.login == login, u.c.suspended_at.is_(None))  # a suspended person may not sign in
    ).all()
    if not rows:
        # As long as a real check: the answer's time must not tell which logins have accounts.
        _verify_quietly(_dummy_hash(), password)
        return None
    for row in rows:
        try:
            _hasher.verify(row.password_hash, password)
        except (VerificationError, InvalidHashError):
            continue
        if may_operate(conn, row.id):
            return int(row.id)
    return None


def _verify_quietly(password_hash: str, password: str) -> None:
    try:
        _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        pass


@functools.cache
def _dummy_hash() -> str:
    """A hash of a password nobody has, made with the same parameters as real ones."""
    return _hasher.hash(secrets.token_urlsafe(16))


def any_operator(conn: Connection) -> bool:
    return bool(conn.execute(sa.select(sa.exists(sa.select(t.operators.c.user_id)))).scalar())


def first_enterprise_owner(conn: Connection) -> tuple[int, str] | None:
    """(user id, login) of the earliest owner of the first enterprise who is not suspended, if any."""
    er, u = t.enterprise_roles, t.users
    first = sa.select(sa.func.min(t.enterprises.c.id)).scalar_subquery()
    row = conn.execute(
        sa.select(u.c.id, u.c.login)
        .join(er, er.c.user_id == u.c.id)
        .where(
            er.c.enterprise_id == first,
            er.c.role == "owner",
            holds_at(er.c.started_at, er.c.ended_at, _now()),
            u.c.suspended_at.is_(None),
        )  # a suspended owner could not sign in with it
        .order_by(er.c.id)
        .limit(1)
    ).first()
    return (int(row.id), row.login) if row else None


def generate_password() -> str:
    return secrets.token_urlsafe(12)
