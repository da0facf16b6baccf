"""One head again: the merged head and the facts' sources (provenance).

Revision ID: 0013_merge_heads
Revises: 0012_merge_heads, 0010_h18b_fact_sources
"""

revision = "0013_merge_heads"
down_revision = ("0012_merge_heads", "0010_h18b_fact_sources")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
