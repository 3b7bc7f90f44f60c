"""SQLite writers take turns (lms.sqlite_writers): a second writer waits for the first to commit,
however many threads and processes there are, and gives up with "database is locked" after its
timeout, as SQLite's busy handler would."""

from __future__ import annotations

import fcntl
import multiprocessing
import os
import sqlite3
import threading
import time
from contextlib import closing

import pytest
from sqlalchemy import text

from lms.db import make_engine
from lms.sqlite_writers import QueuedConnection, queue_for


def _connect(path, timeout=5.0) -> QueuedConnection:
    conn = sqlite3.connect(path, timeout=timeout, factory=QueuedConnection, check_same_thread=False)
    assert isinstance(conn, QueuedConnection)
    return conn


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "turns.db"
    # Closed, not left to the garbage collector (a pysqlite connection sits in a reference cycle):
    # a test that forks would carry it open into the child, which SQLite's FAQ forbids ("Is SQLite
    # threadsafe?": never carry an open database across fork()): the child inherits the process's
    # lock bookkeeping, and a write was lost when the collector had not yet run.
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE marks (n INTEGER)")
    return path


def test_a_second_writer_waits_for_the_first_to_commit_and_is_not_refused(db):
    first, second = _connect(db), _connect(db, timeout=10)
    first.execute("INSERT INTO marks VALUES (1)")  # holds the turn until it commits
    order: list[str] = []

    def write() -> None:
        second.execute("INSERT INTO marks VALUES (2)")
        order.append("second wrote")
        second.commit()

    writer = threading.Thread(target=write)
    writer.start()
    time.sleep(0.3)
    assert order == []  # still waiting: the first has not committed
    order.append("first commits")
    first.commit()
    writer.join(5)
    assert order == ["first commits", "second wrote"]
    assert sorted(r[0] for r in first.execute("SELECT n FROM marks")) == [1, 2]


