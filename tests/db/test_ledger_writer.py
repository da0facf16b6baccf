"""What every write shares: emails are normalised one way, and a value that does not fit its
column is refused on both databases (SQLite would store it) before anything is written."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from seatledger.db import tables as t
from seatledger.db.ledger_writer import normalize_email
from seatledger.errors import InvalidInput
from tests.factories import EnterpriseBuilder


def test_an_email_is_kept_trimmed_and_lower_case_and_an_empty_one_is_none() -> None:
    assert normalize_email("  Ann@Example.TEST ") == "ann@example.test"
    assert normalize_email("") is None
    assert normalize_email(None) is None


def test_a_value_longer_than_its_column_is_refused_on_insert_and_on_update(engine: Engine) -> None:
    with engine.begin() as conn:
        b = EnterpriseBuilder(conn)
        octo = b.org("octo")
        with pytest.raises(InvalidInput, match="login"):
            b.ledger.add_org(b.id, "x" * 101)
        with pytest.raises(InvalidInput, match="name"):
            b.ledger.upsert_org(b.id, "octo", name="y" * 201)
        o = t.organizations
        assert conn.execute(sa.select(o.c.id, o.c.name)).all() == [(octo, "octo")]
