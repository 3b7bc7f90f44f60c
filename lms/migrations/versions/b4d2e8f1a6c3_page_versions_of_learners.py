"""page version of each person, for their cached pages

Revision ID: b4d2e8f1a6c3
Revises: 6edf21d3521f
Create Date: 2026-11-30 12:35:00
"""

import sqlalchemy as sa
from alembic import op

revision = "b4d2e8f1a6c3"
down_revision = "6edf21d3521f"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("page_version", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("page_version")
