"""The ledger's writes of who may reach what: enterprise roles, organization memberships,
repository collaborators and invitations. Each is ended (an invitation resolved), never
deleted, and a full import withdraws only its own assertion (db/provenance.py)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from seatledger.db import provenance
from seatledger.db import tables as t
from seatledger.db.clock import utcnow
from seatledger.db.ledger_writer import LedgerWriter, Outcome, normalize_email
from seatledger.errors import InvalidInput


def invitation_key(role: str, login: str | None, email: str | None) -> str:
    """What tells an organization's invitations apart: the role and the invitee's login, else
    their email (as :meth:`Ledger.upsert_invitation` finds one)."""
    return f"{role}:{login or normalize_email(email)}"


class AccessWrites(LedgerWriter):
    """Enterprise roles, memberships, collaborators and invitations."""

    def add_enterprise_role(
        self, enterprise_id: int, user_id: int, role: str, *, started_at: dt.datetime | None = None
    ) -> int:
        if role not in ("owner", "billing_manager"):
            raise InvalidInput(f"enterprise role must be 'owner' or 'billing_manager', not {role!r}")
        rid = self._insert(
            t.enterprise_roles,
            enterprise_id=enterprise_id,
            user_id=user_id,
            role=role,
            started_at=started_at or utcnow(),
        )
        self._touch(enterprise_id, nothing=True)
        return rid

    def ensure_enterprise_role(
        self,
        enterprise_id: int,
        user_id: int,
        role: str,
        *,
        at: dt.datetime | None = None,
        source: str | None = None,
    ) -> Outcome:
        """The person holds ``role`` in the enterprise since ``at`` ("unchanged" if already)."""
        er = t.enterprise_roles
        held = self.conn.execute(
            sa.select(er.c.id, er.c.started_at).where(
                er.c.enterprise_id == enterprise_id, er.c.user_id == user_id, er.c.role == role, er.c.ended_at.is_(None)
            )
        ).first()
        if held is not None:
            self._asserted(er, held.id, source)
            if not self._start_earlier(er, held, at):
                return "unchanged"
            self._touch(enterprise_id, nothing=True)
            return "updated"
        self._asserted(er, self.add_enterprise_role(enterprise_id, user_id, role, started_at=at), source)
        return "created"

    def withdraw_enterprise_role(
        self, enterprise_id: int, user_id: int, role: str, source: str, *, at: dt.datetime | None = None
    ) -> int:
        """``source`` lists the role no more: ended unless another source asserts it."""
        er = t.enterprise_roles
        where = (er.c.enterprise_id == enterprise_id, er.c.user_id == user_id, er.c.role == role)
        if not self._withdrawn(er, *where, source=source):
            return 0
        return self.end_enterprise_role(enterprise_id, user_id, role, at=at)

    def end_enterprise_role(self, enterprise_id: int, user_id: int, role: str, *, at: dt.datetime | None = None) -> int:
        """The person no longer holds ``role`` in the enterprise (the row stays, ended)."""
        er = t.enterprise_roles
        ended = self.conn.execute(
            sa.update(er)
            .where(
                er.c.enterprise_id == enterprise_id, er.c.user_id == user_id, er.c.role == role, er.c.ended_at.is_(None)
            )
            .values(ended_at=at or utcnow())
        ).rowcount
        if ended:
            self._touch(enterprise_id, nothing=True)
        return int(ended)

    def add_membership(
        self, org_id: int, user_id: int, role: str = "member", *, started_at: dt.datetime | None = None
    ) -> int:
        if role not in ("owner", "member", "billing_manager"):
            raise InvalidInput(f"organization role must be owner, member or billing_manager, not {role!r}")
        self._touch_org(org_id, users=(user_id,))
        return self._insert(
            t.org_memberships,
            organization_id=org_id,
            user_id=user_id,
            role=role,
            started_at=started_at or utcnow(),
        )

    def ensure_membership(
        self,
        org_id: int,
        user_id: int,
        role: str = "member",
        *,
        at: dt.datetime | None = None,
        source: str | None = None,
    ) -> Outcome:
        """The person is in the org with ``role`` since ``at`` (as ``source`` asserts); a role
        change ends the old row, an earlier ``at`` moves the start back."""
        m = t.org_memberships
        row = self.conn.execute(
            sa.select(m.c.id, m.c.role, m.c.started_at).where(
                m.c.organization_id == org_id, m.c.user_id == user_id, m.c.ended_at.is_(None)
            )
        ).first()
        if row is not None and row.role == role:
            self._asserted(m, row.id, source)
            if not self._start_earlier(m, row, at):
                return "unchanged"
            self._touch_org(org_id, users=(user_id,))
            return "updated"
        if row is not None:
            self.end_membership(org_id, user_id, at)
        self._asserted(m, self.add_membership(org_id, user_id, role, started_at=at), source)
        return "created" if row is None else "updated"

    def withdraw_membership(self, org_id: int, user_id: int, source: str, at: dt.datetime | None = None) -> int:
        """``source`` lists the person in the org no more: the membership ends unless another
        source still asserts it (db/provenance.py)."""
        m = t.org_memberships
        if not self._withdrawn(m, m.c.organization_id == org_id, m.c.user_id == user_id, source=source):
            return 0
        return self.end_membership(org_id, user_id, at)

    def end_membership(self, org_id: int, user_id: int, at: dt.datetime | None = None) -> int:
        """Remove a person from an organization (the row stays, ended, for the history)."""
        m = t.org_memberships
        self._touch_org(org_id, users=(user_id,))
        return self.conn.execute(
            sa.update(m)
            .where(m.c.organization_id == org_id, m.c.user_id == user_id, m.c.ended_at.is_(None))
            .values(ended_at=at or utcnow())
        ).rowcount

    def add_collaborator(
        self,
        repository_id: int,
        user_id: int,
        *,
        permission: str = "write",
        started_at: dt.datetime | None = None,
    ) -> int:
        self._touch_repo(repository_id, users=(user_id,))
        return self._insert(
            t.repo_collaborators,
            repository_id=repository_id,
            user_id=user_id,
            permission=permission,
            started_at=started_at or utcnow(),
        )

    def ensure_collaborator(
        self,
        repository_id: int,
        user_id: int,
        *,
        permission: str = "write",
        at: dt.datetime | None = None,
        source: str | None = None,
    ) -> Outcome:
        rc = t.repo_collaborators
        row = self.conn.execute(
            sa.select(rc.c.id, rc.c.started_at).where(
                rc.c.repository_id == repository_id, rc.c.user_id == user_id, rc.c.ended_at.is_(None)
            )
        ).first()
        if row is not None:
            self._asserted(rc, row.id, source)
            if not self._start_earlier(rc, row, at):
                return "unchanged"
            self._touch_repo(repository_id, users=(user_id,))
            return "updated"
        self._asserted(rc, self.add_collaborator(repository_id, user_id, permission=permission, started_at=at), source)
        return "created"

    def withdraw_collaborator(
        self, repository_id: int, user_id: int, source: str, at: dt.datetime | None = None
    ) -> int:
        """``source`` lists the collaborator no more: ended unless another source asserts it."""
        rc = t.repo_collaborators
        if not self._withdrawn(rc, rc.c.repository_id == repository_id, rc.c.user_id == user_id, source=source):
            return 0
        return self.end_collaborator(repository_id, user_id, at)

    def end_collaborator(self, repository_id: int, user_id: int, at: dt.datetime | None = None) -> int:
        rc = t.repo_collaborators
        self._touch_repo(repository_id, users=(user_id,))
        return self.conn.execute(
            sa.update(rc)
            .where(rc.c.repository_id == repository_id, rc.c.user_id == user_id, rc.c.ended_at.is_(None))
            .values(ended_at=at or utcnow())
        ).rowcount

    def add_invitation(
        self,
        org_id: int,
        *,
        role: str = "member",
        login: str | None = None,
        user_id: int | None = None,
        email: str | None = None,
        repository_id: int | None = None,
        status: str = "pending",
        created_at: dt.datetime | None = None,
        resolved_at: dt.datetime | None = None,
    ) -> int:
        if role not in ("member", "owner", "billing_manager", "collaborator"):
            raise InvalidInput(f"invitation role {role!r} is not one of member, owner, billing_manager, collaborator")
        if status not in ("pending", "failed", "accepted"):
            raise InvalidInput(f"invitation status {status!r} is not one of pending, failed, accepted")
        if not (login or user_id or email):
            raise InvalidInput("an invitation goes to a username or an email")
        if role == "collaborator" and repository_id is None:
            raise InvalidInput("a collaborator invitation names a repository")
        enterprise_id = self._enterprise_of(t.organizations, org_id)
        if enterprise_id is not None:
            self._touch(enterprise_id, **self._invitees(enterprise_id, login, user_id, normalize_email(email)))
        return self._insert(
            t.invitations,
            organization_id=org_id,
            repository_id=repository_id,
            role=role,
            invitee_login=login,
            invitee_user_id=user_id,
            invitee_email=normalize_email(email),
            status=status,
            created_at=created_at or utcnow(),
            resolved_at=resolved_at if status != "pending" else None,
        )

    def upsert_invitation(
        self,
        org_id: int,
        *,
        role: str,
        login: str | None = None,
        email: str | None = None,
        repository_id: int | None = None,
        status: str = "pending",
        created_at: dt.datetime | None = None,
        at: dt.datetime | None = None,
        source: str | None = None,
    ) -> Outcome:
        """An invitation identified by (org, role, repository, login or email), as ``source``
        asserts; its status follows the source (pending → failed/accepted sets resolved_at)."""
        i = t.invitations
        who = i.c.invitee_login == login if login else i.c.invitee_email == normalize_email(email)
        repo = i.c.repository_id == repository_id if repository_id is not None else i.c.repository_id.is_(None)
        row = self.conn.execute(
            sa.select(i.c.id, i.c.status)
            .where(i.c.organization_id == org_id, i.c.role == role, who, repo)
            .order_by(i.c.id.desc())
            .limit(1)
        ).first()
        if row is None or row.status in ("accepted", "cancelled"):
            self._asserted(
                i,
                self.add_invitation(
                    org_id,
                    role=role,
                    login=login,
                    email=email,
                    repository_id=repository_id,
                    status=status,
                    created_at=created_at,
                    resolved_at=at or utcnow(),
                ),
                source,
            )
            return "created"
        self._asserted(i, row.id, source)
        if row.status == status:
            return "unchanged"
        self.conn.execute(
            sa.update(i)
            .where(i.c.id == row.id)
            .values(status=status, resolved_at=None if status == "pending" else (at or utcnow()))
        )
        enterprise_id = self._enterprise_of(t.organizations, org_id)
        if enterprise_id is not None:
            self._touch(enterprise_id, **self._invitees(enterprise_id, login, None, normalize_email(email)))
        return "updated"

    def withdraw_invitation(self, invitation_id: int, source: str, at: dt.datetime | None = None) -> bool:
        """``source`` lists the pending invitation no more: it is cancelled at ``at`` unless
        another source still asserts it (db/provenance.py). True when cancelled."""
        i = t.invitations
        row = self.conn.execute(
            sa.select(i).where(i.c.id == invitation_id, i.c.status == "pending", i.c.resolved_at.is_(None))
        ).first()
        if row is None or not provenance.withdraw(self.conn, i, invitation_id, source):
            return False
        self.conn.execute(
            sa.update(i).where(i.c.id == invitation_id).values(status="cancelled", resolved_at=at or utcnow())
        )
        enterprise_id = self._enterprise_of(t.organizations, row.organization_id)
        if enterprise_id is not None:
            self._touch(
                enterprise_id,
                **self._invitees(enterprise_id, row.invitee_login, row.invitee_user_id, row.invitee_email),
            )
        return True
