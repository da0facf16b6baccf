"""The ledger's writes of GitHub Enterprise Server instances (their accounts and license-sync
events) and of Visual Studio subscriptions."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Sequence

import sqlalchemy as sa

from seatledger.db import provenance
from seatledger.db import rules
from seatledger.db import tables as t
from seatledger.db.clock import utcnow
from seatledger.db.ledger_writer import LedgerWriter, Outcome, normalize_email
from seatledger.errors import InvalidInput


class ServerWrites(LedgerWriter):
    """Server instances, server accounts, sync events and Visual Studio subscriptions."""

    def add_server(
        self,
        enterprise_id: int,
        server_id: str | None,
        hostname: str,
        *,
        version: str | None = None,
        created_at: dt.datetime | None = None,
    ) -> int:
        sid = self._insert(
            t.server_instances,
            enterprise_id=enterprise_id,
            server_id=server_id or str(uuid.uuid4()),
            hostname=hostname,
            version=version,
            created_at=created_at or utcnow(),
        )
        self._touch(enterprise_id, nothing=True)
        return sid

    def upsert_server(
        self,
        enterprise_id: int,
        server_id: str,
        hostname: str,
        *,
        version: str | None = None,
        http_only: bool | None = None,
        license_hash: str | None = None,
    ) -> tuple[int, Outcome]:
        si = t.server_instances
        row = self.conn.execute(sa.select(si).where(si.c.server_id == server_id)).first()
        if row is None:
            sid = self.add_server(enterprise_id, server_id, hostname, version=version)
            self.conn.execute(
                sa.update(si).where(si.c.id == sid).values(http_only=bool(http_only), license_hash=license_hash)
            )
            return sid, "created"
        if row.enterprise_id != enterprise_id:
            raise InvalidInput(f"server {server_id!r} belongs to another enterprise")
        changed = self._update_changed(
            si, row, {"hostname": hostname, "version": version, "http_only": http_only, "license_hash": license_hash}
        )
        if changed:
            self._touch(enterprise_id, nothing=True)
        return row.id, "updated" if changed else "unchanged"

    def add_server_account(
        self,
        server_instance_id: int,
        user_id: int,
        login: str,
        *,
        primary_email: str | None,
        other_emails: Sequence[str] = (),
        suspended: bool = False,
        dormant: bool = False,
        site_admin: bool = False,
        is_scim_setup_user: bool = False,
        code_security_user: bool = False,
        secret_protection_user: bool = False,
        created_at: dt.datetime | None = None,
    ) -> int:
        si = t.server_instances
        server_id = self.conn.execute(sa.select(si.c.server_id).where(si.c.id == server_instance_id)).scalar_one()
        key = rules.server_account_key_suffix(server_id, user_id, normalize_email(primary_email))
        self._touch_server(server_instance_id, keys=(key,))
        return self._insert(
            t.server_accounts,
            server_instance_id=server_instance_id,
            user_id=user_id,
            login=login,
            primary_email=normalize_email(primary_email),
            other_emails=" ".join(filter(None, (normalize_email(e) for e in other_emails))),
            suspended=suspended,
            dormant=dormant,
            site_admin=site_admin,
            is_scim_setup_user=is_scim_setup_user or login == "scim-admin",
            advanced_security_user=code_security_user or secret_protection_user,
            code_security_user=code_security_user,
            secret_protection_user=secret_protection_user,
            created_at=created_at or utcnow(),
        )

    def upsert_server_account(
        self,
        server_instance_id: int,
        user_id: int,
        login: str,
        *,
        primary_email: str | None,
        other_emails: Sequence[str] = (),
        suspended: bool = False,
        dormant: bool = False,
        site_admin: bool = False,
        is_scim_setup_user: bool = False,
        code_security_user: bool = False,
        secret_protection_user: bool = False,
        created_at: dt.datetime | None = None,
        source: str | None = None,
    ) -> Outcome:
        """A server account by the server's own user id, there since ``created_at`` (an
        export's date; an earlier one moves the start back), as ``source`` asserts; matches are
        left to the matcher."""
        sac = t.server_accounts
        row = self.conn.execute(
            sa.select(sac).where(sac.c.server_instance_id == server_instance_id, sac.c.user_id == user_id)
        ).first()
        if row is None:
            self._asserted(
                sac,
                self.add_server_account(
                    server_instance_id,
                    user_id,
                    login,
                    primary_email=primary_email,
                    other_emails=other_emails,
                    suspended=suspended,
                    dormant=dormant,
                    site_admin=site_admin,
                    is_scim_setup_user=is_scim_setup_user,
                    code_security_user=code_security_user,
                    secret_protection_user=secret_protection_user,
                    created_at=created_at,
                ),
                source,
            )
            return "created"
        self._asserted(sac, row.id, source)
        moved = created_at is not None and created_at < row.created_at
        if moved:
            self.conn.execute(sa.update(sac).where(sac.c.id == row.id).values(created_at=created_at))
            self._touch_server(server_instance_id, **self._server_account_marks(server_instance_id, row))
        values = {
            "login": login,
            "primary_email": normalize_email(primary_email),
            "other_emails": " ".join(filter(None, (normalize_email(e) for e in other_emails))),
            "suspended": suspended,
            "dormant": dormant,
            "site_admin": site_admin,
            "is_scim_setup_user": is_scim_setup_user or login == "scim-admin",
            "advanced_security_user": code_security_user or secret_protection_user,
            "code_security_user": code_security_user,
            "secret_protection_user": secret_protection_user,
        }
        cleared = False
        if not primary_email:
            values.pop("primary_email")
            if row.primary_email is not None:
                self.conn.execute(sa.update(sac).where(sac.c.id == row.id).values(primary_email=None))
                cleared = True
        before = self._server_account_marks(server_instance_id, row)
        changed = self._update_changed(sac, row, values) or cleared
        if changed:
            after = self.conn.execute(sa.select(sac).where(sac.c.id == row.id)).one()
            now = self._server_account_marks(server_instance_id, after)
            self._touch_server(
                server_instance_id, users=(*before["users"], *now["users"]), keys=(*before["keys"], *now["keys"])
            )
        return "updated" if changed or moved else "unchanged"

    def _server_account_marks(self, server_instance_id: int, row: Any) -> dict[str, Any]:
        """The marks of a server account (as it is, or as it was before a change)."""
        si = t.server_instances
        server_id = self.conn.execute(sa.select(si.c.server_id).where(si.c.id == server_instance_id)).scalar_one()
        key = rules.server_account_key_suffix(server_id, row.user_id, row.primary_email)
        return {"users": (row.matched_user_id,), "keys": (key,)}

    def remove_server_accounts(self, server_instance_id: int, keep_user_ids: set[int], source: str) -> int:
        """``source`` lists only ``keep_user_ids`` (the server's own user ids) on the instance:
        the others it asserted, or that no source is recorded for, are removed unless another
        source still asserts them (an account missing from a new export no longer exists)."""
        sac = t.server_accounts
        rows = self.conn.execute(
            sa.select(sac.c.id, sac.c.user_id).where(sac.c.server_instance_id == server_instance_id)
        )
        return self.withdraw_server_accounts([row.id for row in rows if row.user_id not in keep_user_ids], source)

    def withdraw_server_accounts(self, account_ids: Sequence[int], source: str) -> int:
        """``source`` lists these server accounts no more: each is deleted unless another
        source still asserts it (db/provenance.py). Returns how many were deleted."""
        sac = t.server_accounts
        gone = [a for a in account_ids if provenance.withdraw(self.conn, sac, a, source)]
        for start in range(0, len(gone), 900):
            chunk = gone[start : start + 900]
            marks: dict[int, dict[str, list[Any]]] = {}
            for row in self.conn.execute(sa.select(sac).where(sac.c.id.in_(chunk))).all():
                of_server = marks.setdefault(row.server_instance_id, {"users": [], "keys": []})
                for name, values in self._server_account_marks(row.server_instance_id, row).items():
                    of_server[name] += values
            self.conn.execute(sa.delete(sac).where(sac.c.id.in_(chunk)))
            for server_instance_id, of_server in marks.items():
                self._touch_server(server_instance_id, **of_server)
        return len(gone)

    def add_sync_event(
        self,
        server_instance_id: int,
        *,
        kind: str = "upload",
        status: str = "success",
        error: str | None = None,
        occurred_at: dt.datetime | None = None,
    ) -> int:
        self._touch_server(server_instance_id, nothing=True)
        return self._insert(
            t.license_sync_events,
            server_instance_id=server_instance_id,
            kind=kind,
            status=status,
            error=error,
            occurred_at=occurred_at or utcnow(),
        )

    def add_vs_subscription(
        self,
        enterprise_id: int,
        subscriber_email: str,
        *,
        name: str | None = None,
        level: str | None = "Visual Studio Enterprise",
        status: str = "active",
        created_at: dt.datetime | None = None,
    ) -> int:
        vid = self._insert(
            t.vs_subscriptions,
            enterprise_id=enterprise_id,
            subscriber_email=normalize_email(subscriber_email),
            name=name,
            level=level,
            status=status,
            created_at=created_at or utcnow(),
        )
        self._touch(enterprise_id, keys=(normalize_email(subscriber_email),))
        return vid

    def upsert_vs_subscription(
        self,
        enterprise_id: int,
        subscriber_email: str,
        *,
        name: str | None = None,
        level: str | None = None,
        status: str = "active",
        source: str | None = None,
        created_at: dt.datetime | None = None,
    ) -> Outcome:
        """A subscriber by email, subscribed since ``created_at`` (an earlier one moves the
        start back; default now)."""
        vs = t.vs_subscriptions
        email = normalize_email(subscriber_email)
        row = self.conn.execute(
            sa.select(vs).where(vs.c.enterprise_id == enterprise_id, vs.c.subscriber_email == email)
        ).first()
        if row is None:
            sub_id = self.add_vs_subscription(
                enterprise_id, email or "", name=name, level=level, status=status, created_at=created_at
            )
            self._asserted(vs, sub_id, source if status == "active" else None)
            return "created"
        self._asserted(vs, row.id, source if status == "active" else None)
        changed = self._update_changed(vs, row, {"name": name, "level": level, "status": status})
        if created_at is not None and created_at < row.created_at:
            self.conn.execute(sa.update(vs).where(vs.c.id == row.id).values(created_at=created_at))
            changed = True
        if changed:
            self._touch(enterprise_id, users=(row.matched_user_id,), keys=(email,))
        return "updated" if changed else "unchanged"

    def withdraw_vs_subscription(self, enterprise_id: int, subscriber_email: str, source: str) -> Outcome:
        """``source`` lists the subscriber no more: inactive unless another source asserts it."""
        vs = t.vs_subscriptions
        sub_id = self.conn.execute(
            sa.select(vs.c.id).where(
                vs.c.enterprise_id == enterprise_id, vs.c.subscriber_email == normalize_email(subscriber_email)
            )
        ).scalar()
        if sub_id is None or not provenance.withdraw(self.conn, vs, int(sub_id), source):
            return "unchanged"
        return self.upsert_vs_subscription(enterprise_id, subscriber_email, status="inactive")
