"""PostgreSQL notices of changed sign-ins: triggers that name the person on a channel.

Each web worker keeps copies of live sign-ins (lms.sign_in_cache) and must forget a person's as
soon as anything they are drawn from changes: their `users` row or one of their `login_sessions`
rows. A row trigger on each table sends ``NOTIFY sala_sign_ins, '<user id>'`` for every row
updated or deleted, and a statement trigger sends ``'*'`` (everyone) on TRUNCATE. PostgreSQL
delivers a notice only when the transaction that sent it commits, and then to every listening
session (PostgreSQL 15 docs, NOTIFY; pg_notify(), section 9.27), so whoever changes the row (a
web worker, the job worker, a migration, psql) is heard. New rows need no notice: nothing is kept
for a sign-in or a person before they exist.

Made by create_all() (an `after_create` DDL event, PostgreSQL only) and by the migration
"notices of changed sign-ins" for databases made before; SQLite has no NOTIFY and keeps nothing.
"""

from __future__ import annotations

from sqlalchemy import DDL, event

from lms.models.user import LoginSession, User

#: The channel the triggers notify and lms.sign_in_cache listens on.
CHANNEL = "sala_sign_ins"
#: What a notice's payload says when everyone's sign-ins changed (a TRUNCATE).
EVERYONE = "*"
#: (trigger name, table): a listener checks they are all there before it keeps anything.
TRIGGERS = (
    ("sala_users_changed", "users"),
    ("sala_users_truncated", "users"),
    ("sala_login_sessions_changed", "login_sessions"),
    ("sala_login_sessions_truncated", "login_sessions"),
)

FUNCTION = f"""
CREATE OR REPLACE FUNCTION sala_notify_sign_ins() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_LEVEL = 'STATEMENT' THEN
        PERFORM pg_notify('{CHANNEL}', '{EVERYONE}');
    ELSIF TG_TABLE_NAME = 'users' THEN
        PERFORM pg_notify('{CHANNEL}', OLD.id::text);
    ELSE
        PERFORM pg_notify('{CHANNEL}', OLD.user_id::text);
    END IF;
    RETURN NULL;
END
$$
"""


def _triggers(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER sala_{table}_changed AFTER UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION sala_notify_sign_ins()",
        f"CREATE TRIGGER sala_{table}_truncated AFTER TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION sala_notify_sign_ins()",
    ]


def _on_create(table, statements: list[str]) -> None:  # noqa: ANN001
    for statement in statements:
        event.listen(table, "after_create", DDL(statement).execute_if(dialect="postgresql"))


# The function first: users is created before login_sessions (its foreign key's target).
_on_create(User.__table__, [FUNCTION, *_triggers("users")])
_on_create(LoginSession.__table__, _triggers("login_sessions"))