def _file_lock_free(db) -> bool:
    """Whether another process could take the turn now (a new open file description of the lock file)."""
    fd = os.open(f"{db}-writer.lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)


def test_a_writer_holds_the_machine_wide_turn_from_its_first_write_to_its_commit(db):
    """What makes waiters wake when the turn frees instead of sleeping in SQLite's busy handler."""
    conn = _connect(db)
    conn.execute("SELECT count(*) FROM marks").fetchone()
    assert _file_lock_free(db)  # reading takes no turn
    conn.execute("INSERT INTO marks VALUES (1)")
    assert not _file_lock_free(db)
    conn.execute("INSERT INTO marks VALUES (2)")
    assert not _file_lock_free(db)
    conn.commit()
    assert _file_lock_free(db)


def test_reads_do_not_wait_for_a_writer(db):
    writer, reader = _connect(db), _connect(db, timeout=0.2)
    writer.execute("INSERT INTO marks VALUES (1)")
    assert reader.execute("SELECT count(*) FROM marks").fetchone() == (0,)  # WAL: the committed state
    writer.rollback()


@pytest.mark.parametrize("end", ["commit", "rollback", "close"])
def test_the_turn_is_given_back_however_the_transaction_ends(db, end):
    first, second = _connect(db), _connect(db, timeout=0.5)
    first.execute("INSERT INTO marks VALUES (1)")
    getattr(first, end)()
    second.execute("INSERT INTO marks VALUES (2)")  # would time out if the turn were still held
    second.commit()


def test_a_statement_outside_a_transaction_gives_the_turn_back_when_it_ends(db):
    first = sqlite3.connect(db, timeout=5, factory=QueuedConnection, isolation_level=None)
    first.execute("INSERT INTO marks VALUES (1)")  # autocommit: over when it returns
    second = _connect(db, timeout=0.5)
    second.execute("INSERT INTO marks VALUES (2)")
    second.commit()


def test_a_writer_that_waits_too_long_is_told_the_database_is_locked(db):
    """Even a thread that writes through a second connection while its first holds the turn: it
    fails after its timeout instead of waiting for itself for ever."""
    first, second = _connect(db), _connect(db, timeout=0.3)
    first.execute("INSERT INTO marks VALUES (1)")
    started = time.monotonic()
    with pytest.raises(sqlite3.OperationalError, match="database is locked"):
        second.execute("INSERT INTO marks VALUES (2)")
    assert 0.25 < time.monotonic() - started < 3
    first.commit()
    second.execute("INSERT INTO marks VALUES (3)")  # the failed wait left no turn behind
    second.commit()


def _hold_the_turn(path: str, held, release) -> None:  # noqa: ANN001 - multiprocessing Events
    conn = sqlite3.connect(path, timeout=5, factory=QueuedConnection)
    conn.execute("INSERT INTO marks VALUES (10)")
    held.set()
    release.wait(10)
    conn.commit()


def test_writers_in_other_processes_take_turns_too(db):
    """A forked child opens its own lock file description, so it and its parent exclude each other."""
    queue_for(db)  # the parent's queue exists before the fork, as in a preloaded gunicorn
    context = multiprocessing.get_context("fork")
    held, release = context.Event(), context.Event()
    child = context.Process(target=_hold_the_turn, args=(str(db), held, release))
    child.start()
    try:
        assert held.wait(10)
        mine = _connect(db, timeout=0.3)
        with pytest.raises(sqlite3.OperationalError, match="database is locked"):
            mine.execute("INSERT INTO marks VALUES (1)")
        release.set()
        child.join(10)
        waiting = _connect(db, timeout=5)
        waiting.execute("INSERT INTO marks VALUES (2)")
        waiting.commit()
    finally:
        release.set()
        child.join(10)
    assert sorted(r[0] for r in waiting.execute("SELECT n FROM marks")) == [2, 10]


class _Holder:
    """A forked child that holds the turn of `db` until `let_go()`."""

    def __init__(self, db) -> None:  # noqa: ANN001
        queue_for(db)  # the parent's queue exists before the fork, as in a preloaded gunicorn
        context = multiprocessing.get_context("fork")
        self.held, self.release = context.Event(), context.Event()
        self.child = context.Process(target=_hold_the_turn, args=(str(db), self.held, self.release))

    def __enter__(self) -> _Holder:
        self.child.start()
        assert self.held.wait(10)
        return self

    def let_go(self) -> None:
        self.release.set()
        self.child.join(10)

    def __exit__(self, *exc_info) -> None:  # noqa: ANN002
        self.let_go()


def _write_in_thread(db, timeout: float) -> tuple[threading.Thread, list]:  # noqa: ANN001
    """A thread that writes one row (on a connection of its own) and puts the outcome in the list."""
    outcome: list = []

    def write() -> None:
        conn = _connect(db, timeout=timeout)
        try:
            conn.execute("INSERT INTO marks VALUES (3)")
            outcome.append("wrote")
            conn.commit()
        except sqlite3.OperationalError as err:
            outcome.append(str(err))
        finally:
            conn.close()

    thread = threading.Thread(target=write)
    thread.start()
    return thread, outcome


def test_a_writer_waiting_on_another_process_is_woken_by_the_kernel_not_by_polling(db, monkeypatch):
    """While the turn is held elsewhere, this process asks for the file lock twice: once without
    waiting, then once in a blocking flock(2) that ends when the holder lets go. Polling the lock
    left it free between holders a quarter of the time under load (bench/RESULTS.md)."""
    import lms.sqlite_writers as writers

    calls: list[int] = []
    real_flock = fcntl.flock

    def counted_flock(fd: int, operation: int) -> None:
        calls.append(operation)
        real_flock(fd, operation)

    with _Holder(db) as holder:
        monkeypatch.setattr(writers.fcntl, "flock", counted_flock)
        thread, outcome = _write_in_thread(db, timeout=10)
        time.sleep(0.5)
        assert outcome == []  # still waiting for the other process
        assert calls == [fcntl.LOCK_EX | fcntl.LOCK_NB, fcntl.LOCK_EX]
        holder.let_go()
        thread.join(10)
    assert outcome == ["wrote"]
    assert _file_lock_free(db)


def test_a_writer_that_gave_up_leaves_no_file_lock_behind_when_the_turn_comes(db):
    """Its flock(2) cannot be called off: when it ends after the writer has timed out and no other
    thread of the process waits, the lock goes straight back, or no process could write again."""
    with _Holder(db) as holder:
        thread, outcome = _write_in_thread(db, timeout=0.3)
        thread.join(10)
        assert outcome == ["database is locked"]
        holder.let_go()
    deadline = time.monotonic() + 10
    while not _file_lock_free(db):
        assert time.monotonic() < deadline, "the process kept the turn nobody in it wanted"
        time.sleep(0.01)
    other = _connect(db, timeout=1)
    other.execute("INSERT INTO marks VALUES (4)")
    other.commit()


def test_the_next_writer_of_a_process_takes_over_a_wait_another_gave_up(db):
    with _Holder(db) as holder:
        gave_up, first = _write_in_thread(db, timeout=0.3)
        gave_up.join(10)
        assert first == ["database is locked"]
        waiting, second = _write_in_thread(db, timeout=10)
        time.sleep(0.2)
        assert second == []
        holder.let_go()
        waiting.join(10)
    assert second == ["wrote"]
    assert _file_lock_free(db)
    with sqlite3.connect(db) as conn:
        assert sorted(r[0] for r in conn.execute("SELECT n FROM marks")) == [3, 10]


def test_an_in_memory_database_has_no_queue():
    assert queue_for(":memory:") is None
    conn = sqlite3.connect(":memory:", factory=QueuedConnection)
    conn.execute("CREATE TABLE t (n INTEGER)")
    conn.execute("INSERT INTO t VALUES (1)")
    conn.commit()


def test_the_apps_engine_queues_writers_on_a_database_file(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'app.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))
        conn.execute(text("INSERT INTO t VALUES (1)"))
        assert isinstance(conn.connection.driver_connection, QueuedConnection)
    assert (tmp_path / "app.db-writer.lock").exists()
    engine.dispose()


def test_many_threads_writing_at_once_all_land(db):
    """32 threads each committing 20 rows on their own connection: none refused, none lost."""
    errors: list[BaseException] = []

    def write(k: int) -> None:
        conn = _connect(db, timeout=30)
        try:
            for i in range(20):
                conn.execute("INSERT INTO marks VALUES (?)", (k * 100 + i,))
                conn.commit()
        except BaseException as err:  # noqa: BLE001 - reported below
            errors.append(err)
        finally:
            conn.close()

    threads = [threading.Thread(target=write, args=(k,)) for k in range(32)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(DISTINCT n) FROM marks").fetchone() == (640,)


@pytest.mark.parametrize(
    "first",
    [
        "/* why */ INSERT INTO marks VALUES (1)",
        "-- why\nINSERT INTO marks VALUES (1)",
        "BEGIN IMMEDIATE",
        "WITH n(v) AS (SELECT 1) INSERT INTO marks SELECT v FROM n",
    ],
)
def test_writes_behind_comments_or_in_other_forms_take_the_turn(db, first):
    """Else a writer SQLite already let in would wait for a turn held by one waiting on it."""
    conn = _connect(db)
    conn.execute(first)
    if conn.in_transaction:
        assert not _file_lock_free(db)
        conn.execute("INSERT INTO marks VALUES (2)")
        conn.commit()
    assert _file_lock_free(db)


@pytest.mark.parametrize(
    ("sql", "kind", "may_write"),
    [
        ("SELECT 1", "SELECT", False),
        ("  (SELECT 1)", "SELECT", False),
        ("/* a */ -- b\n update marks set n = 1", "UPDATE", True),
        ("WITH x AS (SELECT 1) SELECT * FROM x", "WITH", False),
        ("WITH x AS (SELECT 1) DELETE FROM marks", "WITH", True),
        ("BEGIN", "BEGIN", False),
        ("begin exclusive", "BEGIN", True),
        ("(", "", False),
        ("", "", False),
    ],
)
def test_statements_are_told_apart_as_pysqlite_reads_them(sql, kind, may_write):
    from lms.sqlite_writers import classify

    assert classify(sql) == (kind, may_write)


def test_the_turn_is_given_back_by_with_blocks_scripts_and_the_garbage_collector(db):
    import gc

    first = _connect(db)
    with first:
        first.execute("INSERT INTO marks VALUES (1)")
    assert _file_lock_free(db)  # `with` committed (in C)
    first.execute("INSERT INTO marks VALUES (2)")
    first.executescript("INSERT INTO marks VALUES (3);")  # commits the open transaction first
    assert _file_lock_free(db)
    first.executemany("INSERT INTO marks VALUES (?)", [(4,), (5,)])
    assert not _file_lock_free(db)
    del first
    gc.collect()
    assert _file_lock_free(db)  # closed by the collector, transaction and turn with it


def test_a_savepoint_that_is_the_first_write_is_rolled_back_with_the_request(tmp_path):
    """SQLAlchemy's begin_nested() as a request's first write (find-or-add) nests in the request's
    transaction: the request's rollback takes it back (before, SQLite's RELEASE had committed it)."""
    from sqlalchemy.orm import Session

    for url in (f"sqlite:///{tmp_path / 'nested.db'}", "sqlite://"):
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE marks (n INTEGER PRIMARY KEY)"))
        with Session(engine) as session:
            session.execute(text("SELECT 1"))
            with session.begin_nested():
                session.execute(text("INSERT INTO marks VALUES (1)"))
            session.execute(text("INSERT INTO marks VALUES (2)"))
            session.rollback()
            assert session.execute(text("SELECT count(*) FROM marks")).scalar() == 0
        with Session(engine) as session:
            with session.begin_nested():
                session.execute(text("INSERT INTO marks VALUES (1)"))
            session.commit()
            assert session.execute(text("SELECT n FROM marks")).scalars().all() == [1]
        engine.dispose()
