"""edit version counters on courses, units, caption tracks and questions

Optimistic locking (SQLAlchemy's version_id_col): every row starts at version 1.

Revision ID: 5c0d1e2a7f10
Revises: a7c1e5d2b9f4
Create Date: 2026-11-30 06:30:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '5c0d1e2a7f10'
down_revision = 'a7c1e5d2b9f4'
branch_labels = None
depends_on = None

TABLES = ('courses', 'units', 'caption_tracks', 'questions')


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))


def downgrade() -> None:
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('version')
