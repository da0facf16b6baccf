"""Advanced Security: covering index for the committers in the push window

Revision ID: 0002_ghas_indexes
Revises: 0001
"""

from alembic import op


revision = "0002_ghas_indexes"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_commits_repo_pushed_email", "commits", ["repository_id", "pushed_at", "author_email"])


def downgrade() -> None:
    op.drop_index("ix_commits_repo_pushed_email", table_name="commits")
