"""Re-matching after an import (``ingest/rematch.py``): server accounts and Visual Studio
subscribers are matched to people in the importer's own transaction, and the report says how
many were matched. The matching rules themselves are held by tests/licensing/test_matching.py."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from seatledger.db import tables as t
from seatledger.db.ledger import Ledger
from seatledger.ingest.people import ingest_people
from seatledger.ingest.rematch import rematch_enterprise
from seatledger.ingest.report import ImportReport


def _matches(conn: Connection) -> dict[str, int | None]:
    sa_, vs = t.server_accounts, t.vs_subscriptions
    found = dict(conn.execute(sa.select(sa_.c.login, sa_.c.matched_user_id)).all())
    found.update(conn.execute(sa.select(vs.c.subscriber_email, vs.c.matched_user_id)).all())
    return found


def test_the_report_notes_how_many_accounts_and_subscribers_were_matched_and_left_unmatched(engine: Engine) -> None:
    with engine.begin() as conn:
        ledger = Ledger(conn)
        eid = ledger.add_enterprise("acme")
        ada = ledger.add_user(eid, "ada", emails=["ada@acme.test"])
        sid = ledger.add_server(eid, None, "ghes.acme.test")
        ledger.add_server_account(sid, 1, "ada-ghes", primary_email="ada@acme.test")
        ledger.add_server_account(sid, 2, "bob-ghes", primary_email="bob@acme.test")
        ledger.add_vs_subscription(eid, "ADA@acme.test")
        ledger.add_vs_subscription(eid, "zed@acme.test")
        report = ImportReport(source="test")
        rematch_enterprise(conn, eid, report)
        assert _matches(conn) == {"ada-ghes": ada, "bob-ghes": None, "ada@acme.test": ada, "zed@acme.test": None}
    assert report.notes == ["matched: 1 server accounts (1 unmatched), 1 Visual Studio subscribers (1 unmatched)"]


def test_a_person_imported_after_their_subscription_and_server_account_is_matched_by_that_import(
    engine: Engine,
) -> None:
    """The importer that writes the person re-matches: no stale unmatched rows are left for a
    later import to fix."""
    with engine.begin() as conn:
        ledger = Ledger(conn)
        eid = ledger.add_enterprise("acme")
        sid = ledger.add_server(eid, None, "ghes.acme.test")
        ledger.add_server_account(sid, 1, "ada-ghes", primary_email="ada@acme.test")
        ledger.add_vs_subscription(eid, "ada@acme.test")
    with engine.begin() as conn:
        report = ingest_people(conn, b"login,emails,org,role\nada,ada@acme.test,eng,member\n", "acme")
    with engine.connect() as conn:
        ada = conn.execute(sa.select(t.users.c.id).where(t.users.c.login == "ada")).scalar_one()
        assert _matches(conn) == {"ada-ghes": ada, "ada@acme.test": ada}
    assert "matched: 1 server accounts (0 unmatched), 1 Visual Studio subscribers (0 unmatched)" in report.notes
