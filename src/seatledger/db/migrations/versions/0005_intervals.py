"""License intervals kept by the ledger (seat_reason_intervals, seat_spans, committer_windows, committer_spans)
and Advanced Security enablement with its history (ghas_enablements), derived for every
enterprise already in the ledger; the last verification of each (interval_checks).

Revision ID: 0005_intervals
Revises: 0004_usage_report_jobs
"""

from alembic import op
import sqlalchemy as sa


revision = "0005_intervals"
down_revision = "0004_usage_report_jobs"
branch_labels = None
depends_on = None

_TABLES = (
    "seat_reason_intervals",
    "seat_spans",
    "committer_windows",
    "email_windows",  # added by 0015_email_windows, made here too: rebuild() below derives it
    "committer_spans",
    "ghas_enablements",
    "interval_checks",
)


def upgrade() -> None:
    from seatledger.db import intervals, tables, tables_intervals

    bind = op.get_bind()
    for name in _TABLES:
        tables.metadata.tables[name].create(bind)
    r, e = tables.repositories, tables_intervals.ghas_enablements
    for product in ("secret_protection", "code_security"):
        # What is enabled now was enabled, as far as the ledger knows, since the repository was made.
        bind.execute(
            sa.insert(e).from_select(
                ["repository_id", "product", "started_at"],
                sa.select(r.c.id, sa.literal(product, sa.String), r.c.created_at).where(
                    r.c[f"{product}_enabled"] == sa.true()
                ),
            )
        )
    for (enterprise_id,) in bind.execute(sa.select(tables.enterprises.c.id)).all():
        intervals.rebuild(bind, enterprise_id)


def downgrade() -> None:
    kept = set(sa.inspect(op.get_bind()).get_table_names())
    for name in reversed(_TABLES):
        if name in kept:
            op.drop_table(name)
