"""lms.serving's worker memory settings: two malloc arenas, and free heap memory handed back when
the worker falls idle (Trimmer)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
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
    time.sleep(0.5)
    print(held, rss(), trimmer.trims)
    """
)


@pytest.mark.skipif(serving._glibc() is None, reason="malloc_trim and mallopt are glibc's")
def test_a_worker_hands_back_memory_it_freed_when_it_falls_idle():
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True).stdout
    held, after, trims = (int(x) for x in out.split())
    assert held - after >= 50 and trims == 1, (held, after, trims)


def _trimmer(idle: float = 0.05, busy: float = 60) -> tuple[serving.Trimmer, list[float]]:
    done: list[float] = []
    return serving.Trimmer(lambda: done.append(time.monotonic()), idle, busy), done


def test_no_trim_while_a_request_is_running_or_when_another_starts_during_the_wait():
    trimmer, done = _trimmer(idle=0.2)
    trimmer.started()
    trimmer.started()
    trimmer.finished()  # one still running: not idle
    waiting = threading.Thread(target=trimmer.run_once)
    waiting.start()
    time.sleep(0.1)
    assert waiting.is_alive()  # still waiting for the worker to fall idle
    trimmer.finished()  # now idle ...
    time.sleep(0.05)
    trimmer.started()  # ... but a request starts before the idle time is over
    trimmer.finished()
    waiting.join(5)
    assert done == [] and trimmer.trims == 0
    # The request that just ended made the worker idle again: this time it stays idle, and trims.
    assert trimmer.run_once() is True and len(done) == 1


def test_a_worker_that_never_falls_idle_still_trims_every_busy_seconds():
    trimmer, done = _trimmer(busy=0.1)
    trimmer.started()  # a request that never ends
    start = time.monotonic()
    assert trimmer.run_once() is True
    assert len(done) == 1 and 0.09 <= done[0] - start < 2


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
