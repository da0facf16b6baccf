"""Tables of billing: the price catalog, what was bought, and the usage-report exports.

``prices`` holds GitHub's list prices (``enterprise_id`` NULL, seeded by migration
``0002_billing``) and per-enterprise negotiated prices; a row applies from ``effective_from``
until a later row for the same (enterprise, sku) takes over. Money is ``Numeric``, never float.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from seatledger.db.schema_base import id_column, metadata

prices = Table(
    "prices",
    metadata,
    id_column(),
    Column("sku", String(60), nullable=False),
    Column("product", String(40), nullable=False),
    Column("unit_type", String(40), nullable=False),
    Column("price_per_unit", Numeric(12, 4), nullable=False),
    # NULL = GitHub's list price; set = a price negotiated by that enterprise.
    Column("enterprise_id", ForeignKey("enterprises.id"), nullable=True),
    Column("discount_percent", Numeric(5, 2), nullable=False, default=0),
    Column("effective_from", Date, nullable=False),
    Index("ix_prices_sku_enterprise_from", "sku", "enterprise_id", "effective_from"),
)

usage_report_exports = Table(
    "usage_report_exports",
    metadata,
    Column("id", String(36), primary_key=True),  # uuid, as GitHub's
    Column("enterprise_id", ForeignKey("enterprises.id"), nullable=False, index=True),
    Column("report_type", String(20), nullable=False),  # detailed | summarized
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=False),
    Column("status", String(20), nullable=False),  # processing | completed | failed
    Column("file_path", String(500), nullable=True),
    Column("created_at", DateTime, nullable=False),
    Column("actor_user_id", Integer, nullable=True),
    Column("actor_login", String(100), nullable=True),
    Column("error", Text, nullable=True),
    # The export job (export_jobs) that writes it; its status is the export's (migration 0004).
    Column("export_job_id", Integer, nullable=True, index=True),
)

# What an enterprise bought of each product, as dated facts: a row is the billing model, the
# purchased count and the expiry in effect from ``effective_from`` until the product's next
# row. ``enterprise_products`` keeps the row in effect today, which the counting reads.
# Migration 0005_ingest_purchases.
product_purchases = Table(
    "product_purchases",
    metadata,
    id_column(),
    Column("enterprise_id", ForeignKey("enterprises.id"), nullable=False),
    Column("product", String(40), nullable=False),
    Column("billing", String(20), nullable=False),  # metered | volume
    Column("purchased", Integer, nullable=False),
    Column("expires_at", Date, nullable=True),
    Column("effective_from", Date, nullable=False),
    Column("source", String(40), nullable=False),  # cli | sync | ledger (what the ledger held before)
    Column("recorded_at", DateTime, nullable=False),
    UniqueConstraint("enterprise_id", "product", "effective_from"),
)
