"""The ledger's accounts: emails are kept lower case, and verifying one says what it changed."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from seatledger.db import tables as t
from tests.factories import EnterpriseBuilder


def test_emails_are_kept_lower_case_and_verifying_one_says_what_changed(engine: Engine) -> None:
    with engine.begin() as conn:
        b = EnterpriseBuilder(conn)
        ann = b.user("ann", emails=[" Ann@Example.TEST "], unverified_emails=["old@example.test"])
        ledger = b.ledger
        assert ledger.find_user_by_email(b.id, "ann@example.test") == ann
        assert ledger.verify_email(ann, "ANN@example.test") == "unchanged"
        assert ledger.verify_email(ann, "old@example.test") == "updated"
        assert ledger.verify_email(ann, "new@example.test") == "created"
        ue = t.user_emails
        rows = set(conn.execute(sa.select(ue.c.email, ue.c.verified).where(ue.c.user_id == ann)))
        assert rows == {("ann@example.test", True), ("old@example.test", True), ("new@example.test", True)}
