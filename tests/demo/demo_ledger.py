"""The instant the demo tests build the demo at, and counting its rows."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.engine import Engine

ANCHOR = dt.datetime(2026, 6, 15)


def count(engine: Engine, query: sa.Select) -> int:
    """How many rows ``query`` gives."""
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(query.subquery())).scalar_one())
