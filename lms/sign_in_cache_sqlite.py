"""Each web worker's copies of live sign-ins on SQLite, forgotten when the notices table says so.

The same copies as lms.sign_in_cache keeps on PostgreSQL (a kept page then runs no query), with
SQLite's means instead of LISTEN/NOTIFY. Triggers (lms.models.sign_in_notices) add a row naming
the person to `sign_in_notices` in the transaction of any change to their `users` row or one of
their `login_sessions` rows. Before every use of a copy, and before storing one, the worker asks
SQLite whether any other connection has committed since it last looked (``PRAGMA data_version``
on a connection of its own, which never writes: SQLite docs, "PRAGMA data_version"); only then
does it read the notices after the last it saw and forget those people. So a change committed by
any process on the machine (a web worker, the job worker, the sqlite3 shell) is never missed by
the next request that uses a copy: there is no delay at all, unlike PostgreSQL's notices.

A read that raced a change is not kept: `ticket` reads, in the request's own transaction and
before the sign-in query, the largest notice id there is; `keep` refuses the copy if a notice
after that id names the person (notice ids are the order of commits). Ids grow by one, so a gap
(the table keeps only the latest NOTICES_KEPT rows) means notices were missed: every copy goes.
A database without the triggers (not yet upgraded) keeps nothing. Off for in-memory databases.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from typing import Any

from sqlalchemy import text

from lms.models.sign_in_notices import SQLITE_TRIGGERS
from lms.sign_in_cache import SignInCache, Ticket

log = logging.getLogger(__name__)

#: The largest notice id there is: a worker's starting point, and a read's ticket.
_HIGHEST_SQL = "SELECT coalesce(max(id), 0) FROM sign_in_notices"
_HIGHEST = text(_HIGHEST_SQL)


class PolledSignInCache(SignInCache):
    """lms.sign_in_cache.SignInCache for SQLite: no listener thread; notices read when SQLite's
    data version moves.

    :param path: the database file (not ``:memory:``).
    :param people: how many people's copies are kept, least recently used first out.
    """

    def __init__(self, path: str, people: int) -> None:
        super().__init__(connect=lambda: sqlite3.connect(path, check_same_thread=False), people=people)
        self._watch: sqlite3.Connection | None = None
        self._data_version = -1
        self._seen = 0  # the largest notice id read
        self._sync_lock = threading.Lock()

    # --- SignInCache's hooks -------------------------------------------------------------
    def _ensure_listener(self) -> None:
        pid = os.getpid()
        if self._listener_pid == pid:
            return
        with self._sync_lock, self._lock:
            if self._listener_pid == pid:
                return
            # A forked child must not use the parent's connection, nor trust its copies.
            self._people.clear()
            self._connection = 0
            self._watch = None
            self._listener_pid = pid
            try:
                watch = self._connect()
                missing = _missing_triggers(watch)
                if missing:
                    log.warning("sign-in cache off: triggers %s missing (run `lms db upgrade`)", ", ".join(missing))
                    watch.close()
                    return
                self._watch = watch
                self._data_version = watch.execute("PRAGMA data_version").fetchone()[0]
                self._seen = watch.execute(_HIGHEST_SQL).fetchone()[0]
            except sqlite3.Error:
                log.warning("sign-in cache off: the database could not be read", exc_info=True)
                return
            # Reads whose snapshot is older than this worker's start may miss notices it never read.
            self._forgotten_before = self._heard = self._seen
            self._connections_made += 1
            self._connection = self._connections_made

    def get(self, user_id: int, token_hash: str, now: Any, newer_than: int = -1) -> dict[str, Any] | None:
        """As SignInCache.get, after reading any notices committed since the last look."""
        self._ensure_listener()
        self._sync()
        return super().get(user_id, token_hash, now, newer_than)

    def ticket(self, session: Any = None) -> Ticket:
        """The largest notice id in `session`'s snapshot (one small query, in the request's
        transaction), with this worker's connection number."""
        if session is None or not self._connection:
            return Ticket(0, 0)
        return Ticket(self._connection, session.execute(_HIGHEST).scalar_one())

    def keep(self, ticket: Ticket, user_id: int, token_hash: str, expires_at: Any, columns: Any) -> bool:
        """As SignInCache.keep, after reading any notices committed since the last look (so a
        notice about `user_id` after the ticket's id refuses the copy)."""
        self._sync()
        return super().keep(ticket, user_id, token_hash, expires_at, columns)

    # --- reading notices -----------------------------------------------------------------
    def _sync(self) -> None:
        """Forget the people named by notices committed since the last look, if SQLite says
        anything has been committed by another connection since (PRAGMA data_version)."""
        with self._sync_lock:
            watch = self._watch
            if watch is None:
                return
            try:
                version = watch.execute("PRAGMA data_version").fetchone()[0]
                if version == self._data_version:
                    return
                rows = watch.execute(
                    "SELECT id, user_id, page_version FROM sign_in_notices WHERE id > ? ORDER BY id", (self._seen,)
                ).fetchall()
            except sqlite3.Error:
                log.warning("sign-in notices could not be read; forgetting every copy", exc_info=True)
                with self._lock:
                    self._forget(None, self._seen + 1)
                return
            self._data_version = version
            with self._lock:
                for notice_id, user_id, page_version in rows:
                    if notice_id != self._seen + 1:  # rows deleted before this worker read them
                        self._forget(None, notice_id)
                    self._forget(user_id, notice_id, page_version)
                    self._seen = self._heard = notice_id

    def stop(self) -> None:
        """Close this worker's watching connection (tests; workers end with their process)."""
        with self._sync_lock:
            if self._watch is not None and self._listener_pid == os.getpid():
                self._watch.close()
            self._watch = None
            with self._lock:
                self._connection = 0


def _missing_triggers(conn: sqlite3.Connection) -> list[str]:
    """The triggers, and the notices' page_version column, a database not yet upgraded lacks."""
    wanted = [name for name, _table in SQLITE_TRIGGERS]
    found = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    columns = {row[1] for row in conn.execute("PRAGMA table_info(sign_in_notices)")}
    return [name for name in wanted if name not in found] + (
        [] if "page_version" in columns else ["sign_in_notices.page_version"]
    )


def for_engine(engine, people: int) -> PolledSignInCache | None:  # noqa: ANN001
    """A cache over `engine`'s SQLite database file, or None when `people` is 0, the engine is not
    SQLite, or the database is in memory."""
    database = engine.url.database
    if people <= 0 or engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return None
    if database.startswith("file:"):
        return None  # URI filenames (shared in-memory databases in tests): not a plain file
    return PolledSignInCache(database, people)


__all__ = ["PolledSignInCache", "for_engine"]
