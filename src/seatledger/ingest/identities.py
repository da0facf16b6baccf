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

MAX_LOGIN = 39  # GitHub's limit
# GitHub's login rule: letters, digits and single hyphens, neither first nor last.
GITHUB_LOGIN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# The separators of an email's local part that a login spells as a hyphen (jane.doe → jane-doe).
_SEPARATORS = re.compile(r"[._-]+")
# GitHub's noreply addresses: ID+LOGIN@users.noreply.github.com.
_NOREPLY_DOMAIN = "users.noreply.github.com"
_NOREPLY_LOCAL = re.compile(r"^\d+\+(?P<login>.+)$")


def is_bot(email: str | None, name: str | None = None) -> bool:
    """``[bot]`` in the email or name (GitHub App identities), or one of GitHub's own addresses."""
    return is_bot_identity(email, name)


def login_from_identity(email: str) -> str | None:
    """A GitHub login for a person known only by an email, or None when the email gives none.

    The local part before any ``+tag`` (sub-addressing: ``jane+ci@x`` is jane), or for a GitHub
    noreply address ``ID+LOGIN@users.noreply.github.com`` the LOGIN; lower-cased, with ``.``,
    ``_`` and ``-`` runs spelled as one hyphen. Anything else (``=``, ``!``, quotes, non-ASCII
    letters), a hyphen first or last, or more than 39 characters is not a GitHub login: None,
    rather than a guess that would give one person's seat another's name."""
    local, _, domain = email.strip().lower().rpartition("@")
    if not local:
        return None
    noreply = _NOREPLY_LOCAL.match(local) if domain == _NOREPLY_DOMAIN else None
    local = noreply.group("login") if noreply else local.split("+", 1)[0]
    login = _SEPARATORS.sub("-", local)
    if len(login) > MAX_LOGIN or not GITHUB_LOGIN.match(login):
        return None
    return login


def unique_login(conn: Connection, enterprise_id: int, wanted: str) -> str:
    """``wanted`` if it is free in the enterprise, else ``wanted-2``, ``wanted-3``..."""
    u = t.users
    taken = set(
        conn.execute(
            sa.select(u.c.login).where(
                u.c.enterprise_id == enterprise_id, u.c.login.startswith(wanted, autoescape=True)
            )
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
            .where(
                u.c.enterprise_id == enterprise_id,
                ue.c.verified == sa.true(),
                ue.c.email.in_(emails[start : start + 900]),
            )
            .group_by(ue.c.email)
        )
        found.update({email: int(uid) for email, uid in rows})
    return found
