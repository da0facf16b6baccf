"""One head again: the merged engine/digests head and the dated exports with Copilot reclaims.

Revision ID: 0012_merge_heads
Revises: 0011_merge_heads, 0010_h19b_as_of_and_reclaims
"""

revision = "0012_merge_heads"
down_revision = ("0011_merge_heads", "0010_h19b_as_of_and_reclaims")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
