"""REST usage report exports run as export jobs: export_jobs.notify (mail the requester when
done; the REST API's send_email) and usage_report_exports.export_job_id (the job behind it)

Revision ID: 0004_usage_report_jobs
Revises: 0003_exports_params, 0002_billing
"""

from alembic import op
import sqlalchemy as sa


revision = "0004_usage_report_jobs"
down_revision = ("0003_exports_params", "0002_billing")
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("export_jobs") as batch:
        batch.add_column(sa.Column("notify", sa.Boolean(), nullable=False, server_default=sa.true()))
    with op.batch_alter_table("usage_report_exports") as batch:
        batch.add_column(sa.Column("export_job_id", sa.Integer(), nullable=True))
        batch.create_index("ix_usage_report_exports_export_job_id", ["export_job_id"])


def downgrade() -> None:
    with op.batch_alter_table("usage_report_exports") as batch:
        batch.drop_index("ix_usage_report_exports_export_job_id")
        batch.drop_column("export_job_id")
    with op.batch_alter_table("export_jobs") as batch:
        batch.drop_column("notify")
