"""The ledger's writes of accounts: the enterprise and its products, organizations, teams, users
and their emails."""

from __future__ import annotations

import datetime as dt
from typing import Sequence

import sqlalchemy as sa

from seatledger.db import tables as t
from seatledger.db.clock import utcnow
from seatledger.db.ledger_writer import LedgerWriter, Outcome, normalize_email
from seatledger.errors import InvalidInput


class AccountWrites(LedgerWriter):
    """Enterprise, organizations, teams, users and emails."""

    def add_enterprise(
        self,
        slug: str,
        name: str | None = None,
        *,
        account_type: str = "personal",
        data_residency: bool = False,
        uses_saml: bool = False,
        pending_invites_consume_metered: bool = True,
        created_at: dt.datetime | None = None,
    ) -> int:
        if account_type not in ("personal", "managed"):
            raise InvalidInput(f"account type must be 'personal' or 'managed', not {account_type!r}")
        eid = self._insert(
            t.enterprises,
            slug=slug,
            name=name or slug,
            account_type=account_type,
            data_residency=data_residency,
            uses_saml=uses_saml,
            pending_invites_consume_metered=pending_invites_consume_metered,
            created_at=created_at or utcnow(),
        )
        self._touch(eid, nothing=True)
        return eid

    def set_product(
        self,
        enterprise_id: int,
        product: str,
        *,
        billing: str = "metered",
        purchased: int = 0,
        expires_at: dt.date | None = None,
    ) -> None:
        """Set how a product is billed for the enterprise (metered, or volume with a count)."""
        if product not in t.PRODUCTS:
            raise InvalidInput(f"unknown product {product!r}; one of {', '.join(t.PRODUCTS)}")
        if billing not in ("metered", "volume"):
            raise InvalidInput(f"billing must be 'metered' or 'volume', not {billing!r}")
        ep = t.enterprise_products
        self.conn.execute(sa.delete(ep).where(ep.c.enterprise_id == enterprise_id, ep.c.product == product))
        self._insert(
            ep,
            enterprise_id=enterprise_id,
            product=product,
            billing=billing,
            purchased=purchased,
            expires_at=expires_at,
        )
        # The enterprise seat's billing decides whether org invitations consume.
        self._touch(
            enterprise_id, **({"seats_everyone": True} if product == t.PRODUCT_ENTERPRISE else {"nothing": True})
        )

    def set_setup_user(self, enterprise_id: int, user_id: int) -> None:
        self.conn.execute(
            sa.update(t.enterprises).where(t.enterprises.c.id == enterprise_id).values(setup_user_id=user_id)
        )
        self._touch(enterprise_id, seats_everyone=True)

    def set_webhook_secret(self, enterprise_id: int, secret: str) -> None:
        self.conn.execute(
            sa.update(t.enterprises).where(t.enterprises.c.id == enterprise_id).values(webhook_secret=secret)
        )

    def add_org(
        self, enterprise_id: int, login: str, *, name: str | None = None, created_at: dt.datetime | None = None
    ) -> int:
        oid = self._insert(
            t.organizations,
            enterprise_id=enterprise_id,
            login=login,
            name=name or login,
            created_at=created_at or utcnow(),
        )
        self._touch(enterprise_id, nothing=True)
        return oid

    def upsert_org(
        self, enterprise_id: int, login: str, *, name: str | None = None, created_at: dt.datetime | None = None
    ) -> tuple[int, Outcome]:
        o = t.organizations
        row = self.conn.execute(sa.select(o).where(o.c.login == login)).first()
        if row is None:
            return self.add_org(enterprise_id, login, name=name, created_at=created_at), "created"
        if row.enterprise_id != enterprise_id:
            raise InvalidInput(f"organization {login!r} belongs to another enterprise")
        changed = self._update_changed(o, row, {"name": name})
        if changed:
            self._touch(enterprise_id, nothing=True)
        return row.id, "updated" if changed else "unchanged"

    def add_team(
        self,
        enterprise_id: int,
        slug: str,
        *,
        org_id: int | None = None,
        name: str | None = None,
        members: Sequence[int] = (),
        created_at: dt.datetime | None = None,
    ) -> int:
        """A team of an organization, or an enterprise team when ``org_id`` is None."""
        tid = self._insert(
            t.teams,
            enterprise_id=enterprise_id,
            organization_id=org_id,
            slug=slug,
            name=name or slug,
            created_at=created_at or utcnow(),
        )
        for uid in members:
            self._insert(t.team_members, team_id=tid, user_id=uid)
        self._touch(enterprise_id, nothing=True)
        return tid

    def upsert_team(
        self, enterprise_id: int, org_id: int | None, slug: str, *, name: str | None = None
    ) -> tuple[int, Outcome]:
        tm = t.teams
        org = tm.c.organization_id == org_id if org_id is not None else tm.c.organization_id.is_(None)
        row = self.conn.execute(
            sa.select(tm).where(tm.c.enterprise_id == enterprise_id, org, tm.c.slug == slug)
        ).first()
        if row is None:
            return self.add_team(enterprise_id, slug, org_id=org_id, name=name), "created"
        changed = self._update_changed(tm, row, {"name": name})
        if changed:
            self._touch(enterprise_id, nothing=True)
        return row.id, "updated" if changed else "unchanged"

    def set_team_member(self, team_id: int, user_id: int, member: bool) -> Outcome:
        """Add (``member``) or remove a person from a team; "unchanged" if already so."""
        tmm = t.team_members
        where = sa.and_(tmm.c.team_id == team_id, tmm.c.user_id == user_id)
        present = self.conn.execute(sa.select(tmm.c.team_id).where(where)).first() is not None
        if present == member:
            return "unchanged"
        self._touch(self._enterprise_of(t.teams, team_id), nothing=True)
        if member:
            self._insert(tmm, team_id=team_id, user_id=user_id)
            return "created"
        self.conn.execute(sa.delete(tmm).where(where))
        return "updated"

    def add_user(
        self,
        enterprise_id: int,
        login: str,
        *,
        name: str | None = None,
        emails: Sequence[str] = (),
        unverified_emails: Sequence[str] = (),
        verified_domain_emails: Sequence[str] = (),
        saml_name_id: str | None = None,
        scim_user_name: str | None = None,
        two_factor: bool | None = True,
        two_factor_required_by: dt.date | None = None,
        suspended_at: dt.datetime | None = None,
        dormant: bool = False,
        is_bot: bool = False,
        created_at: dt.datetime | None = None,
    ) -> int:
        """A cloud account. The first of ``emails`` is primary; all of ``emails`` are verified."""
        uid = self._insert(
            t.users,
            enterprise_id=enterprise_id,
            login=login,
            name=name,
            saml_name_id=saml_name_id,
            scim_user_name=scim_user_name,
            two_factor=two_factor,
            two_factor_required_by=two_factor_required_by,
            suspended_at=suspended_at,
            dormant=dormant,
            is_bot=is_bot,
            created_at=created_at or utcnow(),
        )
        domain = {normalize_email(e) for e in verified_domain_emails}
        seen: set[str] = set()
        for i, email in enumerate([*emails, *verified_domain_emails]):
            e = normalize_email(email)
            if e and e not in seen:
                seen.add(e)
                self._insert(
                    t.user_emails,
                    user_id=uid,
                    email=e,
                    verified=True,
                    is_primary=(i == 0),
                    verified_domain=e in domain,
                )
        for email in unverified_emails:
            e = normalize_email(email)
            if e and e not in seen:
                seen.add(e)
                self._insert(t.user_emails, user_id=uid, email=e, verified=False, is_primary=False)
        # Invitations to this login or these emails may now resolve to the account.
        self._touch(enterprise_id, users=(uid,), keys=(login, *seen), committers=(uid,))
        return uid

    def upsert_user(
        self,
        enterprise_id: int,
        login: str,
        *,
        name: str | None = None,
        emails: Sequence[str] = (),
        two_factor: bool | None = None,
        suspended: bool | None = None,
        is_bot: bool | None = None,
        at: dt.datetime | None = None,
    ) -> tuple[int, Outcome]:
        """A cloud account by login: created, or its name/2FA/suspension/bot flag brought up to
        date (None leaves what the ledger has) and missing ``emails`` added as verified (emails
        are never removed by an import)."""
        u, ue = t.users, t.user_emails
        row = self.conn.execute(sa.select(u).where(u.c.enterprise_id == enterprise_id, u.c.login == login)).first()
        if row is None:
            uid = self.add_user(
                enterprise_id,
                login,
                name=name,
                emails=emails,
                two_factor=two_factor,
                is_bot=bool(is_bot),
                suspended_at=(at or utcnow()) if suspended else None,
                created_at=at,
            )
            return uid, "created"
        changed = self._update_changed(u, row, {"name": name, "two_factor": two_factor, "is_bot": is_bot})
        if suspended is True and row.suspended_at is None:
            self.suspend_user(row.id, at)
            changed = True
        elif suspended is False and row.suspended_at is not None:
            self.conn.execute(sa.update(u).where(u.c.id == row.id).values(suspended_at=None))
            changed = True
        known = set(self.conn.execute(sa.select(ue.c.email).where(ue.c.user_id == row.id)).scalars())
        for email in emails:
            e = normalize_email(email)
            if e and e not in known:
                self.add_email(row.id, e, verified=True, primary=not known)
                known.add(e)
                changed = True
        if changed:
            self._touch(enterprise_id, users=(row.id,), committers=(row.id,))
        return row.id, "updated" if changed else "unchanged"

    def add_email(self, user_id: int, email: str, *, verified: bool = True, primary: bool = False) -> None:
        self._insert(
            t.user_emails, user_id=user_id, email=normalize_email(email), verified=verified, is_primary=primary
        )
        e = normalize_email(email)
        self._touch_user(user_id, users=(user_id,), keys=(e,), committers=(user_id,))

    def verify_email(self, user_id: int, email: str) -> Outcome:
        """``email`` is a verified email of the person: added, or an unverified one marked
        verified ("unchanged" if it already was). Their commits then count for them."""
        ue = t.user_emails
        e = normalize_email(email)
        row = self.conn.execute(
            sa.select(ue.c.id, ue.c.verified).where(ue.c.user_id == user_id, ue.c.email == e)
        ).first()
        if row is None:
            self.add_email(user_id, email, verified=True)
            return "created"
        if row.verified:
            return "unchanged"
        self.conn.execute(sa.update(ue).where(ue.c.id == row.id).values(verified=True))
        self._touch_user(user_id, users=(user_id,), keys=(e,), committers=(user_id,))
        return "updated"

    def suspend_user(self, user_id: int, at: dt.datetime | None = None) -> None:
        self.conn.execute(sa.update(t.users).where(t.users.c.id == user_id).values(suspended_at=at or utcnow()))
        self._touch_user(user_id, users=(user_id,))

    def find_user_by_email(self, enterprise_id: int, email: str) -> int | None:
        """The enterprise's cloud account with this *verified* email (lowest id if several)."""
        u, ue = t.users, t.user_emails
        uid = self.conn.execute(
            sa.select(sa.func.min(u.c.id))
            .join(ue, ue.c.user_id == u.c.id)
            .where(u.c.enterprise_id == enterprise_id, ue.c.email == normalize_email(email), ue.c.verified == sa.true())
        ).scalar()
        return int(uid) if uid is not None else None
