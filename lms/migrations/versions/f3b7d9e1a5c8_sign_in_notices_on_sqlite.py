"""sign-in notices on SQLite (a table the triggers write, for each worker's sign-in cache)

Revision ID: f3b7d9e1a5c8
Revises: e5a9c3d7f1b2
Create Date: 2026-12-01 04:10:00

The table is made on every database (empty on PostgreSQL, which notifies instead); the triggers
on SQLite only. Their SQL is copied from lms.models.sign_in_notices as it was at this revision.
"""

import sqlalchemy as sa
from alembic import op

revision = "f3b7d9e1a5c8"
down_revision = "e5a9c3d7f1b2"
branch_labels = None
depends_on = None

_TRIGGERS = (
    ("sala_users_updated", "UPDATE", "users", "id"),
    ("sala_users_deleted", "DELETE", "users", "id"),
    ("sala_login_sessions_updated", "UPDATE", "login_sessions", "user_id"),
    ("sala_login_sessions_deleted", "DELETE", "login_sessions", "user_id"),
)


def upgrade() -> None:
    op.create_table(
        "sign_in_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_notices")),
    )
    if op.get_bind().dialect.name != "sqlite":
        return
    for name, when, table, column in _TRIGGERS:
        op.execute(
            f"CREATE TRIGGER {name} AFTER {when} ON {table} FOR EACH ROW BEGIN "
            f"INSERT INTO sign_in_notices (user_id) VALUES (OLD.{column}); "
            "DELETE FROM sign_in_notices WHERE id <= last_insert_rowid() - 10000; "
            "END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name, _when, _table, _column in _TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("sign_in_notices")
