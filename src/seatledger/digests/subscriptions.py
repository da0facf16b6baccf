"""Who subscribes to an enterprise's digest, and whether they still may read it.

Subscribing needs an enterprise role (owner or billing manager); so does every send: a person
demoted or suspended since they subscribed is skipped until they hold the role again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from seatledger.db import tables as t
from seatledger.db.clock import utcnow
from seatledger.db.tables_digests import DIGEST_FREQUENCIES, digest_subscriptions
from seatledger.errors import InvalidInput, NotFound, PermissionDenied
from seatledger.licensing import get_enterprise, holds_at


@dataclass(frozen=True)
class Subscription:
    id: int
    enterprise: str
    user_id: int
    login: str
    frequency: str  # weekly | monthly
    subscribed_at: dt.datetime
    last_sent_at: dt.datetime | None


def may_read(conn: Connection, enterprise_id: int, user_id: int, at: dt.datetime) -> bool:
    """The person holds an enterprise role at ``at`` and is not suspended."""
    er, u = t.enterprise_roles, t.users
    role = sa.select(er.c.id).where(
        er.c.enterprise_id == enterprise_id, er.c.user_id == user_id, holds_at(er.c.started_at, er.c.ended_at, at)
    )
    active = sa.select(u.c.id).where(u.c.id == user_id, sa.or_(u.c.suspended_at.is_(None), u.c.suspended_at > at))
    return bool(conn.execute(sa.select(sa.and_(role.exists(), active.exists()))).scalar())


def email_of(conn: Connection, user_id: int) -> str | None:
    """Where the person's mail goes: their primary verified email, else the first verified one."""
    ue = t.user_emails
    return conn.execute(
        sa.select(ue.c.email)
        .where(ue.c.user_id == user_id, ue.c.verified == sa.true())
        .order_by(ue.c.is_primary.desc(), ue.c.id)
        .limit(1)
    ).scalar()


def _user(conn: Connection, enterprise_id: int, slug: str, login: str) -> int:
    u = t.users
    found = conn.execute(sa.select(u.c.id).where(u.c.enterprise_id == enterprise_id, u.c.login == login)).scalar()
    if found is None:
        raise NotFound(f"no user {login!r} in enterprise {slug!r}")
    return int(found)


def subscribe(
    conn: Connection, enterprise: str, login: str, frequency: str, *, now: dt.datetime | None = None
) -> Subscription:
    """Subscribe ``login`` (or change how often they get it); PermissionDenied without a role."""
    frequency = frequency.strip().lower()
    if frequency not in DIGEST_FREQUENCIES:
        raise InvalidInput(f"the frequency is weekly or monthly, not {frequency!r}")
    info = get_enterprise(conn, enterprise)
    user_id = _user(conn, info.id, info.slug, login)
    when = now or utcnow()
    if not may_read(conn, info.id, user_id, when):
        raise PermissionDenied(f"{login} is not an owner or billing manager of {info.slug}: no digest for them")
    ds = digest_subscriptions
    moved = conn.execute(
        sa.update(ds).where(ds.c.enterprise_id == info.id, ds.c.user_id == user_id).values(frequency=frequency)
    ).rowcount
    if not moved:
        conn.execute(
            sa.insert(ds).values(enterprise_id=info.id, user_id=user_id, frequency=frequency, subscribed_at=when)
        )
    return next(s for s in list_subscriptions(conn, info.slug) if s.user_id == user_id)


def unsubscribe(conn: Connection, enterprise: str, login: str) -> None:
    """Stop the person's digest; NotFound if they had none."""
    info = get_enterprise(conn, enterprise)
    user_id = _user(conn, info.id, info.slug, login)
    ds = digest_subscriptions
    if not conn.execute(sa.delete(ds).where(ds.c.enterprise_id == info.id, ds.c.user_id == user_id)).rowcount:
        raise NotFound(f"{login} does not subscribe to the digest of {info.slug}")


def list_subscriptions(conn: Connection, enterprise: str | None = None) -> list[Subscription]:
    """The subscriptions of ``enterprise`` (every enterprise when None), by enterprise and login."""
    ds, u, e = digest_subscriptions, t.users, t.enterprises
    stmt = (
        sa.select(ds, u.c.login, e.c.slug)
        .join(u, u.c.id == ds.c.user_id)
        .join(e, e.c.id == ds.c.enterprise_id)
        .order_by(e.c.slug, u.c.login)
    )
    if enterprise is not None:
        stmt = stmt.where(ds.c.enterprise_id == get_enterprise(conn, enterprise).id)
    return [
        Subscription(row.id, row.slug, row.user_id, row.login, row.frequency, row.subscribed_at, row.last_sent_at)
        for row in conn.execute(stmt)
    ]
