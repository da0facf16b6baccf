"""export jobs

Revision ID: 0002_exports
Revises: 0001
"""

from alembic import op
import sqlalchemy as sa


revision = "0002_exports"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "export_jobs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("requester_user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("scope", sa.String(length=250), nullable=False),
        sa.Column("product", sa.String(length=40), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("file_path", sa.String(length=500), nullable=True),
        sa.Column("rows", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["requester_user_id"], ["users.id"], name=op.f("fk_export_jobs_requester_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_export_jobs")),
    )
    op.create_index("ix_export_jobs_requester_kind_status", "export_jobs", ["requester_user_id", "kind", "status"])


def downgrade() -> None:
    op.drop_index("ix_export_jobs_requester_kind_status", table_name="export_jobs")
    op.drop_table("export_jobs")
