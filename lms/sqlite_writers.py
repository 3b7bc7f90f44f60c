"""SQLite writers take turns in a queue instead of sleeping in SQLite's busy handler.

SQLite lets one connection write at a time. A connection that finds the write lock taken calls its
busy handler, which in pysqlite (`timeout=`, C API `sqlite3_busy_timeout`) sleeps and retries on a
fixed back-off of 1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50 and then 100 ms (sqlite3.c,
`sqliteDefaultBusyCallback`). A writer is not woken when the lock frees: under 32 learners posting
quizzes the lock was held about 1 ms per submission yet sat free between them while the waiters
slept, the machine was a fifth idle, and a post's p99 was 0.7-0.9 s (bench/RESULTS.md).

Here every connection made through `lms.db.make_engine` to a database file takes a turn before its
first write statement (INSERT, UPDATE, DELETE, REPLACE or DDL, the statements pysqlite opens a
transaction for) and gives it back when the transaction ends (commit, rollback, close) or, outside
a transaction, when the statement ends. Threads of one process queue on a `threading.Lock`; the
thread at the front of each process takes an exclusive `flock` (Linux flock(2)) on a file beside
the database, `<database>-writer.lock`, so the processes of `lms serve` and `lms worker` take
turns too. A writer that has waited `timeout` seconds in all raises `sqlite3.OperationalError
("database is locked")`, as the busy handler would: so a thread that opened a second connection and
wrote through it while its first held the turn fails after the timeout rather than hanging.

Only the order of writers changes: SQLite's own locking still guards the file, so a writer outside
the queue (the sqlite3 shell, a backup) is waited for by the busy handler as before.

The same connection also begins a transaction before a SAVEPOINT made outside one (see
`QueuedConnection.before`): without it the SAVEPOINT is a transaction of its own, and what
SQLAlchemy's `begin_nested()` wrote first in a request was committed by its RELEASE even when the
request then failed and rolled back.
"""

from __future__ import annotations

import fcntl
import os
import re
import sqlite3
import threading
import time
import urllib.parse
from pathlib import Path

#: First keywords of the statements that take the turn: those pysqlite begins a transaction for
#: (Python docs, sqlite3 "Transaction control": INSERT, UPDATE, DELETE, REPLACE), and DDL.
WRITES = frozenset({"INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER"})

#: Leading blanks and comments, which pysqlite also skips before it looks at a statement's keyword.
_LEADING = re.compile(r"\A(?:[\s(]+|--[^\n]*(?:\n|\Z)|/\*.*?(?:\*/|\Z))*", re.S)
_CHANGES = re.compile(r"\b(?:INSERT|UPDATE|DELETE|REPLACE)\b", re.I)
_BEGIN_WRITING = re.compile(r"BEGIN\s+(?:IMMEDIATE|EXCLUSIVE)\b", re.I)


def classify(sql: str) -> tuple[str, bool]:
    """(the statement's first keyword, upper case, "" for none, after blanks, brackets and
    comments; whether it may write: WRITES, a WITH that changes rows, a BEGIN that takes SQLite's
    write lock at once, IMMEDIATE or EXCLUSIVE, or a script with any of them)."""
    rest = _LEADING.sub("", sql, count=1)
    words = rest.split(None, 1)
    kind = words[0].upper() if words else ""
    if kind in WRITES:
        return kind, True
    if kind in ("WITH", "BEGIN") or ";" in rest:
        return kind, bool(_CHANGES.search(rest) or _BEGIN_WRITING.match(rest))
    return kind, False


