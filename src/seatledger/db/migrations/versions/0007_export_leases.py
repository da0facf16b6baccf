"""export jobs get a lease: export_jobs.lease_until, renewed by the running worker's heartbeat,
so a job whose worker died is found and retried or failed

Revision ID: 0007_export_leases
Revises: 0006_web_sessions
"""

from alembic import op
import sqlalchemy as sa


revision = "0007_export_leases"
down_revision = "0006_web_sessions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("export_jobs") as batch:
        batch.add_column(sa.Column("lease_until", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("export_jobs") as batch:
        batch.drop_column("lease_until")
