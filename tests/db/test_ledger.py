"""The composed write API: a Ledger looks up what it writes to, and names what is missing.

(Each area of writes has its file beside this one: test_ledger_accounts.py, test_ledger_access.py,
... ; the bulk loader and the version tracking: test_bulk_load.py, test_versions.py.)
"""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from seatledger.db.ledger import Ledger
from seatledger.errors import NotFound
from tests.factories import EnterpriseBuilder


def test_lookups_name_what_is_missing(engine: Engine) -> None:
    with engine.begin() as conn:
        b = EnterpriseBuilder(conn)
        ann = b.user("ann")
        octo = b.org("octo")
        ledger = Ledger(conn)
        assert (ledger.enterprise_id("acme"), ledger.org_id("octo"), ledger.user_id(b.id, "ann")) == (b.id, octo, ann)
        assert ledger.user_id(b.id, "nobody") is None
        with pytest.raises(NotFound, match="no enterprise 'nope'"):
            ledger.enterprise_id("nope")
        with pytest.raises(NotFound, match="no organization 'nope'"):
            ledger.org_id("nope")
