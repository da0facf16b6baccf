"""Who an author email is: a bot, a known person (by verified email), or somebody new.

Shared by the importers that meet bare identities (git history, push webhooks, directory
files). Bots never become people, so they never consume a license (spec 2.2).
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from seatledger.bots import is_bot_identity
from seatledger.db import tables as t

_LOGIN_UNSAFE = re.compile(r"[^a-z0-9-]+")
MAX_LOGIN = 39  # GitHub's limit


def is_bot(email: str | None, name: str | None = None) -> bool:
    """``[bot]`` in the email or name (GitHub App identities), or one of GitHub's own addresses."""
    return is_bot_identity(email, name)


def login_from_identity(email: str, name: str | None = None) -> str:
    """A GitHub-like login for a person known only by a commit identity: the email's local part
    (the ``123+`` prefix of a GitHub noreply address dropped), else the name, slugged."""
    local = email.split("@", 1)[0].split("+", 1)[-1].lower()
    login = _LOGIN_UNSAFE.sub("-", local).strip("-")
    if not login and name:
        login = _LOGIN_UNSAFE.sub("-", name.lower()).strip("-")
    return (login or "user")[:MAX_LOGIN]


def unique_login(conn: Connection, enterprise_id: int, wanted: str) -> str:
    """``wanted`` if it is free in the enterprise, else ``wanted-2``, ``wanted-3``..."""
    u = t.users
    taken = set(
        conn.execute(
            sa.select(u.c.login).where(u.c.enterprise_id == enterprise_id, u.c.login.startswith(wanted, autoescape=True))
        ).scalars()
    )
    if wanted not in taken:
        return wanted
    n = 2
    while f"{wanted}-{n}" in taken:
        n += 1
    return f"{wanted}-{n}"


def verified_email_owners(conn: Connection, enterprise_id: int, emails: list[str]) -> dict[str, int]:
    """email → user id for those emails that are a verified email of an enterprise account."""
    u, ue = t.users, t.user_emails
    found: dict[str, int] = {}
    for start in range(0, len(emails), 900):
        rows = conn.execute(
            sa.select(ue.c.email, sa.func.min(u.c.id))
            .join(u, u.c.id == ue.c.user_id)
            .where(u.c.enterprise_id == enterprise_id, ue.c.verified == sa.true(),
                   ue.c.email.in_(emails[start : start + 900]))
            .group_by(ue.c.email)
        )
        found.update({email: int(uid) for email, uid in rows})
    return found
