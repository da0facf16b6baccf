"""Server instances and their accounts: upserted by the server's own ids, each upsert says what
it did, and an account a new export no longer lists is removed."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from seatledger.db import tables as t
from seatledger.errors import InvalidInput
from tests.factories import T0, EnterpriseBuilder

DAY = dt.timedelta(days=1)


def test_a_server_account_is_upserted_by_its_user_id_and_removed_once_the_export_drops_it(engine: Engine) -> None:
    with engine.begin() as conn:
        b = EnterpriseBuilder(conn)
        other = EnterpriseBuilder(conn, "other")
        led = b.ledger
        sid, outcome = led.upsert_server(b.id, "srv-1", "ghes.acme.test")
        assert outcome == "created"
        assert led.upsert_server(b.id, "srv-1", "ghes.acme.test") == (sid, "unchanged")
        assert led.upsert_server(b.id, "srv-1", "ghes2.acme.test", version="3.12") == (sid, "updated")
        with pytest.raises(InvalidInput, match="belongs to another enterprise"):
            led.upsert_server(other.id, "srv-1", "ghes.other.test")

        def upsert(user_id: int, login: str, email: str | None, at: dt.datetime) -> str:
            return led.upsert_server_account(
                sid, user_id, login, primary_email=email, created_at=at, source="server_upload"
            )

        assert upsert(7, "ann", "Ann@Acme.TEST", T0 + DAY) == "created"
        assert upsert(7, "ann", "ann@acme.test", T0 + 2 * DAY) == "unchanged"  # a later date moves nothing
        assert upsert(7, "ann", "ann@acme.test", T0) == "updated"  # an earlier one moves the start back
        assert upsert(8, "bob", None, T0) == "created"
        assert led.remove_server_accounts(sid, {7}, "server_upload") == 1
        sac = t.server_accounts
        rows = conn.execute(sa.select(sac.c.user_id, sac.c.login, sac.c.primary_email, sac.c.created_at)).all()
        assert [tuple(r) for r in rows] == [(7, "ann", "ann@acme.test", T0)]
