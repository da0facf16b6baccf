"""export jobs remember the instant a report counts at when it is asked from a page at a
picked date: export_jobs.as_of (NULL: at the instant it was requested)

Revision ID: 0010_h19b_export_as_of
Revises: 0009_merge_heads
"""
from alembic import op
import sqlalchemy as sa


revision = "0010_h19b_export_as_of"
down_revision = "0009_merge_heads"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("export_jobs") as batch:
        batch.add_column(sa.Column("as_of", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("export_jobs") as batch:
        batch.drop_column("as_of")
