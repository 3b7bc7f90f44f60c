"""SQLite under several writers: a writer waits for the lock instead of failing with "database is locked"."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import text

from lms.db import make_engine


def _engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'w.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)"))
    return engine


@pytest.mark.slow
def test_a_second_writer_waits_for_the_first_and_both_are_kept(tmp_path):
    """A write waits longer than the driver's default 5 s for another's lock, and succeeds after it commits."""
    first, second = _engine(tmp_path), make_engine(f"sqlite:///{tmp_path / 'w.db'}")
    errors: list[BaseException] = []
    with first.connect() as a:
        a.execute(text("INSERT INTO t (v) VALUES ('a')"))  # holds the write lock until commit

        def write_b():
            try:
                with second.begin() as b:
                    b.execute(text("INSERT INTO t (v) VALUES ('b')"))
            except BaseException as err:  # noqa: BLE001 - reported below
                errors.append(err)

        thread = threading.Thread(target=write_b)
        thread.start()
        time.sleep(6)  # past pysqlite's default timeout of 5 s
        assert thread.is_alive() and errors == []  # waiting, not failed
        a.commit()
        thread.join(10)
    assert errors == []
    with first.connect() as conn:
        assert sorted(conn.execute(text("SELECT v FROM t")).scalars()) == ["a", "b"]
