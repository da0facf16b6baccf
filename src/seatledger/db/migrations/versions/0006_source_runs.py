"""Freshness and coverage of each source (source_runs): per enterprise and source the first
and last successful import, what the last one covered, and the last failure with its reason.
Also merges the two 0005 heads.

Revision ID: 0006_source_runs
Revises: 0005_intervals, 0005_ingest_purchases
"""

from alembic import op
import sqlalchemy as sa


revision = "0006_source_runs"
down_revision = ("0005_intervals", "0005_ingest_purchases")
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "source_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("first_success_at", sa.DateTime(), nullable=True),
        sa.Column("last_success_at", sa.DateTime(), nullable=True),
        sa.Column("last_success_covered", sa.Text(), nullable=True),
        sa.Column("last_failure_at", sa.DateTime(), nullable=True),
        sa.Column("last_failure_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprises.id"], name=op.f("fk_source_runs_enterprise_id_enterprises")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_source_runs")),
        sa.UniqueConstraint("enterprise_id", "source", name=op.f("uq_source_runs_enterprise_id_source")),
    )


def downgrade() -> None:
    op.drop_table("source_runs")
