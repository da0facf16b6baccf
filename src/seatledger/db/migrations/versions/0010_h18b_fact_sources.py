"""Provenance: which sources assert each open fact (fact_sources).

Existing facts get no row: a fact no source is recorded for reads as asserted by an unknown
source, which any full import that no longer lists it may end, as every import did before.

Revision ID: 0010_h18b_fact_sources
Revises: 0009_merge_heads
"""

from alembic import op
import sqlalchemy as sa


revision = "0010_h18b_fact_sources"
down_revision = "0009_merge_heads"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fact_sources",
        sa.Column("fact_table", sa.String(length=40), nullable=False),
        sa.Column("fact_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("fact_table", "fact_id", "source", name=op.f("pk_fact_sources")),
    )


def downgrade() -> None:
    op.drop_table("fact_sources")
