"""Mapping an unattributed commit email to a person (``seatledger emails map``, the web form).

The email becomes a verified email of the person, written through the ledger, so the same
transaction re-derives their committer windows: their counts change at once.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from seatledger.bots import is_bot_email
from seatledger.db import tables as t
from seatledger.db.ledger import Ledger
from seatledger.db.ledger_writer import normalize_email
from seatledger.errors import InvalidInput, NotFound
from seatledger.licensing.scope import get_enterprise


def map_email(conn: Connection, enterprise_slug: str, email: str, login: str) -> str:
    """Record ``email`` as a verified email of ``login`` in the enterprise: "created",
    "updated" (it was theirs, unverified) or "unchanged". An email another person of the
    enterprise has verified, a bot's email or a bot account is refused."""
    address = normalize_email(email.strip()) or ""
    local, at, domain = address.partition("@")
    if not (local and at and domain) or any(ch.isspace() for ch in address):
        raise InvalidInput(f"{email!r} is not an email address")
    if is_bot_email(address):
        raise InvalidInput(f"{address} is a bot's email: it counts for nobody")
    info = get_enterprise(conn, enterprise_slug)
    u, ue = t.users, t.user_emails
    person = conn.execute(sa.select(u.c.id, u.c.is_bot).where(u.c.enterprise_id == info.id, u.c.login == login)).first()
    if person is None:
        raise NotFound(f"no user {login!r} in enterprise {enterprise_slug!r}")
    if person.is_bot:
        raise InvalidInput(f"{login} is a bot: its commits count for nobody")
    owner = conn.execute(
        sa.select(u.c.login)
        .join(ue, ue.c.user_id == u.c.id)
        .where(u.c.enterprise_id == info.id, ue.c.email == address, ue.c.verified == sa.true(), u.c.id != person.id)
        .order_by(u.c.id)
        .limit(1)
    ).scalar()
    if owner is not None:
        raise InvalidInput(f"{address} is already a verified email of {owner}")
    return Ledger(conn).verify_email(person.id, address)
