"""Who reclaimed which Copilot seat and when (the Reclaim view's *cancel selected*): the seat's
own row says it is pending cancellation, this says who asked for it (migration 0010)."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, ForeignKey, String, Table

from seatledger.db.schema_base import id_column, metadata

copilot_reclaims = Table(
    "copilot_reclaims",
    metadata,
    id_column(),
    Column("enterprise_id", ForeignKey("enterprises.id"), nullable=False, index=True),
    Column("seat_id", ForeignKey("copilot_seats.id"), nullable=False),
    Column("cancelled_by_user_id", ForeignKey("users.id"), nullable=False),
    Column("cancelled_at", DateTime, nullable=False),
    Column("reason", String(20), nullable=False),  # never_used | idle, as the dry run listed it
)