class WriterQueue:
    """The turn to write one database file: a lock per process in front of a file lock per machine.

    `acquire(timeout)` blocks until this thread may write (sqlite3.OperationalError after `timeout`
    seconds); `release()` hands the turn on. One per database path per process (`queue_for`).

    The thread at the front of a process's queue tries the file lock at once; when another process
    holds it, a taker thread of this process waits in a blocking flock(2), which the kernel ends
    the moment the holder unlocks, while the front thread waits for the taker with its timeout (a
    blocking flock has none). Polling the lock instead, with sleeps of 0.2-2 ms, left the turn
    free between holders a quarter of the time under 32 learners posting quizzes: 670-730
    submissions a second, where the same writers woken by the kernel make about 1,000
    (bench/RESULTS.md, 2026-12-01)."""

    def __init__(self, lock_path: str):
        self.lock_path = lock_path
        self._fd: int | None = None
        self._start()

    def _start(self) -> None:
        self._threads = threading.Lock()
        #: Guards the three flags below; the front thread waits on it for the taker.
        self._file = threading.Condition(threading.Lock())
        self._held = False  # this process holds the file lock
        self._wanted = False  # the front thread is waiting for it
        self._taking = False  # the taker is asked to wait for it, or is waiting in flock(2)
        self._taker: threading.Thread | None = None

    def _open(self) -> int:
        if self._fd is None:
            self._fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        return self._fd

    def forget_parent(self) -> None:
        """In a forked child: new locks and no taker (the parent's thread does not exist here), and
        the parent's descriptor closed, since an inherited one shares the parent's flock (flock(2):
        locks belong to the open file description). The parent keeps its own, so its turn, if it
        holds one, stays held."""
        if self._fd is not None:
            os.close(self._fd)
        self._fd = None
        self._start()

    def acquire(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        if not self._threads.acquire(timeout=max(timeout, 0)):
            raise sqlite3.OperationalError("database is locked")
        try:
            self._take_file(deadline)
        except BaseException:
            self._threads.release()
            raise

    def _take_file(self, deadline: float) -> None:
        with self._file:
            self._wanted = True
            try:
                while not self._held:
                    if not self._taking:
                        self._try_or_ask_the_taker()
                        continue
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise sqlite3.OperationalError("database is locked")
                    self._file.wait(remaining)
            finally:
                self._wanted = False

    def _try_or_ask_the_taker(self) -> None:
        """Take the file lock if it is free; else have the taker wait for it (holding `_file`)."""
        fd = self._open()
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            self._held = True
            return
        except BlockingIOError:
            pass
        self._taking = True
        if self._taker is None:
            self._taker = threading.Thread(
                target=self._take_in_turn, args=(fd,), name="sqlite-writer-turn", daemon=True
            )
            self._taker.start()
        self._file.notify_all()

    def _take_in_turn(self, fd: int) -> None:
        """The taker: for each request, a blocking flock; the lock goes to the front thread if one
        still waits, else straight back (its front thread timed out and no other has come). Should
        flock fail, the front thread tries again itself and meets the error."""
        while True:
            with self._file:
                while not self._taking:
                    self._file.wait()
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)  # the GIL is released while the kernel holds us here
                taken = True
            except OSError:
                taken = False
            with self._file:
                self._taking = False
                if taken and self._wanted:
                    self._held = True
                elif taken:
                    fcntl.flock(fd, fcntl.LOCK_UN)
                self._file.notify_all()

    def release(self) -> None:
        try:
            with self._file:
                if self._held:
                    self._held = False
                    fcntl.flock(self._open(), fcntl.LOCK_UN)
        finally:
            self._threads.release()


_queues: dict[str, WriterQueue] = {}
_queues_lock = threading.Lock()


def queue_for(database: str | os.PathLike) -> WriterQueue | None:
    """The queue of a database file (None for an in-memory database, which no other process sees)."""
    name = os.fspath(database)
    if name.startswith("file:"):  # a URI filename (sqlite3.connect(..., uri=True))
        parts = urllib.parse.urlsplit(name)
        if "mode=memory" in parts.query:
            return None
        name = urllib.parse.unquote(parts.path)
    if not name or name == ":memory:":
        return None
    path = str(Path(name).resolve())
    with _queues_lock:
        if path not in _queues:
            _queues[path] = WriterQueue(path + "-writer.lock")
        return _queues[path]


