"""Fixtures of the report tests; the ledger they build lives in reports_ledger.py."""

from __future__ import annotations

from typing import Iterator

import pytest
from sqlalchemy.engine import Engine

from reports_ledger import SmallLedger, build_small_ledger


@pytest.fixture
def small_ledger(engine: Engine) -> Iterator[SmallLedger]:
    yield build_small_ledger(engine)
