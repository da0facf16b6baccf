"""billing: price catalog (seeded with GitHub's list prices) and usage report exports

Revision ID: 0002_billing
Revises: 0001
"""

import datetime as dt
from decimal import Decimal

from alembic import op
import sqlalchemy as sa


revision = "0002_billing"
down_revision = "0001"
branch_labels = None
depends_on = None

# GitHub's public list prices per user (or active committer) per month, USD.
LIST_PRICES = [
    ("ghec_licenses", "ghec", "user-months", Decimal("21.00")),
    ("ghas_secret_protection_licenses", "ghas", "user-months", Decimal("19.00")),
    ("ghas_code_security_licenses", "ghas", "user-months", Decimal("30.00")),
    ("copilot_for_business", "copilot", "user-months", Decimal("19.00")),
    ("copilot_enterprise", "copilot", "user-months", Decimal("39.00")),
]


def upgrade() -> None:
    prices = op.create_table(
        "prices",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("sku", sa.String(length=60), nullable=False),
        sa.Column("product", sa.String(length=40), nullable=False),
        sa.Column("unit_type", sa.String(length=40), nullable=False),
        sa.Column("price_per_unit", sa.Numeric(12, 4), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=True),
        sa.Column("discount_percent", sa.Numeric(5, 2), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprises.id"], name=op.f("fk_prices_enterprise_id_enterprises")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prices")),
    )
    op.create_index("ix_prices_sku_enterprise_from", "prices", ["sku", "enterprise_id", "effective_from"])
    op.bulk_insert(
        prices,
        [
            {
                "sku": sku,
                "product": product,
                "unit_type": unit,
                "price_per_unit": price,
                "enterprise_id": None,
                "discount_percent": Decimal("0"),
                "effective_from": dt.date(2020, 1, 1),
            }
            for sku, product, unit, price in LIST_PRICES
        ],
    )
    op.create_table(
        "usage_report_exports",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("report_type", sa.String(length=20), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("file_path", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("actor_login", sa.String(length=100), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprises.id"], name=op.f("fk_usage_report_exports_enterprise_id_enterprises")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_usage_report_exports")),
    )
    op.create_index(op.f("ix_usage_report_exports_enterprise_id"), "usage_report_exports", ["enterprise_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_usage_report_exports_enterprise_id"), table_name="usage_report_exports")
    op.drop_table("usage_report_exports")
    op.drop_index("ix_prices_sku_enterprise_from", table_name="prices")
    op.drop_table("prices")
