"""One head again: the seat spans' previous end and the digests, merged.

Revision ID: 0011_merge_heads
Revises: 0010_span_previous_end, 0010_h21b_digests
"""

revision = "0011_merge_heads"
down_revision = ("0010_span_previous_end", "0010_h21b_digests")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
