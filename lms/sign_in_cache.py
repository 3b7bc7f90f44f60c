"""Each web worker's copies of live sign-ins on PostgreSQL, forgotten when PostgreSQL says so.

Every signed-in request needs its person's row and the proof that its sign-in is live
(lms.services.sign_ins.load): one query, which on PostgreSQL is three round trips to a server
(BEGIN, SELECT, COMMIT) and, on a kept page (lms.personal_pages), most of the request's time.
This cache keeps what that query returned: the person's columns and, per sign-in, when it
expires. It is right because the database tells each worker what to forget: triggers
(lms.models.sign_in_notices) send ``NOTIFY sala_sign_ins, '<user id>'`` in the transaction of any
change to a `users` or `login_sessions` row, delivered when it commits, and a thread in each
worker LISTENs on a connection of its own (psycopg2, "Asynchronous notifications") and forgets
that person at once.

How fresh a copy is:
- Changes a browser makes itself are seen by its very next request, on any worker: a request that
  grows its person's page version writes the new number into the browser's session
  (lms.auth.session), and a copy older than that number is not used.
- A change by anyone else (the job worker issuing a certificate, "sign out everywhere" in another
  browser, an admin changing a role) is heard within the time a notice takes to arrive:
  milliseconds.
- A copy is only kept if no notice about its person arrived between the moment the query began
  and the moment the copy is stored (`ticket` and `keep`), so a read that raced a change is
  never kept.
- The listener proves it hears: after LISTEN, and every PROBE_SECONDS after, it sends a notice to
  itself (an "echo", which other workers ignore) and is not counted as listening until that
  echo arrives, nor any longer once one is ECHO_WAIT_SECONDS late. A connection that looks alive
  but is deaf (a pooler in transaction mode, a network path that died silently: TCP keepalives
  also end that) turns copies off within PROBE_SECONDS + ECHO_WAIT_SECONDS.
- Whatever is heard, a copy is read again after MAX_AGE_SECONDS: the last bound, should notices
  be lost between echoes.
- While the listener is not connected (the first moments of a worker, a lost connection, a
  database without the triggers) nothing is used or kept and every request reads the database;
  on connecting again every copy is dropped, since notices sent meanwhile are lost.

The cache is bounded (least recently used first out). SQLite has no NOTIFY: lms.sign_in_cache_sqlite
keeps the same copies there by reading a table of notices.
"""

from __future__ import annotations

import logging
import os
import select
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lms.models.sign_in_notices import CHANNEL, EVERYONE, TRIGGERS, VERSION_SEPARATOR

log = logging.getLogger(__name__)

#: The listener's connection as pg_stat_activity names it.
APPLICATION_NAME = "sala sign-in notices"
#: Seconds a copy is used at most, whatever was heard: the bound on staleness if notices are lost
#: without the connection failing (a network path that died silently, a pooler in transaction
#: mode, triggers disabled after the listener checked them).
MAX_AGE_SECONDS = 60.0
#: Seconds between tries to connect the listener after a failure (or a database without triggers).
RETRY_SECONDS = 5.0
#: Seconds between checks for the triggers on a database that lacks them (not yet upgraded).
MISSING_TRIGGERS_RETRY_SECONDS = 60.0
#: Seconds the listener waits for a notice before it checks whether it should stop.
POLL_SECONDS = 1.0
#: Seconds between the listener's echoes to itself, while it is listening.
PROBE_SECONDS = 10.0
#: Seconds an echo may take to come back before the listener counts itself deaf and reconnects.
ECHO_WAIT_SECONDS = 5.0
#: Payloads beginning so are echoes: heard by every listener, ignored by all but their sender.
ECHO_PREFIX = "echo:"
#: libpq connection parameters (PostgreSQL docs, 34.1.2) that end a listener whose server or network
#: path died without closing the connection: within about 25 s idle, 20 s with unanswered data.
KEEPALIVES = {
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
    "tcp_user_timeout": 20_000,
}
#: How many people's latest notice is remembered for refusing racing reads; an older notice only
#: refuses reads begun before it (see `keep`).
NOTICES_REMEMBERED = 10_000


@dataclass(frozen=True)
class Ticket:
    """Taken before the query whose result may be kept: the listener's connection and the position
    reached in the order of notices (PostgreSQL: the count heard so far; SQLite: the largest notice
    id in the query's snapshot)."""

    connection: int
    heard: int


@dataclass
class _Person:
    columns: dict[str, Any]
    #: token hash -> when that sign-in expires (timezone-aware UTC, as the column)
    sign_ins: dict[str, datetime]
    #: time.monotonic() when the columns were read: a copy older than MAX_AGE_SECONDS is read again
    kept_at: float


