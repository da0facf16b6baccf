"""``sync github`` against recorded GitHub answers served by httpx.MockTransport."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from seatledger.db import tables as t
from seatledger.db.ledger import Ledger
from seatledger.errors import SourceError
from seatledger.ingest.github_api import sync_github
from seatledger.ingest.github_client import GitHubClient

RECORDING = Path(__file__).parent.parent / "data" / "github" / "api" / "sync_acme.json"
CLOCK_START = 1_780_000_000.0  # the recorded 403 says X-RateLimit-Reset: 1780000060


class FakeClock:
    """Time that only moves when the client sleeps; the waits are recorded."""

    def __init__(self) -> None:
        self.now = CLOCK_START
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class Recording:
    """Serves the recorded exchanges in order per URL (the last answer repeats); logs requests."""

    def __init__(self, root: str, *, fail: dict[str, int] | None = None) -> None:
        self.root = root.rstrip("/")
        self.prefix = httpx.URL(self.root).path.rstrip("/")
        data = json.loads(RECORDING.read_text().replace("{root}", self.root))
        self.answers: dict[str, list[dict[str, Any]]] = {}
        for ex in data["exchanges"]:
            self.answers.setdefault(self._key(ex["path"], ex["query"]), []).append(ex)
        self.served: dict[str, int] = {}
        self.log: list[str] = []
        self.headers: list[httpx.Headers] = []
        self.fail = fail or {}  # key -> status to answer every time

    @staticmethod
    def _key(path: str, query: dict[str, str]) -> str:
        return path + "?" + "&".join(f"{k}={v}" for k, v in sorted(query.items()))

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if not path.startswith(self.prefix):  # GraphQL (/api/graphql beside /api/v3): not recorded here
            self.log.append(path)
            return httpx.Response(
                404, json={"message": "Not Found", "documentation_url": "https://docs.github.com/graphql"}
            )
        key = self._key(path[len(self.prefix) :], dict(request.url.params))
        self.log.append(key)
        self.headers.append(request.headers)
        if key in self.fail:
            return httpx.Response(self.fail[key], json={"message": "Server Error"})
        answers = self.answers.get(key)
        if not answers:
            return httpx.Response(
                404, json={"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}
            )
        i = self.served.get(key, 0)
        self.served[key] = i + 1
        ex = answers[min(i, len(answers) - 1)]
        return httpx.Response(ex["status"], json=ex["body"], headers=ex["headers"])


def _client(recording: Recording, clock: FakeClock, **kw: Any) -> GitHubClient:
    return GitHubClient(recording.root, "ghp_test", transport=httpx.MockTransport(recording), clock=clock, **kw)


def _sync(engine: Engine, recording: Recording, clock: FakeClock | None = None, **kw: Any):
    with _client(recording, clock or FakeClock(), **kw) as client:
        return sync_github(engine, client, "acme", ["octo-org"])


def _ledger(engine: Engine) -> dict[str, Any]:
    u, m, o, r, rc, i, cs, sac = (
        t.users,
        t.org_memberships,
        t.organizations,
        t.repositories,
        t.repo_collaborators,
        t.invitations,
        t.copilot_seats,
        t.server_accounts,
    )
    with engine.connect() as conn:
        return {
            "memberships": set(
                conn.execute(
                    sa.select(u.c.login, o.c.login, m.c.role, m.c.ended_at.is_(None))
                    .join(u, u.c.id == m.c.user_id)
                    .join(o, o.c.id == m.c.organization_id)
                ).all()
            ),
            "repos": set(
                conn.execute(
                    sa.select(
                        r.c.owner_login,
                        r.c.name,
                        r.c.visibility,
                        r.c.code_security_enabled,
                        r.c.secret_protection_enabled,
                    )
                ).all()
            ),
            "collaborators": set(
                conn.execute(
                    sa.select(u.c.login, r.c.name, rc.c.ended_at.is_(None))
                    .join(u, u.c.id == rc.c.user_id)
                    .join(r, r.c.id == rc.c.repository_id)
                ).all()
            ),
            "invitations": set(
                conn.execute(
                    sa.select(o.c.login, i.c.invitee_login, i.c.invitee_email, i.c.status).join(
                        o, o.c.id == i.c.organization_id
                    )
                ).all()
            ),
            "seats": set(
                conn.execute(
                    sa.select(
                        u.c.login, cs.c.plan, cs.c.pending_cancellation_date.is_not(None), cs.c.ended_at.is_(None)
                    ).join(u, u.c.id == cs.c.user_id)
                ).all()
            ),
            "server_accounts": set(conn.execute(sa.select(sac.c.user_id, sac.c.primary_email)).all()),
            "emails": set(
                conn.execute(
                    sa.select(u.c.login, t.user_emails.c.email).join(t.user_emails, t.user_emails.c.user_id == u.c.id)
                ).all()
            ),
        }


@pytest.mark.parametrize("root", ["https://api.github.com", "https://ghes.acme.test/api/v3"])
def test_sync_reads_people_roles_repos_invitations_and_seats_through_a_rate_limit_and_a_502(
    engine: Engine, root: str
) -> None:
    recording, clock = Recording(root), FakeClock()
    report = _sync(engine, recording, clock)

    got = _ledger(engine)
    assert got["memberships"] == {
        ("octocat", "octo-org", "owner", True),
        ("monalisa", "octo-org", "member", True),
        ("defunkt", "octo-org", "member", True),
    }, "the page after the rate limit was read too"
    assert got["repos"] == {
        ("octo-org", "Hello-World", "private", True, True),
        ("octo-org", "docs", "public", False, True),
    }
    assert got["collaborators"] == {("hubot", "Hello-World", True)}
    assert got["invitations"] == {
        ("octo-labs", "monalisa", None, "pending"),
        ("octo-org", None, "newbie@acme.test", "pending"),
        ("octo-org", "gone-user", None, "failed"),
    }
    assert got["seats"] == {("octocat", "business", False, True), ("monalisa", "business", True, False)}, (
        "monalisa's seat ended at its pending cancellation date, 2021-11-01"
    )
    assert got["server_accounts"] == {(123, "octocat@acme.test"), (456, "serveronly@acme.test")}
    assert ("monalisa", "mona@acme.test") in got["emails"], "a matched VS email is a verified email of the person"
    # Waited until X-RateLimit-Reset (+1 s) on the 403, then 1 s of backoff on the 502 — no real sleeping.
    assert clock.sleeps == [61.0, 1.0]
    assert all(
        h["authorization"] == "Bearer ghp_test" and h["x-github-api-version"] == "2022-11-28" for h in recording.headers
    )
    assert "/orgs/octo-org/members?page=2&per_page=100&role=member" in recording.log
    assert report.created["user"] >= 4


def test_a_second_sync_of_the_same_answers_changes_nothing(engine: Engine) -> None:
    _sync(engine, Recording("https://api.github.com"))
    before = _ledger(engine)
    report = _sync(engine, Recording("https://api.github.com"))
    assert _ledger(engine) == before
    assert not report.changed, report.summary()


def test_an_interrupted_sync_resumes_at_the_page_where_it_stopped(engine: Engine) -> None:
    page2 = "/orgs/octo-org/members?page=2&per_page=100&role=member"
    broken = Recording("https://api.github.com", fail={page2: 503})
    with pytest.raises(SourceError, match="503"):
        _sync(engine, broken, max_retries=2)
    assert broken.log.count(page2) == 3, "bounded retries: the first try and two more"

    healthy = Recording("https://api.github.com")
    report = _sync(engine, healthy)

    assert "/enterprises/acme/consumed-licenses?per_page=100" not in healthy.log, "a finished resource is not re-read"
    assert "/orgs/octo-org/members?per_page=100&role=admin" not in healthy.log
    assert "/orgs/octo-org/members?per_page=100&role=member" not in healthy.log, "resumed at the saved page"
    assert healthy.log[0] == "/enterprises/acme/license-sync-status?"
    assert page2 in healthy.log
    assert any("resuming" in n for n in report.notes)
    assert ("defunkt", "octo-org", "member", True) in _ledger(engine)["memberships"]


def test_members_and_seats_no_longer_listed_are_ended(engine: Engine) -> None:
    with engine.begin() as conn:
        ledger = Ledger(conn)
        eid = ledger.add_enterprise("acme")
        oid = ledger.add_org(eid, "octo-org")
        old = ledger.add_user(eid, "former")
        ledger.add_membership(oid, old)
        ledger.add_copilot_seat(oid, old)
    _sync(engine, Recording("https://api.github.com"))
    got = _ledger(engine)
    assert ("former", "octo-org", "member", False) in got["memberships"]
    assert ("former", "business", False, False) in got["seats"]


def test_bad_credentials_stop_the_sync_with_one_clear_line(engine: Engine) -> None:
    def deny(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"message": "Bad credentials"})

    with GitHubClient("https://api.github.com", "nope", transport=httpx.MockTransport(deny), clock=FakeClock()) as c:
        with pytest.raises(SourceError, match="bad credentials"):
            sync_github(engine, c, "acme")
