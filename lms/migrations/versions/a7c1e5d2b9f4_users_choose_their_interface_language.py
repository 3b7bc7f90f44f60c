"""users choose their interface language

Revision ID: a7c1e5d2b9f4
Revises: 39ab0053f9d2
Create Date: 2026-11-30 06:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'a7c1e5d2b9f4'
down_revision = '39ab0053f9d2'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable and without a default: existing accounts keep following their browser's language.
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locale', sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('locale')
