"""digests: who subscribes to an enterprise's weekly or monthly digest email

Revision ID: 0010_h21b_digests
Revises: 0009_merge_heads
"""

from alembic import op
import sqlalchemy as sa


revision = "0010_h21b_digests"
down_revision = "0009_merge_heads"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "digest_subscriptions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("enterprise_id", sa.Integer(), sa.ForeignKey("enterprises.id"), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("frequency", sa.String(10), nullable=False),
        sa.Column("subscribed_at", sa.DateTime(), nullable=False),
        sa.Column("last_sent_at", sa.DateTime(), nullable=True),
        sa.UniqueConstraint("enterprise_id", "user_id"),
    )


def downgrade() -> None:
    op.drop_table("digest_subscriptions")
