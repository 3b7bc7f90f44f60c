"""PostgreSQL notices of changed sign-ins: triggers that name the person on a channel.

Each web worker keeps copies of live sign-ins (lms.sign_in_cache) and must forget a person's as
soon as anything they are drawn from changes: their `users` row or one of their `login_sessions`
rows. A row trigger on each table sends ``NOTIFY sala_sign_ins, '<user id>'`` for every row
updated or deleted, and a statement trigger sends ``'*'`` (everyone) on TRUNCATE. PostgreSQL
delivers a notice only when the transaction that sent it commits, and then to every listening
session (PostgreSQL 15 docs, NOTIFY; pg_notify(), section 9.27), so whoever changes the row (a
web worker, the job worker, a migration, psql) is heard. New rows need no notice: nothing is kept
for a sign-in or a person before they exist. An update of a `users` row that moved nothing but the
page version says so, ``'<user id>:<page version>'``, and the copies take the new number.

Made by create_all() (an `after_create` DDL event, PostgreSQL only) and by the migration
"notices of changed sign-ins" for databases made before.

SQLite has no NOTIFY. There the same changes are written down: triggers insert a row naming the
person into `sign_in_notices` (SignInNotice) in the changing transaction, so it is committed or
rolled back with the change (with the new page version when that alone moved), and each worker
(lms.sign_in_cache_sqlite) reads the rows after the last it saw whenever SQLite says another connection has written (``PRAGMA data_version``). The
table keeps the latest NOTICES_KEPT rows; the triggers delete older ones. Made by create_all()
and the migrations "sign-in notices on SQLite" and "page versions in sign-in notices".
"""

from __future__ import annotations

from sqlalchemy import DDL, Integer, event
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import Base
from lms.models.user import LoginSession, User

#: The channel the triggers notify and lms.sign_in_cache listens on.
CHANNEL = "sala_sign_ins"
#: What a notice's payload says when everyone's sign-ins changed (a TRUNCATE).
EVERYONE = "*"
#: Between the person's id and their new page version in the payload of a notice of a `users`
#: update that changed the page version alone ("<user id>:<page version>"): a kept copy takes the
#: new number instead of being forgotten, so a learner's own write (a quiz submitted, a unit done)
#: costs their next request no read of their row.
VERSION_SEPARATOR = ":"
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
    ELSIF TG_TABLE_NAME = 'users' AND TG_OP = 'UPDATE'
            AND (to_jsonb(NEW) - 'page_version') = (to_jsonb(OLD) - 'page_version') THEN
        -- Only the page version moved (lms.services.page_versions): copies take the new number.
        PERFORM pg_notify('{CHANNEL}', OLD.id::text || '{VERSION_SEPARATOR}' || NEW.page_version::text);
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


#: Rows sign_in_notices keeps: a worker that has fallen further behind than this (idle through as
#: many changes) finds a gap in the ids and forgets every copy.
NOTICES_KEPT = 10_000
#: (trigger name, table) on SQLite: the SQLite cache keeps nothing unless they are all there.
SQLITE_TRIGGERS = tuple(
    (f"sala_{table}_{event_name}", table)
    for table in ("users", "login_sessions")
    for event_name in ("updated", "deleted")
)


class SignInNotice(Base):
    """On SQLite, one change to a person's `users` row or one of their `login_sessions` rows,
    written by a trigger in the changing transaction. Ids grow by one per row (SQLite's rowid is
    the largest plus one, and only the oldest rows are deleted), so a worker that sees a gap has
    missed notices. Empty on PostgreSQL, which notifies instead."""

    __tablename__ = "sign_in_notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The person whose sign-ins changed (no foreign key: a deleted person is named too).
    user_id: Mapped[int] = mapped_column(Integer)
    #: Their new page version when the change was an update of their `users` row that moved the
    #: page version alone (lms.services.page_versions); None for any other change.
    page_version: Mapped[int | None] = mapped_column(Integer, nullable=True)


def _other_user_columns() -> list[str]:
    """`users` columns whose change is more than a page version's: a users update that changes
    none of them writes the new page version into its notice. A column added to `users` must be
    added to the trigger by its migration (tests/functional/test_sign_in_cache_sqlite.py compares
    the two)."""
    return [column.name for column in User.__table__.columns if column.name != "page_version"]


def sqlite_triggers(kept: int = NOTICES_KEPT) -> list[str]:
    """CREATE TRIGGER statements for SQLite (SQLite docs, "CREATE TRIGGER"): after an UPDATE or
    DELETE of a `users` or `login_sessions` row, a notice naming the person (with the new page
    version when a users update moved that alone), and rows older than the latest `kept`
    deleted."""
    unchanged = " AND ".join(f"OLD.{name} IS NEW.{name}" for name in _other_user_columns())
    statements = []
    for (name, table), column in zip(SQLITE_TRIGGERS, ("id", "id", "user_id", "user_id"), strict=True):
        when = "UPDATE" if name.endswith("updated") else "DELETE"
        version = f"CASE WHEN {unchanged} THEN NEW.page_version END" if name == "sala_users_updated" else "NULL"
        # Our own names and a number: no input reaches this SQL.
        body = (
            f"INSERT INTO sign_in_notices (user_id, page_version) VALUES (OLD.{column}, {version}); "  # noqa: S608
            f"DELETE FROM sign_in_notices WHERE id <= last_insert_rowid() - {int(kept)}; "
        )
        statements.append(f"CREATE TRIGGER {name} AFTER {when} ON {table} FOR EACH ROW BEGIN {body}END")
    return statements


# Once every table is made: the triggers name all three.
for _statement in sqlite_triggers():
    event.listen(Base.metadata, "after_create", DDL(_statement).execute_if(dialect="sqlite"))
