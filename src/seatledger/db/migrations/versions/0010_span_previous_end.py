"""Each seat span keeps the end of the same person's previous span (seat_spans.previous_ended_at),
so "people at any instant of a month" is a count over one covering index; derived again for
every enterprise already in the ledger. The span indexes take the columns their counts and
probes read.

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
    inspector = sa.inspect(bind)
    # 0005 makes the interval tables from today's definitions: a ledger made new already has them.
    added = "previous_ended_at" not in {c["name"] for c in inspector.get_columns("seat_spans")}
    if added:
        op.add_column("seat_spans", sa.Column("previous_ended_at", sa.DateTime, nullable=True))
    for table in (tables_intervals.seat_spans, tables_intervals.committer_spans):
        kept = {i["name"]: list(i["column_names"]) for i in inspector.get_indexes(table.name)}
        for index in table.indexes:
            if kept.get(index.name) != [c.name for c in index.columns]:
                if index.name is not None and index.name in kept:
                    op.drop_index(index.name, table_name=table.name)
                index.create(bind)
    if added:
        for (enterprise_id,) in bind.execute(sa.select(tables.enterprises.c.id)).all():
            intervals.rebuild(bind, enterprise_id)


def downgrade() -> None:
    op.drop_index("ix_seat_spans_ends", table_name="seat_spans")
    for name, columns in (
        ("ix_seat_spans_count", ["enterprise_id", "scope", "org_id", "started_at", "ended_at"]),
        ("ix_seat_spans_user", ["enterprise_id", "user_id"]),
        ("ix_seat_spans_key", ["enterprise_id", "other_key"]),
    ):
        op.drop_index(name, table_name="seat_spans")
        op.create_index(name, "seat_spans", columns)
    op.drop_column("seat_spans", "previous_ended_at")
    op.drop_index("ix_committer_spans_namespace", table_name="committer_spans")
    op.create_index(
        "ix_committer_spans_namespace", "committer_spans", ["enterprise_id", "product", "namespace", "ended_at"]
    )
    op.drop_index("ix_committer_spans_at", table_name="committer_spans")
    op.create_index(
        "ix_committer_spans_at", "committer_spans", ["enterprise_id", "product", "scope_key", "ended_at", "started_at"]
    )
    op.drop_index("ix_committer_spans_user", table_name="committer_spans")
    op.create_index("ix_committer_spans_user", "committer_spans", ["enterprise_id", "user_id"])
