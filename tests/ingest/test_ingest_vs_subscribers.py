"""A Visual Studio subscriber list (``ingest/vs_subscribers.py``): imported, matched by verified
email, the dropped set inactive, a bad file refused whole."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ingest_files import acme_with_ada, snapshot
from seatledger.db import tables as t
from seatledger.errors import ImportRejected
from seatledger.ingest.vs_subscribers import ingest_vs_subscribers

VS_CSV = (
    "Email,Name,Subscription_Level,Status\n"
    "ADA@acme.test,Ada Lovelace,Visual Studio Enterprise,active\n"
    "zed@acme.test,Zed,Visual Studio Professional,\n"
).encode()


def test_subscribers_are_imported_matched_by_verified_email_and_the_unmatched_reported(engine: Engine) -> None:
    acme_with_ada(engine)
    with engine.begin() as conn:
        report = ingest_vs_subscribers(conn, VS_CSV, "acme")
    with engine.connect() as conn:
        rows = {r.subscriber_email: r for r in conn.execute(sa.select(t.vs_subscriptions))}
        ada_cloud = conn.execute(sa.select(t.users.c.id).where(t.users.c.login == "ada-cloud")).scalar_one()
    assert rows["ada@acme.test"].matched_user_id == ada_cloud
    assert rows["ada@acme.test"].level == "Visual Studio Enterprise"
    assert rows["zed@acme.test"].matched_user_id is None and rows["zed@acme.test"].status == "active"
    assert "unmatched subscriber: zed@acme.test" in report.notes
    assert "unmatched subscriber: ada@acme.test" not in report.notes


def test_reimporting_subscribers_changes_nothing_and_a_dropped_one_becomes_inactive(engine: Engine) -> None:
    acme_with_ada(engine)
    with engine.begin() as conn:
        ingest_vs_subscribers(conn, VS_CSV, "acme")
        again = ingest_vs_subscribers(conn, VS_CSV, "acme")
        assert not again.changed
        ingest_vs_subscribers(conn, b"email\nada@acme.test\n", "acme")
    with engine.connect() as conn:
        status = dict(conn.execute(sa.select(t.vs_subscriptions.c.subscriber_email, t.vs_subscriptions.c.status)).all())
    assert status == {"ada@acme.test": "active", "zed@acme.test": "inactive"}


@pytest.mark.parametrize(
    "csv_text,reason",
    [
        ("name\nAda\n", "missing column: email"),
        ("email,status\nada@acme.test,gone\n", "line 2: status must be active or inactive"),
        ("email\nnot-an-email\n", "line 2: email 'not-an-email' is not an email address"),
    ],
)
def test_a_bad_subscriber_file_is_rejected_whole(engine: Engine, csv_text: str, reason: str) -> None:
    acme_with_ada(engine)
    before = snapshot(engine)
    with pytest.raises(ImportRejected, match=reason):
        with engine.begin() as conn:
            ingest_vs_subscribers(conn, csv_text.encode(), "acme")
    assert snapshot(engine) == before
