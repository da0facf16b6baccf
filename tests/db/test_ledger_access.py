"""Who may reach what: roles, memberships, collaborators and invitations are ended, never
deleted; a write keeps the seat spans of whom it touched in the same transaction; a value
outside its list is refused before anything is written."""

from __future__ import annotations

import datetime as dt
from typing import Callable

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from seatledger.db import intervals
from seatledger.db import tables as t
from seatledger.db import tables_intervals as ti
from seatledger.db.ledger import Ledger
from seatledger.errors import InvalidInput
from tests.factories import T0, EnterpriseBuilder

DAY = dt.timedelta(days=1)


def _holds_seat(conn: Connection, enterprise_id: int, user_id: int, at: dt.datetime) -> bool:
    """Whether the kept enterprise-wide seat span of the person covers ``at`` (flushed first, as
    every reader does, so a transaction sees the intervals of its own writes)."""
    intervals.flush(conn)
    s = ti.seat_spans
    return (
        conn.execute(
            sa.select(sa.func.count()).where(
                s.c.enterprise_id == enterprise_id,
                s.c.scope == ti.SCOPE_ENTERPRISE,
                s.c.user_id == user_id,
                s.c.started_at <= at,
                sa.or_(s.c.ended_at.is_(None), s.c.ended_at > at),
            )
        ).scalar()
        == 1
    )


def _memberships(conn: Connection, org_id: int, user_id: int) -> list[tuple[str, dt.datetime, dt.datetime | None]]:
    m = t.org_memberships
    return [
        (r.role, r.started_at, r.ended_at)
        for r in conn.execute(
            sa.select(m.c.role, m.c.started_at, m.c.ended_at)
            .where(m.c.organization_id == org_id, m.c.user_id == user_id)
            .order_by(m.c.id)
        )
    ]


def test_an_ended_membership_stays_ended_and_the_seat_span_ends_with_it(engine: Engine) -> None:
    with engine.begin() as conn:
        b = EnterpriseBuilder(conn)
        octo, ann = b.org("octo"), b.user("ann")
        b.ledger.add_membership(octo, ann, started_at=T0)
        assert _holds_seat(conn, b.id, ann, T0 + DAY)
        assert b.ledger.end_membership(octo, ann, at=T0 + 10 * DAY) == 1
        assert b.ledger.end_membership(octo, ann, at=T0 + 11 * DAY) == 0  # nothing open is left to end
    with engine.connect() as conn:
        assert _memberships(conn, octo, ann) == [("member", T0, T0 + 10 * DAY)]
        assert _holds_seat(conn, b.id, ann, T0 + 9 * DAY)
        assert not _holds_seat(conn, b.id, ann, T0 + 10 * DAY)


def test_ensure_membership_says_what_it_did_and_a_role_change_ends_the_old_row(engine: Engine) -> None:
    with engine.begin() as conn:
        b = EnterpriseBuilder(conn)
        octo, ann = b.org("octo"), b.user("ann")
        ledger = b.ledger
        assert ledger.ensure_membership(octo, ann, at=T0 + 5 * DAY) == "created"
        assert ledger.ensure_membership(octo, ann, at=T0 + 6 * DAY) == "unchanged"  # a later date moves nothing
        assert ledger.ensure_membership(octo, ann, at=T0) == "updated"  # an earlier one moves the start back
        assert ledger.ensure_membership(octo, ann, "owner", at=T0 + 20 * DAY) == "updated"
        assert _memberships(conn, octo, ann) == [("member", T0, T0 + 20 * DAY), ("owner", T0 + 20 * DAY, None)]
        assert _holds_seat(conn, b.id, ann, T0 + DAY)


def test_a_collaborator_ended_keeps_the_row_and_the_seat_ends_at_that_instant(engine: Engine) -> None:
    with engine.begin() as conn:
        b = EnterpriseBuilder(conn)
        bob = b.collaborator("octo", "secret", "bob")
        repo = b.repos["octo/secret"]
        assert _holds_seat(conn, b.id, bob, T0 + DAY)
        assert b.ledger.end_collaborator(repo, bob, at=T0 + 3 * DAY) == 1
        assert not _holds_seat(conn, b.id, bob, T0 + 3 * DAY)
        rc = t.repo_collaborators
        assert conn.execute(sa.select(rc.c.ended_at).where(rc.c.user_id == bob)).scalars().all() == [T0 + 3 * DAY]


def _fact_rows(conn: Connection) -> list[int]:
    return [
        conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
        for table in (t.org_memberships, t.enterprise_roles, t.invitations)
    ]


Write = Callable[[Ledger, EnterpriseBuilder], object]


@pytest.mark.parametrize(
    ("write", "message"),
    [
        (lambda led, b: led.add_membership(b.org("octo"), b.user("ann"), "admin"), "organization role must be"),
        (lambda led, b: led.add_enterprise_role(b.id, b.user("ann"), "admin"), "enterprise role must be"),
        (lambda led, b: led.add_invitation(b.org("octo"), login="ann", role="admin"), "invitation role 'admin'"),
        (lambda led, b: led.add_invitation(b.org("octo"), login="ann", status="sent"), "invitation status 'sent'"),
    ],
)
def test_a_value_outside_its_list_is_refused_and_nothing_is_written(engine: Engine, write: Write, message: str) -> None:
    with engine.begin() as conn:
        b = EnterpriseBuilder(conn)
        b.org("octo"), b.user("ann")
        before = _fact_rows(conn)
        with pytest.raises(InvalidInput, match=message):
            write(b.ledger, b)
        assert _fact_rows(conn) == before
