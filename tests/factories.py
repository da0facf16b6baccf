"""Small builders of hand-made ledgers for tests, on top of the one write API (``Ledger``).

    with engine.begin() as conn:
        b = EnterpriseBuilder(conn)
        b.member("octo", "alice")                 # org 'octo' and user 'alice' made on demand
        b.collaborator("octo", "secret", "bob")   # private repo octo/secret
        assert count_consumed(conn, b.slug, as_of=AS_OF) == 2

Every row starts at ``T0`` unless told otherwise; tests count at the fixed ``AS_OF``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from seatledger.db import tables as t
from seatledger.db.ledger import Ledger

T0 = dt.datetime(2026, 1, 1, 9, 0)
AS_OF = dt.datetime(2026, 3, 15, 12, 0)


class Clock:
    """Wall-clock seconds (what ``time.time`` gives) that only the test moves."""

    def __init__(self, at: dt.datetime) -> None:
        self.now = at.replace(tzinfo=dt.timezone.utc).timestamp()

    def __call__(self) -> float:
        return self.now

    def utc(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.now, dt.timezone.utc).replace(tzinfo=None)

    def advance(self, seconds: float) -> None:
        self.now += seconds


class EnterpriseBuilder:
    """One enterprise, with orgs, users and repositories created on first mention."""

    def __init__(
        self,
        conn: Connection,
        slug: str = "acme",
        *,
        managed: bool = False,
        uses_saml: bool = False,
        pending_invites_consume_metered: bool = True,
    ) -> None:
        self.conn = conn
        self.ledger = Ledger(conn)
        self.slug = slug
        self.id = self.ledger.add_enterprise(
            slug,
            account_type="managed" if managed else "personal",
            uses_saml=uses_saml,
            pending_invites_consume_metered=pending_invites_consume_metered,
            created_at=T0,
        )
        self.orgs: dict[str, int] = {}
        self.users: dict[str, int] = {}
        self.repos: dict[str, int] = {}
        self.servers: dict[str, int] = {}

    # -- accounts and places ----------------------------------------------------------------
    def org(self, login: str, *, created_at: dt.datetime = T0) -> int:
        if login not in self.orgs:
            self.orgs[login] = self.ledger.add_org(self.id, login, created_at=created_at)
        return self.orgs[login]

    def user(self, login: str, **kw: Any) -> int:
        """The cloud account ``login`` (``kw`` as ``Ledger.add_user``; only used when new)."""
        if login not in self.users:
            kw.setdefault("created_at", T0)
            kw.setdefault("name", login.title())
            self.users[login] = self.ledger.add_user(self.id, login, **kw)
        return self.users[login]

    def repo(self, org: str, name: str, *, visibility: str = "private", is_fork: bool = False, **kw: Any) -> int:
        full = f"{org}/{name}"
        if full not in self.repos:
            self.repos[full] = self.ledger.add_repo(
                self.id, org, name, org_id=self.org(org), visibility=visibility, is_fork=is_fork, created_at=T0, **kw
            )
        return self.repos[full]

    # -- relations ---------------------------------------------------------------------------
    def member(
        self,
        org: str,
        login: str,
        role: str = "member",
        *,
        since: dt.datetime = T0,
        until: dt.datetime | None = None,
        **user_kw: Any,
    ) -> int:
        uid = self.user(login, **user_kw)
        mid = self.ledger.add_membership(self.org(org), uid, role, started_at=since)
        if until is not None:
            m = t.org_memberships
            self.conn.execute(sa.update(m).where(m.c.id == mid).values(ended_at=until))
        return uid

    def enterprise_role(self, login: str, role: str = "owner", *, since: dt.datetime = T0, **user_kw: Any) -> int:
        uid = self.user(login, **user_kw)
        self.ledger.add_enterprise_role(self.id, uid, role, started_at=since)
        return uid

    def collaborator(
        self,
        org: str,
        repo: str,
        login: str,
        *,
        visibility: str = "private",
        is_fork: bool = False,
        since: dt.datetime = T0,
        until: dt.datetime | None = None,
        **user_kw: Any,
    ) -> int:
        uid = self.user(login, **user_kw)
        cid = self.ledger.add_collaborator(
            self.repo(org, repo, visibility=visibility, is_fork=is_fork), uid, started_at=since
        )
        if until is not None:
            c = t.repo_collaborators
            self.conn.execute(sa.update(c).where(c.c.id == cid).values(ended_at=until))
        return uid

    def invite(
        self,
        org: str,
        *,
        login: str | None = None,
        email: str | None = None,
        role: str = "member",
        repo: str | None = None,
        visibility: str = "private",
        status: str = "pending",
        created_at: dt.datetime = T0,
        resolved_at: dt.datetime | None = None,
    ) -> int:
        """An invitation to ``org`` (or, with ``repo``, to collaborate on ``org/repo``), to a
        username the ledger knows (``login`` of a user made here) or to an ``email``."""
        uid = self.users.get(login) if login else None
        return self.ledger.add_invitation(
            self.org(org),
            role="collaborator" if repo else role,
            login=login,
            user_id=uid,
            email=email,
            repository_id=self.repo(org, repo, visibility=visibility) if repo else None,
            status=status,
            created_at=created_at,
            resolved_at=resolved_at,
        )

    # -- servers and Visual Studio -----------------------------------------------------------
    def server_account(self, hostname: str, user_id: int, login: str, email: str | None, **kw: Any) -> int:
        if hostname not in self.servers:
            self.servers[hostname] = self.ledger.add_server(self.id, None, hostname, created_at=T0)
        kw.setdefault("created_at", T0)
        return self.ledger.add_server_account(self.servers[hostname], user_id, login, primary_email=email, **kw)

    def vs_subscription(self, email: str, *, status: str = "active") -> int:
        return self.ledger.add_vs_subscription(self.id, email, status=status, created_at=T0)

    def volume(self, purchased: int, *, expires_at: dt.date | None = None) -> None:
        self.ledger.set_product(
            self.id, t.PRODUCT_ENTERPRISE, billing="volume", purchased=purchased, expires_at=expires_at
        )


def enterprise_of_members(engine: Engine, members: int, org: str = "octo") -> EnterpriseBuilder:
    """The enterprise acme with ``members`` members (user00, user01, ...) of one org, committed."""
    with engine.begin() as conn:
        b = EnterpriseBuilder(conn)
        for i in range(members):
            b.member(org, f"user{i:02d}")
    return b
