"""Each seat span keeps the end of the same person's previous span (seat_spans.previous_ended_at),
so "people at any instant of a month" is a count over one covering index; derived again for
every enterprise already in the ledger.

Revision ID: 0010_span_previous_end
Revises: 0009_merge_heads
"""
from alembic import op
import sqlalchemy as sa


revision = "0010_span_previous_end"
down_revision = "0009_merge_heads"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from seatledger.db import intervals, tables, tables_intervals

    bind = op.get_bind()
    # 0005 makes the interval tables from today's definitions: a ledger made new already has the column.
    if "previous_ended_at" not in {c["name"] for c in sa.inspect(bind).get_columns("seat_spans")}:
        op.add_column("seat_spans", sa.Column("previous_ended_at", sa.DateTime, nullable=True))
        op.drop_index("ix_seat_spans_count", table_name="seat_spans")
        next(i for i in tables_intervals.seat_spans.indexes if i.name == "ix_seat_spans_count").create(bind)
        for (enterprise_id,) in bind.execute(sa.select(tables.enterprises.c.id)).all():
            intervals.rebuild(bind, enterprise_id)


def downgrade() -> None:
    op.drop_index("ix_seat_spans_count", table_name="seat_spans")
    op.create_index("ix_seat_spans_count", "seat_spans", ["enterprise_id", "scope", "org_id", "started_at", "ended_at"])
    op.drop_column("seat_spans", "previous_ended_at")
