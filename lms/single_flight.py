"""One render at a time per cache key in a worker: the first thread to miss a kept page renders
it, and the worker's other threads that miss the same key meanwhile wait for that page instead of
rendering it too.

Why: a kept page is missed by every request that arrives before the first render is kept. On a
worker that has just started, or just after the key changed (a publish, a learner's new page
version, the results' fingerprint), each of its threads rendered the same page at once, each
paying the whole cost under one GIL: five threads turned a 0.2-0.5 s first render into about 1 s
for all of them (bench/RESULTS.md, 2026-12-01). This is the "dogpile" or "cache stampede" that
dogpile.cache's lock and Go's singleflight answer; those cover values a function always returns,
where a page here is kept only when it may be (lms.personal_pages), so the waiting is done here and
the caller looks the cache up again once its turn comes.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable, Iterator
from contextlib import contextmanager

#: Seconds a thread waits for another's render of the same key before rendering itself: longer
#: than any render should take (a results page of 10,000 learners: about 0.5 s), so only a hung
#: render is ever raced.
WAIT_SECONDS = 10.0


class SingleFlight:
    """Turns per key, for the threads of one process.

    Use: look the cache up; on a miss, ``with flights.turn(key):`` look it up again (the thread
    before may have kept it) and render only if it is still missing. The first thread into
    ``turn(key)`` enters at once; the others enter when it leaves (however it leaves), or after
    `wait_seconds`. Threads never hold a lock while they render, so a page that is not kept costs
    its threads no more than before: they render side by side once the first has finished."""

    def __init__(self, wait_seconds: float = WAIT_SECONDS) -> None:
        self._wait_seconds = wait_seconds
        self._lock = threading.Lock()
        self._busy: dict[Hashable, threading.Event] = {}

    @contextmanager
    def turn(self, key: Hashable) -> Iterator[None]:
        with self._lock:
            busy = self._busy.get(key)
            if busy is None:
                done = self._busy[key] = threading.Event()
        if busy is not None:
            busy.wait(self._wait_seconds)
            yield
            return
        try:
            yield
        finally:
            with self._lock:
                del self._busy[key]
            done.set()

    def __len__(self) -> int:
        """Keys being rendered now."""
        with self._lock:
            return len(self._busy)
