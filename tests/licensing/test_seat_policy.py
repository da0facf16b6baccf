"""The seat product and the policy it implies: metered with nothing purchased unless a volume
product is set; pending invitations consume under volume, or under metered when the enterprise
says so; the cloud people holding a seat at an instant."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from seatledger.db import tables as t
from seatledger.errors import NotFound
from seatledger.licensing.scope import get_enterprise
from seatledger.licensing.seat_policy import Product, consuming_user_ids, load_product, policy_for
from tests.factories import T0, EnterpriseBuilder

DAY = dt.timedelta(days=1)


def test_an_enterprise_without_a_seat_product_is_metered_with_none_purchased(engine: Engine) -> None:
    with engine.begin() as conn:
        b = EnterpriseBuilder(conn)
        assert load_product(conn, b.id) == Product("metered", 0, None)
        b.ledger.set_product(
            b.id, t.PRODUCT_ENTERPRISE, billing="volume", purchased=25, expires_at=dt.date(2027, 1, 31)
        )
        assert load_product(conn, b.id) == Product("volume", 25, dt.date(2027, 1, 31))


@pytest.mark.parametrize(
    ("billing", "setting", "consume"),
    [
        ("metered", True, True),
        ("metered", False, False),
        ("volume", False, True),
        ("volume", True, True),
    ],
)
def test_pending_invitations_consume_under_volume_or_when_a_metered_enterprise_says_so(
    engine: Engine, billing: str, setting: bool, consume: bool
) -> None:
    with engine.begin() as conn:
        b = EnterpriseBuilder(conn, pending_invites_consume_metered=setting)
        b.ledger.set_product(b.id, t.PRODUCT_ENTERPRISE, billing=billing, purchased=10)
        assert policy_for(conn, get_enterprise(conn, "acme")).org_invitations_consume is consume


def test_the_cloud_people_holding_a_seat_at_an_instant(engine: Engine) -> None:
    with engine.begin() as conn:
        b = EnterpriseBuilder(conn)
        ann, bob = b.member("octo", "ann"), b.member("octo", "bob")
        b.ledger.end_membership(b.org("octo"), bob, at=T0 + 10 * DAY)
        b.invite("octo", email="new@x.test")  # an invitee holds a seat but has no cloud account
        b.user("cid")  # in no organization: no seat

        def holders(at: dt.datetime) -> set[int]:
            return set(conn.execute(consuming_user_ids(conn, b.id, at)).scalars())

        assert holders(T0 + DAY) == {ann, bob}
        assert holders(T0 + 10 * DAY) == {ann}
        with pytest.raises(NotFound, match="no enterprise with id"):
            consuming_user_ids(conn, b.id + 1000, T0)
        assert (
            conn.execute(
                sa.select(sa.func.count()).select_from(consuming_user_ids(conn, b.id, T0 + DAY).subquery())
            ).scalar()
            == 2
        )  # composable SQL
