"""page versions in sign-in notices (a learner's own write no longer drops their kept sign-in)

Revision ID: a7c1e5b9d3f2
Revises: f3b7d9e1a5c8
Create Date: 2026-12-01 07:05:00

A `users` update that moves the page version alone now says the new number in its notice: on
PostgreSQL as "<user id>:<page version>" (the trigger function, replaced), on SQLite in the new
column sign_in_notices.page_version (the users-updated trigger, made again). The SQL is copied
from lms.models.sign_in_notices as it was at this revision, with the users columns of this
revision.
"""

import sqlalchemy as sa
from alembic import op

revision = "a7c1e5b9d3f2"
down_revision = "f3b7d9e1a5c8"
branch_labels = None
depends_on = None

_OTHER_USER_COLUMNS = ("id", "email", "name", "password_hash", "role", "created_at", "locale")

_FUNCTION = """
CREATE OR REPLACE FUNCTION sala_notify_sign_ins() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_LEVEL = 'STATEMENT' THEN
        PERFORM pg_notify('sala_sign_ins', '*');
    ELSIF TG_TABLE_NAME = 'users' AND TG_OP = 'UPDATE'
            AND (to_jsonb(NEW) - 'page_version') = (to_jsonb(OLD) - 'page_version') THEN
        -- Only the page version moved (lms.services.page_versions): copies take the new number.
        PERFORM pg_notify('sala_sign_ins', OLD.id::text || ':' || NEW.page_version::text);
    ELSIF TG_TABLE_NAME = 'users' THEN
        PERFORM pg_notify('sala_sign_ins', OLD.id::text);
    ELSE
        PERFORM pg_notify('sala_sign_ins', OLD.user_id::text);
    END IF;
    RETURN NULL;
END
$$
"""

_FUNCTION_BEFORE = """
CREATE OR REPLACE FUNCTION sala_notify_sign_ins() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_LEVEL = 'STATEMENT' THEN
        PERFORM pg_notify('sala_sign_ins', '*');
    ELSIF TG_TABLE_NAME = 'users' THEN
        PERFORM pg_notify('sala_sign_ins', OLD.id::text);
    ELSE
        PERFORM pg_notify('sala_sign_ins', OLD.user_id::text);
    END IF;
    RETURN NULL;
END
$$
"""


_SQLITE_TRIGGERS = (
    ("sala_users_updated", "UPDATE", "users", "id"),
    ("sala_users_deleted", "DELETE", "users", "id"),
    ("sala_login_sessions_updated", "UPDATE", "login_sessions", "user_id"),
    ("sala_login_sessions_deleted", "DELETE", "login_sessions", "user_id"),
)


def _sqlite_trigger(name: str, when: str, table: str, column: str, *, versions: bool) -> str:
    if not versions:
        into, values = "user_id", f"OLD.{column}"
    elif name == "sala_users_updated":
        unchanged = " AND ".join(f"OLD.{other} IS NEW.{other}" for other in _OTHER_USER_COLUMNS)
        into, values = "user_id, page_version", f"OLD.{column}, CASE WHEN {unchanged} THEN NEW.page_version END"
    else:
        into, values = "user_id, page_version", f"OLD.{column}, NULL"
    return (
        f"CREATE TRIGGER {name} AFTER {when} ON {table} FOR EACH ROW BEGIN "
        f"INSERT INTO sign_in_notices ({into}) VALUES ({values}); "
        "DELETE FROM sign_in_notices WHERE id <= last_insert_rowid() - 10000; "
        "END"
    )


def _drop_sqlite_triggers() -> None:
    for name, _when, _table, _column in _SQLITE_TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")


def _sqlite_triggers(*, versions: bool) -> None:
    _drop_sqlite_triggers()
    for name, when, table, column in _SQLITE_TRIGGERS:
        op.execute(_sqlite_trigger(name, when, table, column, versions=versions))


def upgrade() -> None:
    with op.batch_alter_table("sign_in_notices") as batch:
        batch.add_column(sa.Column("page_version", sa.Integer(), nullable=True))
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(_FUNCTION)
    elif dialect == "sqlite":
        _sqlite_triggers(versions=True)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(_FUNCTION_BEFORE)
    elif dialect == "sqlite":
        # Every trigger goes first: they name sign_in_notices, which batch mode makes anew.
        _drop_sqlite_triggers()
    with op.batch_alter_table("sign_in_notices") as batch:
        batch.drop_column("page_version")
    if dialect == "sqlite":
        _sqlite_triggers(versions=False)
