"""Reading the kept seat reasons: those holding at an instant or during a window, through one
organization, or of a few people only; and the one way a person is named."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from seatledger.licensing.scope import get_enterprise
from seatledger.licensing.seat_policy import policy_for
from seatledger.licensing.seat_reasons import (
    REASON_ORG_MEMBER,
    REASON_PENDING_INVITATION,
    Only,
    Window,
    person_key,
    reasons,
)
from tests.factories import T0, EnterpriseBuilder

DAY = dt.timedelta(days=1)


def _held(
    conn: Connection, window: Window, org_id: int | None = None, only: Only | None = None
) -> set[tuple[str, str]]:
    policy = policy_for(conn, get_enterprise(conn, "acme"))
    sub = reasons(policy, window, org_id=org_id, only=only)
    return {(person_key(r.user_id, r.other_key), r.reason) for r in conn.execute(sa.select(sub))}


def test_a_person_is_named_by_their_account_else_by_their_key() -> None:
    assert person_key(7, None) == "user:7"
    assert person_key(None, "server:ann@x.test") == "server:ann@x.test"
    assert person_key(None, "invite:bob@x.test") == "invite:bob@x.test"


def test_a_reason_holds_at_instants_inside_its_span_and_in_windows_that_overlap_it(engine: Engine) -> None:
    with engine.begin() as conn:
        b = EnterpriseBuilder(conn)
        ann = b.member("octo", "ann")
        b.ledger.end_membership(b.org("octo"), ann, at=T0 + 10 * DAY)
        mine = {(f"user:{ann}", REASON_ORG_MEMBER)}
        assert _held(conn, Window(T0 + 5 * DAY)) == mine
        assert _held(conn, Window(T0 + 10 * DAY)) == set()  # the end is not inside
        assert _held(conn, Window(T0 + 9 * DAY, T0 + 30 * DAY)) == mine
        assert _held(conn, Window(T0 + 10 * DAY, T0 + 30 * DAY)) == set()


def test_reasons_through_one_organization_and_of_some_people_only(engine: Engine) -> None:
    with engine.begin() as conn:
        b = EnterpriseBuilder(conn)
        ann, bob = b.member("octo", "ann"), b.member("hubs", "bob")
        b.member("hubs", "ann")
        b.invite("octo", email="new@x.test")
        at = Window(T0 + DAY)
        everyone = {
            (f"user:{ann}", REASON_ORG_MEMBER),
            (f"user:{bob}", REASON_ORG_MEMBER),
            ("invite:new@x.test", REASON_PENDING_INVITATION),
        }
        assert _held(conn, at) == everyone
        assert _held(conn, at, org_id=b.org("hubs")) == {
            (f"user:{ann}", REASON_ORG_MEMBER),
            (f"user:{bob}", REASON_ORG_MEMBER),
        }
        assert _held(conn, at, only=Only(user_ids=(bob,))) == {(f"user:{bob}", REASON_ORG_MEMBER)}
        assert _held(conn, at, only=Only(key_suffixes=("new@x.test",))) == {
            ("invite:new@x.test", REASON_PENDING_INVITATION)
        }
        assert _held(conn, at, only=Only(user_ids=(ann, bob), key_suffixes=("new@x.test",))) == everyone
        assert _held(conn, at, only=Only()) == set()
