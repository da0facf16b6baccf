"""Advanced Security: (author_email, repository_id, author_date, sha, pushed_at) replaces the
author_email index, so a person's latest push to a repository is one index probe

Revision ID: 0003_ghas_latest_push
Revises: 0002_ghas_indexes
"""

from alembic import op


revision = "0003_ghas_latest_push"
down_revision = "0002_ghas_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_commits_author_repo_latest",
        "commits",
        ["author_email", "repository_id", "author_date", "sha", "pushed_at"],
    )
    # Its prefix: every look-up by author email is served by the new index.
    op.drop_index("ix_commits_author_email", table_name="commits")


def downgrade() -> None:
    op.create_index("ix_commits_author_email", "commits", ["author_email"])
    op.drop_index("ix_commits_author_repo_latest", table_name="commits")
