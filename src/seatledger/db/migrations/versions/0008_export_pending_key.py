"""one pending export per person and *report* (kind, Advanced Security product, scope), not
per report kind: Code Security and Secret Protection, or an org's report and the enterprise's,
are different requests and each may be pending at once

The index replaces 0005's ``uq_export_jobs_pending_requester_kind``. Its key is wider, so rows
that kept the old rule keep the new one: nothing to settle. ``product`` is NULL for every
report but Advanced Security, and NULLs never collide in a unique index, hence the
``coalesce``.

Revision ID: 0008_export_pending_key
Revises: 0007_export_leases
"""

from alembic import op
import sqlalchemy as sa


revision = "0008_export_pending_key"
down_revision = "0007_export_leases"
branch_labels = None
depends_on = None

_PENDING_EXPORT = "status IN ('queued', 'running')"


def upgrade() -> None:
    op.drop_index("uq_export_jobs_pending_requester_kind", table_name="export_jobs")
    op.create_index(
        "uq_export_jobs_pending_request",
        "export_jobs",
        ["requester_user_id", "kind", sa.text("coalesce(product, '')"), "scope"],
        unique=True,
        sqlite_where=sa.text(_PENDING_EXPORT),
        postgresql_where=sa.text(_PENDING_EXPORT),
    )


def downgrade() -> None:
    # The narrower key may now be broken: keep the earliest pending request of each kind.
    op.execute(
        sa.text(
            "UPDATE export_jobs SET status = 'failed', reason = 'a duplicate of a request still pending', "
            f"finished_at = created_at WHERE {_PENDING_EXPORT} AND EXISTS (SELECT 1 FROM export_jobs k "
            "WHERE k.requester_user_id = export_jobs.requester_user_id AND k.kind = export_jobs.kind "
            f"AND k.{_PENDING_EXPORT} AND (k.created_at < export_jobs.created_at OR "
            "(k.created_at = export_jobs.created_at AND k.id < export_jobs.id)))"
        )
    )
    op.drop_index("uq_export_jobs_pending_request", table_name="export_jobs")
    op.create_index(
        "uq_export_jobs_pending_requester_kind",
        "export_jobs",
        ["requester_user_id", "kind"],
        unique=True,
        sqlite_where=sa.text(_PENDING_EXPORT),
        postgresql_where=sa.text(_PENDING_EXPORT),
    )
