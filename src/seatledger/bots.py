"""Who is a bot: GitHub App accounts and the addresses GitHub itself commits with.

Bots never consume a seat or a committer license (spec 2.2), whichever source names them, so
the one rule lives here, below both the importers (which store ``users.is_bot``) and the
licensing queries (which must not list a bot's commit email as unattributed).
"""

from __future__ import annotations

from typing import Any, Mapping

# GitHub App accounts have logins ending in "[bot]" and commit as
# "ID+NAME[bot]@users.noreply.github.com"; their user objects say "type": "Bot".
BOT_MARK = "[bot]"
# Addresses GitHub itself commits with (web-flow merges, Actions); not a person.
BOT_EMAILS = frozenset({"noreply@github.com", "actions@github.com", "github-actions@github.com"})


def is_bot_login(login: str | None) -> bool:
    """A GitHub App's login: ``dependabot[bot]`` (anything but a string is no login)."""
    return isinstance(login, str) and login.strip().lower().endswith(BOT_MARK)


def is_bot_email(email: str | None) -> bool:
    """A GitHub App's commit email, or one of GitHub's own addresses."""
    e = (email or "").strip().lower()
    return BOT_MARK in e or e in BOT_EMAILS


def is_bot_identity(email: str | None, name: str | None = None) -> bool:
    """A commit identity that is a bot: by its email, or ``[bot]`` in the author name."""
    return is_bot_email(email) or BOT_MARK in (name or "").lower()


def is_bot_account(account: Mapping[str, Any]) -> bool:
    """A GitHub user object (REST API or webhook) of a bot: ``"type": "Bot"``, or a ``[bot]`` login."""
    return str(account.get("type") or "").lower() == "bot" or is_bot_login(account.get("login"))
