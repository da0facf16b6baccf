"""Tables of the REST API: the per-token hourly rate-limit windows.

The count lives in the database (not in the process) so several ``serve`` processes behind
a proxy share one limit per token.
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, ForeignKey, Integer, Table

from seatledger.db.schema_base import metadata

api_rate_windows = Table(
    "api_rate_windows",
    metadata,
    Column("token_id", ForeignKey("api_tokens.id"), primary_key=True),
    # Start of the fixed one-hour window (naive UTC, on the hour).
    Column("window_start", DateTime, primary_key=True),
    Column("used", Integer, nullable=False, default=0),
)
