"""notices of changed sign-ins (PostgreSQL triggers for each worker's sign-in cache)

Revision ID: e5a9c3d7f1b2
Revises: b4d2e8f1a6c3
Create Date: 2026-12-01 00:10:00

The SQL is copied from lms.models.sign_in_notices as it was at this revision, so later changes
there do not rewrite what this migration did. SQLite has no NOTIFY: nothing to do there.
"""

from alembic import op

revision = "e5a9c3d7f1b2"
down_revision = "b4d2e8f1a6c3"
branch_labels = None
depends_on = None

_FUNCTION = """
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
_TABLES = ("users", "login_sessions")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(_FUNCTION)
    for table in _TABLES:
        op.execute(
            f"CREATE TRIGGER sala_{table}_changed AFTER UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION sala_notify_sign_ins()"
        )
        op.execute(
            f"CREATE TRIGGER sala_{table}_truncated AFTER TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION sala_notify_sign_ins()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in _TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS sala_{table}_changed ON {table}")
        op.execute(f"DROP TRIGGER IF EXISTS sala_{table}_truncated ON {table}")
    op.execute("DROP FUNCTION IF EXISTS sala_notify_sign_ins()")
