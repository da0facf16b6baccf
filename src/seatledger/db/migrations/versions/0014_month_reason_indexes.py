"""Indexes for a usage month: a person's seat reasons with what grouping them reads (the
usage counts everyone whose reasons held all month in groups, in index order), the reasons
that end in a range (the people whose granting org may change in a month), and the reasons
through one org (the people an org's usage counts).

Revision ID: 0014_month_reason_indexes
Revises: 0013_merge_heads
"""

from alembic import op
import sqlalchemy as sa


revision = "0014_month_reason_indexes"
down_revision = "0013_merge_heads"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from seatledger.db import tables_intervals

    bind = op.get_bind()
    table = tables_intervals.seat_reason_intervals
    # 0005 makes the interval tables from today's definitions: a ledger made new already has them.
    kept = {i["name"]: list(i["column_names"]) for i in sa.inspect(bind).get_indexes(table.name)}
    for index in table.indexes:
        if kept.get(index.name) != [c.name for c in index.columns]:
            if index.name is not None and index.name in kept:
                op.drop_index(index.name, table_name=table.name)
            index.create(bind)


def downgrade() -> None:
    op.drop_index("ix_seat_reason_intervals_org", table_name="seat_reason_intervals")
    op.drop_index("ix_seat_reason_intervals_end", table_name="seat_reason_intervals")
    op.drop_index("ix_seat_reason_intervals_user", table_name="seat_reason_intervals")
    op.create_index("ix_seat_reason_intervals_user", "seat_reason_intervals", ["enterprise_id", "user_id"])
