"""A hand-computed enterprise (issue 18, "What it must show"): about a dozen people, each
decided by one counting rule, loaded only through the public import paths — ``sync github``
from a GitHub-shaped API on loopback, signed webhooks to the running app, two server usage
exports, a Visual Studio list and a people CSV, all through the command line — in two
different orders. Asked at an instant months before today, every total (``summary --json``)
and every row of the license usage CSV is the one computed by hand below; the consumed-licenses
API, which answers for now, too. This is the one test where literal expected values are right:
each is computed per person from the rules, with the rule named.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest
from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from typer.testing import CliRunner

from livesupport import LiveServer
from seatledger.cli import app as cli_app
from seatledger.config import Settings
from seatledger.ingest.webhooks import signature_for

ORG = "eng"
AS_OF = "2026-08-15T12:00:00Z"  # months before today; every date below is before it
SINCE = "2026-01-10"


def _epoch(day: str) -> int:
    return int(dt.datetime.fromisoformat(day).replace(tzinfo=dt.timezone.utc).timestamp())


def _user(login: str, kind: str = "User") -> dict[str, Any]:
    return {"login": login, "id": sum(map(ord, login)), "type": kind, "site_admin": False}


APP = {
    "name": "app",
    "private": True,
    "visibility": "private",
    "fork": False,
    "owner": _user(ORG),
    "created_at": "2025-11-01T00:00:00Z",
    "security_and_analysis": {"advanced_security": {"status": "enabled"}},
}
SITE = {
    "name": "site",
    "private": False,
    "visibility": "public",
    "fork": False,
    "owner": _user(ORG),
    "created_at": "2025-11-01T00:00:00Z",
}

# What GitHub's REST API answers for the enterprise (anything else: 404, which the sync skips).
GITHUB = {
    f"/orgs/{ORG}/members?role=admin": [_user("bob")],
    f"/orgs/{ORG}/members?role=member": [_user("ann"), _user("nia"), _user("ci-bot", "Bot")],
    f"/orgs/{ORG}/invitations": [
        {"login": "eve", "email": None, "role": "direct_member", "created_at": "2026-07-01T09:00:00Z"},
        {"login": None, "email": "fay@partner.test", "role": "direct_member", "created_at": "2026-07-02T09:00:00Z"},
    ],
    f"/orgs/{ORG}/failed_invitations": [
        {
            "login": "gus",
            "email": None,
            "role": "direct_member",
            "created_at": "2026-04-01T09:00:00Z",
            "failed_at": "2026-04-08T09:00:00Z",
            "failed_reason": "Invitation expired",
        },
        {
            "login": None,
            "email": "hal@partner.test",
            "role": "direct_member",
            "created_at": "2026-04-01T09:00:00Z",
            "failed_at": "2026-04-08T09:00:00Z",
            "failed_reason": "Invitation expired",
        },
    ],
    f"/orgs/{ORG}/repos": [APP, SITE],
    f"/repos/{ORG}/app/collaborators": [_user("cat")],
    f"/orgs/{ORG}/copilot/billing/seats": {
        "total_seats": 1,
        "seats": [
            {
                "created_at": "2026-02-01T09:00:00Z",
                "pending_cancellation_date": None,
                "plan_type": "business",
                "last_activity_at": None,
                "last_activity_editor": None,
                "assignee": _user("ann"),
            },
        ],
    },
}

PEOPLE_CSV = f"""login,emails,org,role,repo,bot,enterprise_role,since
ann,ann@acme.test,{ORG},member,,,,{SINCE}
bob,bob@acme.test,{ORG},owner,,,owner,{SINCE}
nia,nia@acme.test,{ORG},member,,,,{SINCE}
ci-bot,,{ORG},member,,true,,{SINCE}
cat,cat@contractor.test,{ORG},outside_collaborator,app,,,2026-02-01
dan,dan@contractor.test,{ORG},outside_collaborator,site,,,2026-02-01
ivy,ivy@acme.test,,,,,billing_manager,{SINCE}
jon,jon@acme.test,,,,,owner,{SINCE}
"""

VS_CSV = "email,since\nnia@acme.test,2026-03-01\n"


def _server(server_id: str, host: str, users: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "format_version": 1,
        "server_id": server_id,
        "host_name": host,
        "version": "3.17.2",
        "enterprise": "acme",
        "exported_at": "2026-06-30T12:00:00Z",
        "users": users,
    }


def _account(uid: int, login: str, email: str | None, **flags: bool) -> dict[str, Any]:
    return {"user_id": uid, "login": login, "primary_email": email, "emails": [email] if email else [], **flags}


SERVERS = [
    _server(
        "0b5e1a2c-9d8f-4e3a-8b7c-6d5e4f3a2b1c",
        "ghes1.acme.test",
        [
            _account(1, "ann", "ann@acme.test"),
            _account(2, "kim", "kim@acme.test"),
            _account(3, "scim-admin", None, is_scim_setup_user=True),
            _account(4, "max", "max@acme.test", suspended=True),
        ],
    ),
    _server(
        "5d8a1e4c-3c0a-4f39-9a7e-1f2d3c4b5a69",
        "ghes2.acme.test",
        [
            _account(10, "kim", "kim@acme.test"),
            _account(11, "lou", "lou@acme.test", dormant=True),
        ],
    ),
]


def _push(repo: dict[str, Any], who: str, authored: str, pushed: str) -> tuple[str, dict[str, Any]]:
    sha = (who * 40)[:40].encode().hex()[:40]
    return "push", {
        "ref": "refs/heads/main",
        "before": "0" * 40,
        "after": sha,
        "repository": {**repo, "created_at": _epoch("2025-11-01"), "pushed_at": _epoch(pushed)},
        "organization": {"login": ORG},
        "pusher": {"name": who, "email": f"{who}@acme.test"},
        "sender": _user(who),
        "head_commit": {"id": sha, "timestamp": f"{authored}T10:00:00Z"},
        "commits": [
            {
                "id": sha,
                "timestamp": f"{authored}T10:00:00Z",
                "distinct": True,
                "author": {"name": who, "email": f"{who}@acme.test"},
            }
        ],
    }


WEBHOOKS = [
    # ann: a commit authored a year and a half before its push; the push date counts.
    _push(APP, "ann", "2025-01-15", "2026-08-01"),
    # bob: a push to a public repository (no Advanced Security license needed).
    _push(SITE, "bob", "2026-08-02", "2026-08-02"),
    # oli joins today: counted now, not at AS_OF.
    (
        "organization",
        {
            "action": "member_added",
            "organization": {"login": ORG},
            "sender": _user("bob"),
            "membership": {"state": "active", "role": "member", "user": _user("oli")},
        },
    ),
]

# -- the answers, computed by hand per person ------------------------------------------------
# At AS_OF, one seat each (license type, first day of the seat):
AT_AS_OF = {
    "ann": ("Enterprise", "2026-01-10"),  # org member since the CSV's date (her ghes1 account is her: same email)
    "bob": ("Enterprise", "2026-01-10"),  # org owner (also an enterprise owner in an org)
    "cat": ("Enterprise", "2026-02-01"),  # outside collaborator on a private repository
    "eve": ("Enterprise", "2026-07-01"),  # pending invitation by username
    "fay@partner.test": ("Enterprise", "2026-07-02"),  # pending invitation by email, named by it
    "nia": ("Visual Studio subscription", "2026-01-10"),  # member whose verified email is a VS subscriber's UPN
    "kim@acme.test": ("Enterprise", "2026-06-30"),  # server-only on two instances, once
    "lou@acme.test": ("Enterprise", "2026-06-30"),  # dormant server user: still billed
}
# Not counted at AS_OF: dan (outside collaborator on a public repository), gus and
# hal@partner.test (failed invitations, by username and by email), ci-bot (a bot), ivy
# (billing manager only), jon (enterprise owner in no organization), scim-admin (the SCIM
# setup user), max (suspended server user), oli (joined today).
# Advanced Security at AS_OF: ann only (pushed 2026-08-01 to a private enabled repository,
# within 90 days), one license per product; bob's push went to a public repository.
COMMITTERS_AT_AS_OF = 1
COPILOT_AT_AS_OF = 1  # ann's seat since 2026-02-01
# Now: the same people, plus oli (member since the webhook today).
NOW = {**{k: v[0] for k, v in AT_AS_OF.items()}, "oli": "Enterprise"}


# -- a GitHub-shaped API on loopback ------------------------------------------------------------


def _github_api(answers: dict[str, Any]) -> Starlette:
    async def answer(request: Request) -> JSONResponse:
        role = request.query_params.get("role")
        key = request.url.path + (f"?role={role}" if role else "")
        if key not in answers:
            return JSONResponse({"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}, 404)
        return JSONResponse(answers[key])

    return Starlette(routes=[Route("/{path:path}", answer, methods=["GET", "POST"])])


@pytest.fixture
def github() -> Iterator[LiveServer]:
    with LiveServer(_github_api(GITHUB)) as server:
        yield server


class Operator:
    """The public import paths: the command line, and webhooks posted to the running app."""

    def __init__(self, settings: Settings, tmp_path: Path, app_url: str, github_url: str) -> None:
        self.env = {
            "SEATLEDGER_DATABASE_URL": settings.database_url,
            "SEATLEDGER_DATA_DIR": str(settings.data_dir),
            "GITHUB_TOKEN": "ghp_scenario",
        }
        self.files, self.app_url, self.github_url = tmp_path, app_url, github_url
        self.deliveries = 0

    def cli(self, *args: str) -> str:
        result = CliRunner().invoke(cli_app, list(args), env=self.env)
        assert result.exit_code == 0, (args, result.output, result.exception)
        return result.stdout

    def _file(self, name: str, text: str) -> str:
        path = self.files / name
        path.write_text(text)
        return str(path)

    def sync(self) -> None:
        self.cli("sync", "github", "--api-url", self.github_url, "--enterprise", "acme", "--org", ORG)

    def people(self) -> None:
        self.cli("ingest", "people", self._file("people.csv", PEOPLE_CSV), "--enterprise", "acme")

    def vs_list(self) -> None:
        self.cli("ingest", "vs-subscribers", self._file("vs.csv", VS_CSV), "--enterprise", "acme")

    def servers(self) -> None:
        for i, export in enumerate(SERVERS):
            self.cli(
                "ingest", "server-usage", self._file(f"server{i}.json", json.dumps(export)), "--enterprise", "acme"
            )

    def webhooks(self) -> None:
        secret = self.cli("ingest", "webhook-secret", "--enterprise", "acme").strip().splitlines()[-1].strip()
        for event, payload in WEBHOOKS:
            body = json.dumps(payload).encode()
            self.deliveries += 1
            answer = httpx.post(
                f"{self.app_url}/webhooks/github",
                content=body,
                headers={
                    "X-GitHub-Event": event,
                    "X-GitHub-Delivery": f"scenario-{self.deliveries}",
                    "X-Hub-Signature-256": signature_for(secret, body),
                    "Content-Type": "application/json",
                },
            )
            assert answer.status_code == 200, answer.text


# The sync creates the enterprise, so it comes first; the second order ends with another sync,
# which must leave what the CSV and the webhooks asserted.
ORDERS: dict[str, list[str]] = {
    "sync-people-vs-servers-webhooks": ["sync", "people", "vs_list", "servers", "webhooks"],
    "sync-webhooks-servers-vs-people-sync": ["sync", "webhooks", "servers", "vs_list", "people", "sync"],
}


@pytest.mark.parametrize("order", ORDERS)
def test_a_dozen_people_loaded_through_the_public_paths_give_the_hand_computed_answers(
    settings: Settings, engine: Engine, live_server: LiveServer, github: LiveServer, tmp_path: Path, order: str
) -> None:
    operator = Operator(settings, tmp_path, live_server.url, github.url)
    for step in ORDERS[order]:
        getattr(operator, step)()

    summary = json.loads(operator.cli("summary", "--enterprise", "acme", "--as-of", AS_OF, "--json"))
    assert summary["seats"]["consumed"] == len(AT_AS_OF)
    assert summary["seats"]["license_types"] == {"enterprise": 7, "visual_studio_subscription": 1}
    assert (
        summary["seats"]["cloud_users"],
        summary["seats"]["server_only_users"],
        summary["seats"]["invited_only_users"],
    ) == (4, 2, 2)  # ann bob cat nia; kim lou; eve fay
    assert {p: c["active_committers"] for p, c in summary["advanced_security"].items()} == {
        "code_security": COMMITTERS_AT_AS_OF,
        "secret_protection": COMMITTERS_AT_AS_OF,
    }
    assert summary["copilot"]["total"] == COPILOT_AT_AS_OF

    report = operator.cli("report", "license-usage", "--enterprise", "acme", "--as-of", AS_OF)
    rows = list(csv.DictReader(io.StringIO(report)))
    got = {
        (r["GitHub com login"] or r["Enterprise server primary emails"]): (
            r["License type"],
            r["Ghe license start date"],
        )
        for r in rows
    }
    assert len(rows) == len(AT_AS_OF) and got == AT_AS_OF

    token = operator.cli("token", "create", "--login", "bob", "--enterprise", "acme", "--scopes", "read:enterprise")
    answer = httpx.get(
        f"{live_server.url}/api/v3/enterprises/acme/consumed-licenses?per_page=100",
        headers={"Authorization": f"Bearer {token.strip().splitlines()[-1].strip()}"},
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["total_seats_consumed"] == len(NOW)
    assert {
        (u["github_com_login"] or u["enterprise_server_emails"][0]): (
            "Visual Studio subscription" if u["license_type"] == "visual_studio" else "Enterprise"
        )
        for u in body["users"]
    } == NOW
