"""Where each author email pushed (email_windows), whoever the email belongs to: the worklist
of commit emails that resolve to nobody reads these instead of every commit of the window.
Derived for every enterprise already in the ledger. And the Advanced Security enablements that
start or end in a range, by index (the changes of a period).

Revision ID: 0015_email_windows
Revises: 0014_month_reason_indexes
"""

from alembic import op
import sqlalchemy as sa


revision = "0015_email_windows"
down_revision = "0014_month_reason_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from seatledger.db import intervals, tables, tables_intervals

    bind = op.get_bind()
    # 0005 makes the interval tables from today's definitions: a ledger made new already has it.
    if not sa.inspect(bind).has_table("email_windows"):
        tables_intervals.email_windows.create(bind)
    for (enterprise_id,) in bind.execute(sa.select(tables.enterprises.c.id)).all():
        intervals.derive_email_windows(bind, enterprise_id, None)
    kept = {i["name"] for i in sa.inspect(bind).get_indexes("ghas_enablements")}
    for index in tables_intervals.ghas_enablements.indexes:
        if index.name in _NEW_INDEXES and index.name not in kept:
            index.create(bind)


_NEW_INDEXES = ("ix_ghas_enablements_starts", "ix_ghas_enablements_ends")


def downgrade() -> None:
    for name in _NEW_INDEXES:
        op.drop_index(name, table_name="ghas_enablements")
    op.drop_table("email_windows")
