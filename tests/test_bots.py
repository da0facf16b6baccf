"""Who is a bot: GitHub App logins and commit emails, GitHub's own addresses, ``"type": "Bot"``."""

from __future__ import annotations

import pytest

from seatledger.bots import is_bot_account, is_bot_email, is_bot_identity, is_bot_login


@pytest.mark.parametrize(
    ("login", "bot"),
    [
        ("dependabot[bot]", True),
        (" Renovate[BOT] ", True),
        ("octocat", False),
        ("bot-builder", False),
        (None, False),
    ],
)
def test_a_github_app_login_ends_in_the_bot_mark(login: str | None, bot: bool) -> None:
    assert is_bot_login(login) is bot


@pytest.mark.parametrize(
    ("email", "bot"),
    [
        ("49699333+dependabot[bot]@users.noreply.github.com", True),
        ("NoReply@GitHub.com", True),
        ("github-actions@github.com", True),
        ("123+octocat@users.noreply.github.com", False),  # a person's noreply address
        ("robot@example.test", False),
        (None, False),
    ],
)
def test_app_commit_emails_and_githubs_own_addresses_are_bots(email: str | None, bot: bool) -> None:
    assert is_bot_email(email) is bot


def test_a_commit_identity_is_a_bot_by_its_email_or_its_name() -> None:
    assert is_bot_identity("ci@example.test", "deploy[bot]")
    assert is_bot_identity("noreply@github.com")
    assert not is_bot_identity("ann@example.test", "Ann")


def test_a_user_object_is_a_bot_by_its_type_or_its_login() -> None:
    assert is_bot_account({"login": "my-app", "type": "Bot"})
    assert is_bot_account({"login": "my-app[bot]", "type": "User"})
    assert not is_bot_account({"login": "octocat", "type": "User"})
    assert not is_bot_account({})