class SignInCache:
    """Copies of sign-ins for up to `people` people, valid while the listener is connected.

    :param connect: makes the listener's connection, a context manager that closes it, with
        ``execute(sql, params)`` (the rows) and ``notifies(timeout=seconds)`` (an iterable of
        notices, each with a ``payload``): a :class:`Listening` connection; raising
        ``psycopg2.Error`` or ``OSError`` when the server cannot be reached.
    :param people: how many people's copies are kept, least recently used first out.
    """

    def __init__(self, connect: Callable[[], Any], people: int) -> None:
        self._connect = connect
        self._people: OrderedDict[int, _Person] = OrderedDict()
        self._max_people = people
        self._lock = threading.Lock()
        #: Notices heard, and the count at each person's latest one (bounded; see NOTICES_REMEMBERED).
        self._heard = 0
        self._last_notice: OrderedDict[int, int] = OrderedDict()
        self._forgotten_before = 0  # reads begun before this count are refused for anyone
        #: Which listener connection copies belong to; 0 while none is listening.
        self._connection = 0
        self._connections_made = 0
        self._listener_pid: int | None = None
        self._stopping = threading.Event()

    # --- what requests use ---------------------------------------------------------------
    def get(self, user_id: int, token_hash: str, now: datetime, newer_than: int = -1) -> dict[str, Any] | None:
        """The kept columns of `user_id` when its sign-in `token_hash` is kept and live at `now` and
        its page version is at least `newer_than`; else None (read the database). Starts the
        listener in this process on first use (after a fork too)."""
        self._ensure_listener()
        with self._lock:
            if not self._connection:
                return None
            person = self._people.get(user_id)
            if person is None:
                return None
            expires = person.sign_ins.get(token_hash)
            if (
                expires is None
                or expires <= now
                or person.columns.get("page_version", 0) < newer_than
                or time.monotonic() - person.kept_at > MAX_AGE_SECONDS
            ):
                return None
            self._people.move_to_end(user_id)
            return person.columns

    def ticket(self, session: Any = None) -> Ticket:  # noqa: ARG002 - used by the SQLite cache
        """Take before the query whose answer `keep` may store, in `session` (the request's
        SQLAlchemy session, whose snapshot the SQLite cache must read)."""
        with self._lock:
            return Ticket(self._connection, self._heard)

    def keep(self, ticket: Ticket, user_id: int, token_hash: str, expires_at: datetime, columns: Mapping) -> bool:
        """Store what a query begun at `ticket` returned, unless a notice about `user_id` (or
        everyone) has been heard since, or the listener has changed or stopped. True if kept."""
        with self._lock:
            if not self._connection or ticket.connection != self._connection:
                return False
            if self._forgotten_before > ticket.heard or self._last_notice.get(user_id, -1) > ticket.heard:
                return False
            person = self._people.get(user_id)
            now = time.monotonic()
            # A copy past MAX_AGE_SECONDS is replaced, not extended: its other sign-ins must be
            # read again too, and this read starts a new age (without it, a person whose columns
            # had not changed was read from the database on every request after the first minute).
            if person is None or person.columns != columns or now - person.kept_at > MAX_AGE_SECONDS:
                person = self._people[user_id] = _Person(dict(columns), {}, now)
            person.sign_ins[token_hash] = expires_at
            self._people.move_to_end(user_id)
            while len(self._people) > self._max_people:
                self._people.popitem(last=False)
            return True

    # --- what the listener does -----------------------------------------------------------
    def heard(self, payload: str) -> None:
        """Forget what a notice names: a user id, or everyone (EVERYONE, or anything unexpected);
        "<user id>:<page version>" (VERSION_SEPARATOR) gives that person's copy the new page
        version instead, when it had the one before."""
        if payload.startswith(ECHO_PREFIX):
            return  # another worker proving its listener hears
        who, _separator, version = payload.partition(VERSION_SEPARATOR)
        user_id = int(who) if who.isascii() and who.isdigit() else None
        page_version = int(version) if version.isascii() and version.isdigit() else None
        with self._lock:
            self._heard += 1
            self._forget(user_id, self._heard, page_version)

    def _forget(self, user_id: int | None, position: int, page_version: int | None = None) -> None:
        """Forget `user_id` (None: everyone) for a notice at `position` in the order notices are
        heard; reads whose ticket is older than that position are not kept. With `page_version`
        (the notice of an update that moved only that, to this number), a copy at the number
        before takes the new one and stays: notices come in the order of commits, so the copy was
        the row as it stood just before. Holding the lock."""
        if user_id is None:
            self._people.clear()
            self._forgotten_before = max(self._forgotten_before, position)
            return
        person = self._people.pop(user_id, None)
        if person is not None and page_version is not None and person.columns.get("page_version") == page_version - 1:
            # A new dict: a request may be reading the old one outside the lock.
            person.columns = {**person.columns, "page_version": page_version}
            self._people[user_id] = person
        self._last_notice[user_id] = position
        self._last_notice.move_to_end(user_id)
        if len(self._last_notice) > NOTICES_REMEMBERED:
            _, count = self._last_notice.popitem(last=False)
            self._forgotten_before = max(self._forgotten_before, count)

    def _listening(self, listening: bool) -> None:
        with self._lock:
            self._people.clear()
            self._heard += 1
            self._forgotten_before = self._heard
            if listening:
                self._connections_made += 1
                self._connection = self._connections_made
            else:
                self._connection = 0

    @property
    def listening(self) -> bool:
        """Whether copies are in use now (the listener is connected and heard the triggers exist)."""
        return bool(self._connection)

    def _ensure_listener(self) -> None:
        pid = os.getpid()
        if self._listener_pid == pid:
            return
        with self._lock:
            if self._listener_pid == pid:
                return
            # A forked child inherits the parent's copies and flags but not its thread.
            self._people.clear()
            self._connection = 0
            self._listener_pid = pid
            self._stopping = threading.Event()
        threading.Thread(target=self._listen, name="sign-in notices", daemon=True).start()

    def stop(self) -> None:
        """Ask this process's listener to close its connection and end (within POLL_SECONDS)."""
        self._stopping.set()

    def _listen(self) -> None:
        stopping = self._stopping
        while not stopping.is_set():
            delay = RETRY_SECONDS
            try:
                with self._connect() as conn:
                    missing = _missing_triggers(conn)
                    if missing:
                        delay = MISSING_TRIGGERS_RETRY_SECONDS
                        log.warning("sign-in cache off: triggers %s missing (run `lms db upgrade`)", ", ".join(missing))
                    else:
                        conn.execute(f"LISTEN {CHANNEL}")
                        try:
                            self._hear(conn, stopping)
                        finally:
                            self._listening(False)
            except Exception:  # noqa: BLE001 - any failure: nothing kept, connect again later
                if stopping.is_set():
                    break
                log.warning(
                    "sign-in notices: listener connection lost; reading sign-ins from the database", exc_info=True
                )
            stopping.wait(delay)

    def _hear(self, conn, stopping: threading.Event) -> None:  # noqa: ANN001
        """Pass on notices until `stopping`; listening from the first echo heard back. Raises
        _Deaf when an echo is ECHO_WAIT_SECONDS late."""
        echoes = 0
        awaited, sent = "", 0.0
        while not stopping.is_set():
            now = time.monotonic()
            if awaited and now - sent > ECHO_WAIT_SECONDS:
                raise _Deaf(f"an echo sent on the listener's connection was not heard within {ECHO_WAIT_SECONDS} s")
            if not awaited and (not self._connection or now - sent >= PROBE_SECONDS):
                echoes += 1
                awaited, sent = f"{ECHO_PREFIX}{os.getpid()}.{id(conn)}.{echoes}", now
                conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, awaited))
            for notice in conn.notifies(timeout=POLL_SECONDS):
                if notice.payload == awaited:
                    awaited = ""
                    if not self._connection:
                        self._listening(True)
                else:
                    self.heard(notice.payload)


