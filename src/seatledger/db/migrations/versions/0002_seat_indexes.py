"""seat engine: expression indexes for case-insensitive SAML/SCIM matching

Revision ID: 0002_seat_indexes
Revises: 0001
"""

from alembic import op
import sqlalchemy as sa


revision = "0002_seat_indexes"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_users_lower_saml_name_id", "users", [sa.text("lower(saml_name_id)")])
    op.create_index("ix_users_lower_scim_user_name", "users", [sa.text("lower(scim_user_name)")])


def downgrade() -> None:
    op.drop_index("ix_users_lower_scim_user_name", table_name="users")
    op.drop_index("ix_users_lower_saml_name_id", table_name="users")