class QueuedCursor(sqlite3.Cursor):
    """A cursor whose write statements wait for their connection's turn (QueuedConnection)."""

    def execute(self, sql, parameters=(), /):  # noqa: ANN001, ANN201 - sqlite3.Cursor's signature
        connection: QueuedConnection = self.connection  # type: ignore[assignment]
        if connection.before(sql):
            super().execute("BEGIN")
        try:
            return super().execute(sql, parameters)
        finally:
            connection.after()

    def executemany(self, sql, seq_of_parameters, /):  # noqa: ANN001, ANN201
        connection: QueuedConnection = self.connection  # type: ignore[assignment]
        connection.before(sql)
        try:
            return super().executemany(sql, seq_of_parameters)
        finally:
            connection.after()

    def executescript(self, sql_script, /):  # noqa: ANN001, ANN201
        # A script commits any open transaction first, then runs as it is written.
        connection: QueuedConnection = self.connection  # type: ignore[assignment]
        connection.take_turn(classify(sql_script)[1] or connection.in_transaction)
        try:
            return super().executescript(sql_script)
        finally:
            connection.after()


class QueuedConnection(sqlite3.Connection):
    """pysqlite's connection (pass as `factory=` to sqlite3.connect) that takes its database's
    writer turn before its first write and gives it back when the transaction ends."""

    def __init__(self, database, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003
        super().__init__(database, *args, **kwargs)
        self._queue = queue_for(database)
        self._timeout = float(kwargs.get("timeout", args[0] if args else 5.0))
        self._holding = False

    def cursor(self, factory=QueuedCursor):  # noqa: ANN001, ANN201
        return super().cursor(factory)

    def execute(self, sql, parameters=(), /):  # noqa: ANN001, ANN201
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql, seq_of_parameters, /):  # noqa: ANN001, ANN201
        return self.cursor().executemany(sql, seq_of_parameters)

    def executescript(self, sql_script, /):  # noqa: ANN001, ANN201
        return self.cursor().executescript(sql_script)

    def take_turn(self, wanted: bool = True) -> None:
        if wanted and self._queue is not None and not self._holding:
            self._queue.acquire(self._timeout)
            self._holding = True

    def before(self, sql: str) -> bool:
        """Take the turn before a write. True when a transaction must be begun first: a SAVEPOINT
        outside one, which SQLite would make a transaction of its own that RELEASE commits, so
        what SQLAlchemy's `begin_nested()` wrote as the request's first write would outlive the
        request's rollback (pysqlite begins transactions before INSERT, UPDATE, DELETE and REPLACE
        only). The BEGIN makes the savepoint nest in a transaction that only commit() ends."""
        kind, may_write = classify(sql)
        if kind == "SAVEPOINT" and not self.in_transaction:
            self.take_turn()
            return True
        self.take_turn(may_write)
        return False

    def after(self) -> None:
        # A statement outside a transaction (autocommit, DDL) is over once it returns. (In
        # autocommit mode a RETURNING statement keeps SQLite's lock until its rows are read; Sala
        # never uses autocommit mode, and a writer after it then waits in the busy handler.)
        if self._holding and not self.in_transaction:
            self._give_back()

    def _give_back(self) -> None:
        if getattr(self, "_holding", False) and self._queue is not None:
            self._holding = False
            self._queue.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            if not self.in_transaction:
                self._give_back()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._give_back()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._give_back()

    def __exit__(self, *exc_info):  # noqa: ANN002, ANN204 - `with connection:` commits or rolls back in C
        try:
            return super().__exit__(*exc_info)
        finally:
            if not self.in_transaction:
                self._give_back()

    def __del__(self) -> None:
        # Collected without close(): SQLite closes the handle (ending its transaction) in C.
        self._give_back()


def _after_fork_in_child() -> None:
    """A forked child starts with no turn: fresh locks (a parent thread may have held one at the
    fork) and its own lock file description, opened when first needed."""
    global _queues_lock
    _queues_lock = threading.Lock()
    for queue in _queues.values():
        queue.forget_parent()


os.register_at_fork(after_in_child=_after_fork_in_child)
