"""Who gets an enterprise's digest email, how often, and when it was last sent (migration
0010_h21b_digests).

These are not ledger facts: ``seatledger.digests`` writes them directly. A subscription is a
wish; whether the person still may read the enterprise's numbers is checked at each send.
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, ForeignKey, String, Table, UniqueConstraint

from seatledger.db.schema_base import id_column, metadata

DIGEST_FREQUENCIES = ("weekly", "monthly")

digest_subscriptions = Table(
    "digest_subscriptions",
    metadata,
    id_column(),
    Column("enterprise_id", ForeignKey("enterprises.id"), nullable=False),
    Column("user_id", ForeignKey("users.id"), nullable=False),
    Column("frequency", String(10), nullable=False),  # weekly | monthly
    Column("subscribed_at", DateTime, nullable=False),
    # The instant the last digest counted at: the next one tells the change since then.
    Column("last_sent_at", DateTime, nullable=True),
    UniqueConstraint("enterprise_id", "user_id"),
)
