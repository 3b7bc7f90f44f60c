"""lms.services.publication.read_recently: a value kept for max_age seconds, read anew by one
thread at a time while the others are given the value before."""

from __future__ import annotations

import threading

import pytest

from lms.services.publication import read_recently


def test_a_value_is_kept_for_max_age_then_read_again():
    memo: dict = {}
    reads = iter([1, 2])
    assert read_recently(memo, "k", 60, lambda: next(reads)) == 1
    assert read_recently(memo, "k", 60, lambda: next(reads)) == 1
    assert read_recently(memo, "k", 0, lambda: next(reads)) == 2


def _slow_reader(memo: dict, max_age: float, value: str, reads: list[str]):
    """A thread reading "k" anew with a read that waits for the returned event; started, and
    inside its read when this returns."""
    started, release = threading.Event(), threading.Event()

    def slow_read() -> str:
        reads.append("slow")
        started.set()
        release.wait(10)
        return value

    reader = threading.Thread(target=lambda: read_recently(memo, "k", max_age, slow_read))
    reader.start()
    assert started.wait(10)
    return reader, release


def test_while_one_thread_reads_anew_the_others_get_the_value_before():
    memo: dict = {}
    read_recently(memo, "k", 60, lambda: "old")
    reads: list[str] = []
    reader, release = _slow_reader(memo, 0, "new", reads)
    # Expired too, but another thread is reading it: the value before, and no second read.
    assert read_recently(memo, "k", 0, lambda: reads.append("second") or "other") == "old"
    assert read_recently(memo, "other key", 0, lambda: "its own") == "its own"  # other keys unaffected
    release.set()
    reader.join(10)
    assert reads == ["slow"]
    assert read_recently(memo, "k", 60, lambda: "unused") == "new"


def test_a_failed_read_lets_the_next_thread_read():
    memo: dict = {}
    read_recently(memo, "k", 60, lambda: "old")

    def failing() -> str:
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        read_recently(memo, "k", 0, failing)
    assert read_recently(memo, "k", 0, lambda: "new") == "new"


def test_a_thread_with_no_value_yet_reads_its_own():
    memo: dict = {}
    reader, release = _slow_reader(memo, 60, "first", [])
    assert read_recently(memo, "k", 60, lambda: "second") == "second"
    release.set()
    reader.join(10)
