"""The ledger's writes of Copilot seats: assigned, cancelled from a date, withdrawn by a source."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from seatledger.db import provenance
from seatledger.db import tables as t
from seatledger.db.clock import utcnow
from seatledger.db.ledger_writer import LedgerWriter, Outcome
from seatledger.errors import InvalidInput


class CopilotWrites(LedgerWriter):
    """Copilot seats."""

    def add_copilot_seat(
        self,
        org_id: int,
        user_id: int,
        *,
        plan: str = "business",
        assigning_team_id: int | None = None,
        created_at: dt.datetime | None = None,
        pending_cancellation_date: dt.date | None = None,
        ended_at: dt.datetime | None = None,
        last_authenticated_at: dt.datetime | None = None,
        last_activity_at: dt.datetime | None = None,
        last_activity_editor: str | None = None,
    ) -> int:
        if plan not in ("business", "enterprise"):
            raise InvalidInput(f"Copilot plan must be 'business' or 'enterprise', not {plan!r}")
        self._touch_org(org_id, nothing=True)
        return self._insert(
            t.copilot_seats,
            organization_id=org_id,
            user_id=user_id,
            assigning_team_id=assigning_team_id,
            plan=plan,
            created_at=created_at or utcnow(),
            pending_cancellation_date=pending_cancellation_date,
            ended_at=ended_at,
            last_authenticated_at=last_authenticated_at,
            last_activity_at=last_activity_at,
            last_activity_editor=last_activity_editor,
        )

    def upsert_copilot_seat(
        self,
        org_id: int,
        user_id: int,
        *,
        plan: str = "business",
        created_at: dt.datetime | None = None,
        pending_cancellation_date: dt.date | None = None,
        last_authenticated_at: dt.datetime | None = None,
        last_activity_at: dt.datetime | None = None,
        last_activity_editor: str | None = None,
        at: dt.datetime | None = None,
        source: str | None = None,
    ) -> Outcome:
        """The user's Copilot seat in the org as ``source`` lists it at ``at``: created, or
        brought up to date. A pending cancellation ends the seat at the start of its date, as
        :meth:`cancel_copilot_seat` does; a seat listed without one has none (a withdrawn
        cancellation reopens it).

        The seat updated is the latest one not revoked, when it still holds at ``at`` or the
        source's ``created_at`` is before its end (the same seat, its cancellation date
        passed); otherwise the listed seat is a new one."""
        cs = t.copilot_seats
        now = at or utcnow()
        ends = (
            dt.datetime.combine(pending_cancellation_date, dt.time()) if pending_cancellation_date is not None else None
        )
        row = self.conn.execute(
            sa.select(cs)
            .where(
                cs.c.organization_id == org_id,
                cs.c.user_id == user_id,
                sa.or_(cs.c.ended_at.is_(None), cs.c.pending_cancellation_date.is_not(None)),
            )
            .order_by(cs.c.id.desc())
            .limit(1)
        ).first()
        if (
            row is not None
            and row.ended_at is not None
            and row.ended_at <= now
            and not (created_at is not None and created_at < row.ended_at)
        ):
            row = None
        if row is None:
            self._asserted(
                cs,
                self.add_copilot_seat(
                    org_id,
                    user_id,
                    plan=plan,
                    created_at=created_at,
                    pending_cancellation_date=pending_cancellation_date,
                    ended_at=ends,
                    last_authenticated_at=last_authenticated_at,
                    last_activity_at=last_activity_at,
                    last_activity_editor=last_activity_editor,
                ),
                source,
            )
            return "created"
        self._asserted(cs, row.id, source)
        changed = self._update_changed(
            cs,
            row,
            {
                "plan": plan,
                "last_authenticated_at": last_authenticated_at,
                "last_activity_at": last_activity_at,
                "last_activity_editor": last_activity_editor,
            },
        )
        if (row.pending_cancellation_date, row.ended_at) != (pending_cancellation_date, ends):
            self.conn.execute(
                sa.update(cs)
                .where(cs.c.id == row.id)
                .values(pending_cancellation_date=pending_cancellation_date, ended_at=ends)
            )
            changed = True
        if changed:
            self._touch_org(org_id, nothing=True)
        return "updated" if changed else "unchanged"

    def cancel_copilot_seat(self, seat_id: int, effective: dt.datetime) -> None:
        """Unassign a seat: it stays until ``effective`` (the next cycle start), then ends."""
        self.conn.execute(
            sa.update(t.copilot_seats)
            .where(t.copilot_seats.c.id == seat_id)
            .values(pending_cancellation_date=effective.date(), ended_at=effective)
        )
        self._touch_copilot_seat(seat_id)

    def withdraw_copilot_cancellation(self, seat_id: int) -> None:
        """Re-assigning a seat pending cancellation keeps it: the cancellation is withdrawn."""
        self.conn.execute(
            sa.update(t.copilot_seats)
            .where(t.copilot_seats.c.id == seat_id)
            .values(pending_cancellation_date=None, ended_at=None)
        )
        self._touch_copilot_seat(seat_id)

    def withdraw_copilot_seat(self, seat_id: int, source: str, at: dt.datetime) -> bool:
        """``source`` lists the seat no more: it ends at ``at`` unless another source asserts it."""
        if not provenance.withdraw(self.conn, t.copilot_seats, seat_id, source):
            return False
        self.conn.execute(sa.update(t.copilot_seats).where(t.copilot_seats.c.id == seat_id).values(ended_at=at))
        self._touch_copilot_seat(seat_id)
        return True

    def _touch_copilot_seat(self, seat_id: int) -> None:
        org_id = self.conn.execute(
            sa.select(t.copilot_seats.c.organization_id).where(t.copilot_seats.c.id == seat_id)
        ).scalar()
        if org_id is not None:
            self._touch_org(int(org_id), nothing=True)
