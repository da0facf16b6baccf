"""export jobs remember the instant a report counts at when it is asked from a page at a
picked date (export_jobs.as_of; NULL: at the instant it was requested); copilot_reclaims
records who reclaimed which Copilot seat and when

Revision ID: 0010_h19b_as_of_and_reclaims
Revises: 0009_merge_heads
"""

from alembic import op
import sqlalchemy as sa


revision = "0010_h19b_as_of_and_reclaims"
down_revision = "0009_merge_heads"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("export_jobs") as batch:
        batch.add_column(sa.Column("as_of", sa.DateTime(), nullable=True))
    op.create_table(
        "copilot_reclaims",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("enterprise_id", sa.Integer(), sa.ForeignKey("enterprises.id"), nullable=False),
        sa.Column("seat_id", sa.Integer(), sa.ForeignKey("copilot_seats.id"), nullable=False),
        sa.Column("cancelled_by_user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(), nullable=False),
        sa.Column("reason", sa.String(20), nullable=False),
    )
    op.create_index("ix_copilot_reclaims_enterprise_id", "copilot_reclaims", ["enterprise_id"])


def downgrade() -> None:
    op.drop_index("ix_copilot_reclaims_enterprise_id", "copilot_reclaims")
    op.drop_table("copilot_reclaims")
    with op.batch_alter_table("export_jobs") as batch:
        batch.drop_column("as_of")
