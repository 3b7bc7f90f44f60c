"""The gunicorn worker's per-connection head timeout."""

from __future__ import annotations

import gc
import weakref

from gunicorn.workers.gthread import ThreadWorker

from lms import serving


class _Sock:
    def __init__(self) -> None:
        self.timeouts: list[float | None] = []

    def settimeout(self, value: float | None) -> None:
        self.timeouts.append(value)


class _Conn:
    def __init__(self) -> None:
        self.sock = _Sock()
        self.inits = 0

    def init(self) -> None:
        self.inits += 1


def test_kept_alive_connection_serves_thousands_of_requests_without_nesting(monkeypatch):
    """handle() on one kept-alive connection 5,000 times wraps its init once: no RecursionError, one head timeout a request."""
    monkeypatch.setattr(ThreadWorker, "handle", lambda self, conn: conn.init())
    worker = object.__new__(serving.Worker)
    conn = _Conn()
    for _ in range(5000):
        worker.handle(conn)
    assert conn.inits == 5000 and conn.sock.timeouts == [serving.HEAD_READ_TIMEOUT] * 5000


def test_the_master_freezes_what_it_made_before_each_fork():
    """pre_fork leaves a worker's collections nothing of the preloaded app to walk (gc.freeze),
    after collecting the garbage, which frozen would never be freed."""

    class Cycle:
        def __init__(self) -> None:
            self.me = self

    gc.unfreeze()
    garbage = weakref.ref(Cycle())  # only a collection frees it
    kept = Cycle()
    try:
        serving.pre_fork(None, None)
        assert garbage() is None
        assert gc.get_freeze_count() > 1000  # the modules and objects this test process made
        assert gc.is_tracked(kept)
        assert not any(o is kept for o in gc.get_objects())  # frozen: no collection walks it
    finally:
        gc.unfreeze()
