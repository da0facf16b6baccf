"""Tables of metered billing: the price catalog and the usage-report exports.

``prices`` holds GitHub's list prices (``enterprise_id`` NULL, seeded by migration
``0002_billing``) and per-enterprise negotiated prices; a row applies from ``effective_from``
until a later row for the same (enterprise, sku) takes over. Money is ``Numeric``, never float.
"""

from __future__ import annotations

from sqlalchemy import Column, Date, DateTime, ForeignKey, Index, Integer, Numeric, String, Table, Text

from seatledger.db.tables import metadata

prices = Table(
    "prices",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
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
