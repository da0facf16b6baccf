"""What was bought, with history: product_purchases holds each product's billing model,
purchased count and expiry from a date on; the purchase the ledger held so far becomes its
first row, in effect since the enterprise was created.

Revision ID: 0005_ingest_purchases
Revises: 0004_usage_report_jobs
"""

from alembic import op
import datetime as dt
import sqlalchemy as sa


revision = "0005_ingest_purchases"
down_revision = "0004_usage_report_jobs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    purchases = op.create_table(
        "product_purchases",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("product", sa.String(length=40), nullable=False),
        sa.Column("billing", sa.String(length=20), nullable=False),
        sa.Column("purchased", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.Date(), nullable=True),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprises.id"], name=op.f("fk_product_purchases_enterprise_id_enterprises")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_purchases")),
        sa.UniqueConstraint(
            "enterprise_id",
            "product",
            "effective_from",
            name=op.f("uq_product_purchases_enterprise_id_product_effective_from"),
        ),
    )
    conn = op.get_bind()
    rows = conn.execute(
        sa.text(
            "SELECT p.enterprise_id, p.product, p.billing, p.purchased, p.expires_at, e.created_at"
            " FROM enterprise_products p JOIN enterprises e ON e.id = p.enterprise_id"
        )
    ).all()
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    if rows:
        op.bulk_insert(
            purchases,
            [
                {
                    "enterprise_id": r.enterprise_id,
                    "product": r.product,
                    "billing": r.billing,
                    "purchased": r.purchased or 0,
                    "expires_at": _date(r.expires_at),
                    "effective_from": _date(r.created_at),
                    "source": "ledger",
                    "recorded_at": now,
                }
                for r in rows
            ],
        )


def _date(value: object) -> dt.date | None:
    # SQLite hands back text, PostgreSQL dates and datetimes.
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def downgrade() -> None:
    op.drop_table("product_purchases")
