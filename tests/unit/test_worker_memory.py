"""lms.serving's worker memory settings: two malloc arenas, and free heap memory handed back when
the worker falls idle (Trimmer)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

import pytest

from lms import serving

PROBE = textwrap.dedent(
    """
    import time
    from lms import serving

    def rss():
        for line in open("/proc/self/status"):
            if line.startswith("VmRSS"):
                return int(line.split()[1]) // 1024

    serving._limit_malloc_arenas()
    libc = serving._glibc()
    trimmer = serving.Trimmer(lambda: libc.malloc_trim(0), 0.05, 60).start()
    trimmer.started()
    chunks = [bytes(40_000) for _ in range(2_500)]  # 100 MB in the heap, below mmap's threshold
    keep = chunks[-1]
    del chunks  # freed, but glibc keeps it: the last chunk pins the top of the heap
    held = rss()
    trimmer.finished()  # the worker's last request ends
    deadline = time.monotonic() + 10
    while trimmer.trims == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    print(held, rss(), trimmer.trims)
    """
)


@pytest.mark.skipif(serving._glibc() is None, reason="malloc_trim and mallopt are glibc's")
def test_a_worker_hands_back_memory_it_freed_when_it_falls_idle():
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True).stdout
    held, after, trims = (int(x) for x in out.split())
    assert held - after >= 50 and trims == 1, (held, after, trims)


def test_no_trim_while_a_request_is_running():
    """One of two requests ended: the worker is not idle, so the trimmer waits the whole
    busy_seconds (the fallback) instead of trimming when the first one ends."""
    done: list[float] = []
    trimmer = serving.Trimmer(lambda: done.append(time.monotonic()), 0.01, 0.3)
    trimmer.started()
    trimmer.started()
    trimmer.finished()
    start = time.monotonic()
    assert trimmer.run_once() is True
    assert done[0] - start >= 0.29


def test_no_trim_when_a_request_starts_during_the_idle_wait():
    trimmer: serving.Trimmer

    def a_request_meanwhile(_seconds: float) -> None:
        trimmer.started()
        trimmer.finished()

    done: list[bool] = []
    trimmer = serving.Trimmer(lambda: done.append(True), 0.5, 60, sleep=a_request_meanwhile)
    trimmer.started()
    trimmer.finished()  # idle ...
    assert trimmer.run_once() is False and done == []  # ... but not for the whole idle_seconds
    # The request that ended during the wait made the worker idle again; it stays idle this time.
    trimmer._sleep = lambda _seconds: None
    assert trimmer.run_once() is True and done == [True]


def test_a_worker_that_never_falls_idle_still_trims_every_busy_seconds():
    done: list[float] = []
    trimmer = serving.Trimmer(lambda: done.append(time.monotonic()), 0.01, 0.1)
    trimmer.started()  # a request that never ends
    start = time.monotonic()
    assert trimmer.run_once() is True
    assert len(done) == 1 and done[0] - start >= 0.09


def test_the_worker_brackets_each_request_for_its_trimmer(monkeypatch):
    seen: list[str] = []

    class Trimmer:
        def started(self) -> None:
            seen.append("started")

        def finished(self) -> None:
            seen.append("finished")

    def handle_request(self, req, conn):  # noqa: ANN001
        seen.append("request")
        raise OSError("client gone")

    monkeypatch.setattr(serving.ThreadWorker, "handle_request", handle_request)
    worker = object.__new__(serving.Worker)
    worker.trimmer = Trimmer()  # type: ignore[assignment]

    class Conn:
        class sock:  # noqa: N801
            @staticmethod
            def settimeout(value: float | None) -> None:
                pass

    with pytest.raises(OSError):
        worker.handle_request(None, Conn())
    assert seen == ["started", "request", "finished"]
