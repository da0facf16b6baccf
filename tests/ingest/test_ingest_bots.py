"""Bots never consume: every source recognises them (GitHub's ``"type": "Bot"``, ``[bot]``
logins, the people CSV's ``bot`` column) and stores them as bots, and a bot's commit email is
never listed as unattributed."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
import httpx
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from github_answers import serve
from seatledger.db import tables as t
from seatledger.db.ledger import Ledger
from seatledger.ingest.github_api import sync_github
from seatledger.ingest.github_client import GitHubClient
from seatledger.ingest.people import ingest_people
from seatledger.ingest.webhook_events import apply_event
from seatledger.licensing import count_consumed, iter_unattributed_emails

DATA = Path(__file__).parent.parent / "data" / "github"
AS_OF = dt.datetime(2026, 6, 30, 12, 0, 0)


def _bots(engine: Engine) -> dict[str, bool]:
    with engine.connect() as conn:
        return dict(conn.execute(sa.select(t.users.c.login, t.users.c.is_bot)).all())


def _consumed(engine: Engine) -> int:
    with engine.connect() as conn:
        return count_consumed(conn, "acme", as_of=dt.datetime.utcnow() + dt.timedelta(days=1))


def test_the_sync_stores_accounts_github_types_as_bot_or_with_bot_logins_as_bots_that_consume_nothing(
    engine: Engine,
) -> None:
    answers = json.loads((DATA / "api" / "sync_bots.json").read_text())["answers"]
    with GitHubClient("https://api.github.com", "t", transport=httpx.MockTransport(serve(answers))) as client:
        sync_github(engine, client, "acme", ["octo-org"])

    assert _bots(engine) == {
        "octocat": False,
        "ci-robot": True,
        "deploy-app[bot]": True,
        "release-helper": True,
    }, "type Bot on a member or collaborator, and a [bot] login in consumed-licenses"
    assert _consumed(engine) == 1, "only octocat; the bot members and the bot collaborator consume nothing"


def test_a_webhook_about_a_bot_account_stores_a_bot_that_consumes_nothing(engine: Engine) -> None:
    with engine.begin() as conn:
        eid = Ledger(conn).add_enterprise("acme")
    added = json.loads((DATA / "webhooks" / "organization_member_added.json").read_text())
    bot = copy.deepcopy(added)
    bot["membership"]["user"] = {"login": "ci-robot", "id": 41898282, "type": "Bot", "site_admin": False}

    with engine.begin() as conn:
        apply_event(conn, eid, "organization", added, AS_OF)
        apply_event(conn, eid, "organization", bot, AS_OF)

    assert _bots(engine) == {"hubot": False, "ci-robot": True}
    assert _consumed(engine) == 1


def test_a_people_file_with_bot_rows_is_imported_and_its_bots_consume_nothing(engine: Engine) -> None:
    with engine.begin() as conn:
        Ledger(conn).add_enterprise("acme")
    people = (
        "login,name,emails,org,role,bot\n"
        "ada,Ada,ada@acme.test,eng,owner,\n"
        "renovate[bot],Renovate,,eng,member,\n"
        "build-robot,Build robot,,eng,member,true\n"
    ).encode()

    with engine.begin() as conn:
        report = ingest_people(conn, people, "acme")

    assert report.created["user"] == 3
    assert _bots(engine) == {"ada": False, "renovate[bot]": True, "build-robot": True}
    assert _consumed(engine) == 1


def test_a_bots_commit_email_is_never_listed_as_unattributed(engine: Engine) -> None:
    with engine.begin() as conn:
        ledger = Ledger(conn)
        eid = ledger.add_enterprise("acme", created_at=AS_OF - dt.timedelta(days=400))
        oid = ledger.add_org(eid, "acme-org", created_at=AS_OF - dt.timedelta(days=400))
        rid, _ = ledger.upsert_repo(
            eid,
            "acme-org",
            "app",
            org_id=oid,
            visibility="private",
            code_security=True,
            created_at=AS_OF - dt.timedelta(days=400),
        )
        pushed = AS_OF - dt.timedelta(days=3)
        ledger.add_commits(
            rid,
            [
                {
                    "sha": f"{n:040x}",
                    "author_email": email,
                    "author_name": name,
                    "author_date": pushed,
                    "pushed_at": pushed,
                }
                for n, (email, name) in enumerate(
                    [
                        ("49699333+dependabot[bot]@users.noreply.github.com", "dependabot[bot]"),
                        ("noreply@github.com", "GitHub"),
                        ("stranger@elsewhere.test", "Stranger"),
                    ]
                )
            ],
        )

    with engine.connect() as conn:
        listed = [u.email for u in iter_unattributed_emails(conn, "acme", as_of=AS_OF)]

    assert listed == ["stranger@elsewhere.test"]


def test_a_webhook_account_whose_login_is_not_a_string_is_refused_not_a_crash(engine: Engine) -> None:
    import pytest

    from seatledger.errors import InvalidInput

    with engine.begin() as conn:
        eid = Ledger(conn).add_enterprise("acme")
        Ledger(conn).add_org(eid, "acme-org")
    event = {
        "action": "member_added",
        "organization": {"login": "acme-org"},
        "membership": {"role": "member", "user": {"login": 5, "type": "User"}},
    }
    with engine.begin() as conn, pytest.raises(InvalidInput):
        apply_event(conn, eid, "organization", event, AS_OF)
