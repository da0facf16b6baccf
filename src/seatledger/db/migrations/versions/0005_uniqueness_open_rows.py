"""uniqueness held by the database: one open Copilot seat per person and org, one active cost
center per name and enterprise, one pending export per person and report kind (partial unique
indexes, so two racing requests cannot both write)

Rows that already break a rule are settled first, keeping the earliest and leaving the counts
as they were: a later duplicate open seat ends when it began (the earlier seat covers it), a
later active cost center of the same name gets its id appended to its name, and a later
pending export of the same kind is marked failed with the reason.

Revision ID: 0005_uniqueness_open_rows
Revises: 0004_usage_report_jobs
"""

from alembic import op
import sqlalchemy as sa


revision = "0005_uniqueness_open_rows"
down_revision = "0004_usage_report_jobs"
branch_labels = None
depends_on = None

_OPEN_SEAT = "ended_at IS NULL"
_ACTIVE_CENTER = "deleted_at IS NULL"
_PENDING_EXPORT = "status IN ('queued', 'running')"


def _earlier(table: str, same: str, where: str) -> str:
    """SQL: another row of ``table`` with the same ``same`` columns, also ``where``, that came first."""
    return (
        f"EXISTS (SELECT 1 FROM {table} k WHERE {same} AND k.{where} AND "
        f"(k.created_at < {table}.created_at OR (k.created_at = {table}.created_at AND k.id < {table}.id)))"
    )


def upgrade() -> None:
    op.execute(
        sa.text(
            f"UPDATE copilot_seats SET ended_at = created_at WHERE {_OPEN_SEAT} AND "
            + _earlier(
                "copilot_seats",
                "k.organization_id = copilot_seats.organization_id AND k.user_id = copilot_seats.user_id",
                _OPEN_SEAT,
            )
        )
    )
    op.execute(
        sa.text(
            f"UPDATE cost_centers SET name = substr(name, 1, 150) || ' (' || id || ')' WHERE {_ACTIVE_CENTER} AND "
            + _earlier(
                "cost_centers",
                "k.enterprise_id = cost_centers.enterprise_id AND k.name = cost_centers.name",
                _ACTIVE_CENTER,
            )
        )
    )
    op.execute(
        sa.text(
            "UPDATE export_jobs SET status = 'failed', reason = 'a duplicate of a request still pending', "
            f"finished_at = created_at WHERE {_PENDING_EXPORT} AND "
            + _earlier(
                "export_jobs",
                "k.requester_user_id = export_jobs.requester_user_id AND k.kind = export_jobs.kind",
                _PENDING_EXPORT,
            )
        )
    )
    op.create_index(
        "uq_copilot_seats_open_org_user",
        "copilot_seats",
        ["organization_id", "user_id"],
        unique=True,
        sqlite_where=sa.text(_OPEN_SEAT),
        postgresql_where=sa.text(_OPEN_SEAT),
    )
    op.create_index(
        "uq_cost_centers_active_name",
        "cost_centers",
        ["enterprise_id", "name"],
        unique=True,
        sqlite_where=sa.text(_ACTIVE_CENTER),
        postgresql_where=sa.text(_ACTIVE_CENTER),
    )
    op.create_index(
        "uq_export_jobs_pending_requester_kind",
        "export_jobs",
        ["requester_user_id", "kind"],
        unique=True,
        sqlite_where=sa.text(_PENDING_EXPORT),
        postgresql_where=sa.text(_PENDING_EXPORT),
    )


def downgrade() -> None:
    op.drop_index("uq_export_jobs_pending_requester_kind", table_name="export_jobs")
    op.drop_index("uq_cost_centers_active_name", table_name="cost_centers")
    op.drop_index("uq_copilot_seats_open_org_user", table_name="copilot_seats")
