"""Tables of the web pages' sign-in: server-side sessions and failed sign-ins.

Both live in the database (not in the process) so any number of ``serve`` processes share
them: a sign-out on one ends the session on all, and a lockout holds whichever process the
next guess reaches.
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, ForeignKey, Integer, String, Table

from seatledger.db.schema_base import metadata

web_sessions = Table(
    "web_sessions",
    metadata,
    # The SHA-256 (hex) of the random token the cookie carries: a copy of the table signs nobody in.
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", ForeignKey("users.id"), nullable=False, index=True),
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
    # Set at sign-out (and when the person is suspended): the cookie stops working at once.
    Column("revoked_at", DateTime, nullable=True),
)

signin_failures = Table(
    "signin_failures",
    metadata,
    # "login:<login, lower-cased>" or "address:<client address>".
    Column("key", String(300), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("last_failed_at", DateTime, nullable=False),
    Column("locked_until", DateTime, nullable=True),
)
