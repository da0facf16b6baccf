"""The ledger's writes of repositories: the repository, the history of its Advanced Security
enablement, and the commits pushed to it."""

from __future__ import annotations

import datetime as dt
from typing import Any, Iterable, Mapping

import sqlalchemy as sa

from seatledger.db import tables as t
from seatledger.db import tables_intervals as ti
from seatledger.db.bulk_load import BULK_CHUNK
from seatledger.db.clock import utcnow
from seatledger.db.ledger_writer import LedgerWriter, Outcome, normalize_email
from seatledger.errors import InvalidInput


class RepoWrites(LedgerWriter):
    """Repositories, their Advanced Security enablement and their commits."""

    def add_repo(
        self,
        enterprise_id: int,
        owner_login: str,
        name: str,
        *,
        org_id: int | None = None,
        owner_user_id: int | None = None,
        visibility: str = "private",
        is_fork: bool = False,
        secret_protection: bool = False,
        code_security: bool = False,
        created_at: dt.datetime | None = None,
    ) -> int:
        if visibility not in ("public", "private", "internal"):
            raise InvalidInput(f"visibility must be public, private or internal, not {visibility!r}")
        rid = self._insert(
            t.repositories,
            enterprise_id=enterprise_id,
            organization_id=org_id,
            owner_user_id=owner_user_id,
            owner_login=owner_login,
            name=name,
            visibility=visibility,
            is_fork=is_fork,
            secret_protection_enabled=secret_protection,
            code_security_enabled=code_security,
            created_at=created_at or utcnow(),
        )
        for product, enabled in (("secret_protection", secret_protection), ("code_security", code_security)):
            if enabled:
                self._set_enablement(rid, product, True, created_at or utcnow())
        self._touch(enterprise_id, nothing=True)
        return rid

    def upsert_repo(
        self,
        enterprise_id: int,
        owner_login: str,
        name: str,
        *,
        org_id: int | None = None,
        visibility: str | None = None,
        secret_protection: bool | None = None,
        code_security: bool | None = None,
        is_fork: bool | None = None,
        created_at: dt.datetime | None = None,
        at: dt.datetime | None = None,
    ) -> tuple[int, Outcome]:
        """A repository by owner/name; ``None`` arguments leave what the ledger has. A new one
        starts at ``created_at``; a product enabled or disabled on a known one changes at ``at``
        (default now), never at its creation, which says nothing of when that changed."""
        r = t.repositories
        row = self.conn.execute(
            sa.select(r).where(r.c.enterprise_id == enterprise_id, r.c.owner_login == owner_login, r.c.name == name)
        ).first()
        if row is None:
            rid = self.add_repo(
                enterprise_id,
                owner_login,
                name,
                org_id=org_id,
                visibility=visibility or "private",
                is_fork=bool(is_fork),
                secret_protection=bool(secret_protection),
                code_security=bool(code_security),
                created_at=created_at,
            )
            return rid, "created"
        if visibility is not None and visibility not in ("public", "private", "internal"):
            raise InvalidInput(f"visibility must be public, private or internal, not {visibility!r}")
        seat_facts = {"visibility": visibility, "is_fork": is_fork, "organization_id": org_id}
        seats_changed = self._update_changed(r, row, seat_facts)
        products_changed = False
        for product, enabled in (("secret_protection", secret_protection), ("code_security", code_security)):
            if enabled is not None and getattr(row, f"{product}_enabled") != enabled:
                self.set_repo_products(row.id, **{product: enabled}, at=at)
                products_changed = True
        changed = seats_changed or products_changed
        if seats_changed:
            # Its collaborators' and invitees' seats hang on visibility, fork and owner, and its
            # committers' spans on whether it costs a license.
            self._touch(enterprise_id, **self._people_of_repo(enterprise_id, row.id), repos=(row.id,))
        return row.id, "updated" if changed else "unchanged"

    def _people_of_repo(self, enterprise_id: int, repository_id: int) -> dict[str, Any]:
        """The marks of everyone whose seat reasons name the repository: its collaborators, ever,
        and whoever its invitations may resolve to."""
        rc, i = t.repo_collaborators, t.invitations
        users: set[int | None] = set(
            self.conn.execute(sa.select(rc.c.user_id).where(rc.c.repository_id == repository_id).distinct()).scalars()
        )
        keys: set[str | None] = set()
        for row in self.conn.execute(
            sa.select(i.c.invitee_login, i.c.invitee_user_id, i.c.invitee_email).where(
                i.c.repository_id == repository_id
            )
        ):
            marks = self._invitees(enterprise_id, row.invitee_login, row.invitee_user_id, row.invitee_email)
            users |= set(marks["users"])
            keys |= set(marks["keys"])
        return {"users": users, "keys": keys}

    def set_repo_products(
        self,
        repository_id: int,
        *,
        secret_protection: bool | None = None,
        code_security: bool | None = None,
        at: dt.datetime | None = None,
    ) -> None:
        """Enable or disable Advanced Security products on a repository from ``at`` (now)."""
        values: dict[str, bool] = {}
        if secret_protection is not None:
            values["secret_protection_enabled"] = secret_protection
        if code_security is not None:
            values["code_security_enabled"] = code_security
        if values:
            self.conn.execute(sa.update(t.repositories).where(t.repositories.c.id == repository_id).values(**values))
            for column, enabled in values.items():
                self._set_enablement(repository_id, column.removesuffix("_enabled"), enabled, at or utcnow())
            self._touch_repo(repository_id, repos=(repository_id,))

    def _set_enablement(self, repository_id: int, product: str, enabled: bool, at: dt.datetime) -> None:
        """Keep the history of a product's enablement on a repository (ghas_enablements)."""
        ge = ti.ghas_enablements
        is_open = sa.and_(ge.c.repository_id == repository_id, ge.c.product == product, ge.c.ended_at.is_(None))
        if enabled:
            if self.conn.execute(sa.select(ge.c.id).where(is_open)).first() is None:
                self._insert(ge, repository_id=repository_id, product=product, started_at=at)
        else:
            self.conn.execute(sa.update(ge).where(is_open).values(ended_at=at))

    def add_commits(self, repository_id: int, rows: Iterable[Mapping[str, Any]]) -> int:
        """Record pushed commits; idempotent on (repository, sha). Returns how many were new.

        Each row has ``sha``, ``author_email``, ``author_date``, ``pushed_at`` and optionally
        ``author_name``.
        """
        c = t.commits
        batch = [
            {
                "repository_id": repository_id,
                "sha": r["sha"],
                "author_email": normalize_email(r["author_email"]) or "",
                "author_name": r.get("author_name"),
                "author_date": r["author_date"],
                "pushed_at": r["pushed_at"],
            }
            for r in rows
        ]
        if not batch:
            return 0
        self._touch_repo(repository_id, committer_emails={r["author_email"] for r in batch})
        new = 0
        for start in range(0, len(batch), BULK_CHUNK):
            chunk = batch[start : start + BULK_CHUNK]
            shas = [r["sha"] for r in chunk]
            existing: set[str] = set()
            for i in range(0, len(shas), 900):
                existing.update(
                    self.conn.execute(
                        sa.select(c.c.sha).where(c.c.repository_id == repository_id, c.c.sha.in_(shas[i : i + 900]))
                    ).scalars()
                )
            fresh: dict[str, dict[str, Any]] = {}
            for r in chunk:
                if r["sha"] not in existing:
                    fresh.setdefault(r["sha"], r)
            if fresh:
                self.conn.execute(sa.insert(c), list(fresh.values()))
                new += len(fresh)
        return new
