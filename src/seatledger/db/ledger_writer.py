"""What every write of the ledger does, whatever it writes: check the row against its columns,
change the enterprise's version once per transaction (db/versions.py), mark the license
intervals it changed for deriving again at commit (db/intervals.py), and record which source
asserts a fact (db/provenance.py). The writes of each area build on :class:`LedgerWriter`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal, Mapping

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from seatledger.db import intervals
from seatledger.db import provenance
from seatledger.db import tables as t
from seatledger.db import versions
from seatledger.db.engine import inserted_id
from seatledger.validation import check_row

# What an importer's upsert did; importers tally the outcomes in their report.
Outcome = Literal["created", "updated", "unchanged"]


def normalize_email(email: str | None) -> str | None:
    return email.strip().lower() if email else None


class LedgerWriter:
    """The connection a Ledger writes through (the caller owns the transaction), and the steps
    its writes share."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._owners: dict[tuple[str, Any], int | None] = {}

    def _insert(self, table: sa.Table, **values: Any) -> int:
        check_row(table, values)  # the same refusal on both databases (SQLite stores any length)
        return inserted_id(self.conn.execute(sa.insert(table).values(**values)))

    def bump_version(self, enterprise_id: int, *, intervals_changed: bool = True) -> int:
        """Mark the enterprise's ledger as changed (its ``ETag`` keys on this) and, unless
        ``intervals_changed`` is False, every license interval of the enterprise for deriving
        again at commit (what a bulk load that named nobody needs). Once per transaction (see
        :func:`versions.bump`).
        """
        if intervals_changed:
            intervals.mark(self.conn, enterprise_id, everyone=True)
        return versions.bump(self.conn, enterprise_id)

    def _touch(self, enterprise_id: int | None, *, nothing: bool = False, **marks: Any) -> None:
        """Bump the version once per transaction (the usual case: already bumped, no query) and
        mark the intervals the write changed (``marks``: see :func:`intervals.mark`). A write
        that names nothing marks its whole enterprise; ``nothing`` says no interval changed."""
        if enterprise_id is None:
            return
        if not nothing:
            intervals.mark(self.conn, enterprise_id, **(marks or {"everyone": True}))
        if enterprise_id not in versions.bumped_in_transaction(self.conn):
            versions.bump(self.conn, enterprise_id)

    def _enterprise_of(self, table: sa.Table, row_id: int) -> int | None:
        """The enterprise of an organization, repository, server instance or user (one indexed
        lookup, remembered: a row never changes enterprise)."""
        key = (table.name, row_id)
        if key not in self._owners:
            eid = self.conn.execute(sa.select(table.c.enterprise_id).where(table.c.id == row_id)).scalar()
            self._owners[key] = int(eid) if eid is not None else None
        return self._owners[key]

    def _touch_org(self, org_id: int, **marks: Any) -> None:
        self._touch(self._enterprise_of(t.organizations, org_id), **marks)

    def _touch_repo(self, repository_id: int, **marks: Any) -> None:
        self._touch(self._enterprise_of(t.repositories, repository_id), **marks)

    def _touch_server(self, server_instance_id: int, **marks: Any) -> None:
        self._touch(self._enterprise_of(t.server_instances, server_instance_id), **marks)

    def _touch_user(self, user_id: int, **marks: Any) -> None:
        self._touch(self._enterprise_of(t.users, user_id), **marks)

    def _invitees(
        self, enterprise_id: int, login: str | None, user_id: int | None, email: str | None
    ) -> dict[str, Any]:
        """The marks of an invitation: whoever it may resolve to (spec 2.1), and its key."""
        u, ue = t.users, t.user_emails
        users: set[int | None] = {user_id}
        if login:
            users.add(
                self.conn.execute(
                    sa.select(u.c.id).where(u.c.enterprise_id == enterprise_id, u.c.login == login)
                ).scalar()
            )
        if email:
            users.update(
                self.conn.execute(
                    sa.select(ue.c.user_id)
                    .join(u, u.c.id == ue.c.user_id)
                    .where(ue.c.email == email, u.c.enterprise_id == enterprise_id)
                ).scalars()
            )
        return {"users": users, "keys": (login, email)}

    def _update_changed(self, table: sa.Table, row: Any, values: Mapping[str, Any]) -> bool:
        """Write only the columns whose value differs from ``row``; True if anything changed."""
        changed = {k: v for k, v in values.items() if v is not None and getattr(row, k) != v}
        check_row(table, changed)
        if changed:
            self.conn.execute(sa.update(table).where(table.c.id == row.id).values(**changed))
        return bool(changed)

    def _asserted(self, table: sa.Table, fact_id: int, source: str | None) -> None:
        if source is not None:
            provenance.assert_fact(self.conn, table, fact_id, source)

    def _withdrawn(self, table: sa.Table, *where: Any, source: str) -> bool:
        """Withdraw ``source`` from the open fact ``where`` names; True when none asserts it now."""
        row_id = self.conn.execute(sa.select(table.c.id).where(*where, table.c.ended_at.is_(None))).scalar()
        return row_id is not None and provenance.withdraw(self.conn, table, int(row_id), source)

    def _start_earlier(self, table: sa.Table, row: Any, at: dt.datetime | None) -> bool:
        """Start the open fact ``row`` at ``at`` when a source dates it earlier, so the start
        is the earliest any source gives, whatever the order of the imports."""
        if at is None or at >= row.started_at:
            return False
        self.conn.execute(sa.update(table).where(table.c.id == row.id).values(started_at=at))
        return True
