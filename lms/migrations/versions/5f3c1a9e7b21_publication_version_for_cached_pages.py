"""publication version for cached public pages

Revision ID: 5f3c1a9e7b21
Revises: 5c0d1e2a7f10
Create Date: 2026-11-30 06:15:00
"""

import sqlalchemy as sa
from alembic import op

revision = "5f3c1a9e7b21"
down_revision = "5c0d1e2a7f10"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "publication_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publication_versions")),
    )
    op.bulk_insert(table, [{"id": 1, "version": 1}])


def downgrade() -> None:
    op.drop_table("publication_versions")
