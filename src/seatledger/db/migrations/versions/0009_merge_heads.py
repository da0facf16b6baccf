"""One head again: the sources' freshness, the alerts and the export pending key, merged.

Revision ID: 0009_merge_heads
Revises: 0006_source_runs, 0008_alerts, 0008_export_pending_key
"""

revision = "0009_merge_heads"
down_revision = ("0006_source_runs", "0008_alerts", "0008_export_pending_key")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
