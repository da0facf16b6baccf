"""export job parameters (the usage report's type and date range)

Revision ID: 0003_exports_params
Revises: 0002_exports
"""

from alembic import op
import sqlalchemy as sa


revision = "0003_exports_params"
down_revision = "0002_exports"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("export_jobs") as batch:
        batch.add_column(sa.Column("params", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("export_jobs") as batch:
        batch.drop_column("params")