class _Deaf(Exception):
    """The listener's connection delivers no notices (its own echo did not come back)."""


def _missing_triggers(conn) -> list[str]:  # noqa: ANN001
    wanted = [name for name, _table in TRIGGERS]
    found = {
        row[0]
        for row in conn.execute(
            "SELECT tgname FROM pg_trigger WHERE tgname = ANY(%s) AND tgenabled <> 'D' AND NOT tgisinternal",
            (wanted,),
        )
    }
    return [name for name in wanted if name not in found]


class Listening:
    """A psycopg2 connection in autocommit mode, as the listener uses it (psycopg2 docs,
    "Asynchronous notifications": select() on the connection, poll(), then its ``notifies`` list).
    Closes the connection on leaving a ``with`` block (psycopg2's own ``with`` only ends a
    transaction)."""

    def __init__(self, conn) -> None:  # noqa: ANN001 - a psycopg2 connection
        self._conn = conn

    def __enter__(self) -> Listening:
        return self

    def __exit__(self, *exc: object) -> None:
        self._conn.close()

    def execute(self, sql: str, params: tuple | None = None) -> list[tuple]:
        """Run one statement; its rows (none for LISTEN and the like)."""
        with self._conn.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall() if cursor.description is not None else []

    def notifies(self, timeout: float) -> list:
        """The notices that arrived within `timeout` seconds (psycopg2 ``Notify``: channel, payload,
        pid); an empty list when none did. Raises psycopg2.Error when the connection is lost."""
        conn = self._conn
        if not conn.notifies and select.select([conn], [], [], timeout)[0]:
            conn.poll()
        heard = list(conn.notifies)
        del conn.notifies[:]
        return heard


def for_engine(engine, people: int) -> SignInCache | None:  # noqa: ANN001
    """A cache listening through `engine`'s own connection settings (SQLAlchemy's
    ``dialect.create_connect_args``), or None when the engine is not PostgreSQL with psycopg2 or
    `people` is 0."""
    if people <= 0 or engine.dialect.name != "postgresql":
        return None
    if engine.dialect.driver != "psycopg2":
        log.warning(
            "sign-in cache off: it listens through psycopg2, and the database URL names %s "
            "(use postgresql+psycopg2://)",
            engine.dialect.driver,
        )
        return None
    import psycopg2

    args, kwargs = engine.dialect.create_connect_args(engine.url)
    settings = {**KEEPALIVES, **kwargs, "application_name": APPLICATION_NAME}

    def connect() -> Listening:
        conn = psycopg2.connect(*args, **settings)
        conn.autocommit = True
        return Listening(conn)

    return SignInCache(connect, people)


__all__ = ["EVERYONE", "Listening", "SignInCache", "Ticket", "for_engine"]
