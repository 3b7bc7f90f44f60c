"""lms.single_flight: one render per key at a time, and nobody waits on a render that failed or hung."""

from __future__ import annotations

import threading
import time

import pytest

from lms.single_flight import SingleFlight

THREADS = 6


def _run_together(target, n: int = THREADS) -> list:
    """Start `n` threads at once on target(i); return what each returned (or raised)."""
    start = threading.Barrier(n)
    results: list = [None] * n

    def run(i: int) -> None:
        start.wait()
        try:
            results[i] = target(i)
        except Exception as err:  # noqa: BLE001 - handed back to the test
            results[i] = err

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    return results


def test_threads_missing_one_key_render_it_once_and_all_get_it():
    flights, cache, renders = SingleFlight(), {}, []

    def get(_i):
        if "page" not in cache:
            with flights.turn("page"):
                if "page" not in cache:
                    renders.append(1)
                    time.sleep(0.2)  # long enough for every other thread to miss too
                    cache["page"] = "<html>"
        return cache["page"]

    assert _run_together(get) == ["<html>"] * THREADS
    assert len(renders) == 1
    assert len(flights) == 0


def test_different_keys_do_not_wait_for_each_other():
    flights, inside, most = SingleFlight(), [], []
    lock = threading.Lock()

    def render(i):
        with flights.turn(("page", i)):
            with lock:
                inside.append(i)
                most.append(len(inside))
            time.sleep(0.2)
            with lock:
                inside.remove(i)

    _run_together(render)
    assert max(most) > 1


def test_when_the_first_render_keeps_nothing_the_waiters_render_side_by_side():
    """When the first render keeps nothing, the others render too, side by side (no lock held)."""
    flights, inside, most = SingleFlight(), [], []
    lock = threading.Lock()

    def render(_i):
        with flights.turn("page"):
            with lock:
                inside.append(1)
                most.append(len(inside))
            time.sleep(0.2)
            with lock:
                inside.pop()

    started = time.monotonic()
    _run_together(render)
    assert max(most) == THREADS - 1  # the first alone, then all the waiters at once
    assert time.monotonic() - started < 0.2 * 3


def _waited_behind(flights: SingleFlight, holder, release: threading.Event | None = None) -> float:
    """Seconds a turn at "page" waited while another thread was inside `holder(entered)`, which
    sets `entered` once it holds the turn; `release` is set after the wait."""
    entered = threading.Event()
    thread = threading.Thread(target=holder, args=(entered,))
    thread.start()
    entered.wait(5)
    started = time.monotonic()
    with flights.turn("page"):
        waited = time.monotonic() - started
    if release is not None:
        release.set()
    thread.join()
    return waited


def test_a_render_that_raises_lets_the_waiters_in_at_once():
    flights = SingleFlight(wait_seconds=30)

    def failing(entered):
        with pytest.raises(RuntimeError), flights.turn("page"):
            entered.set()
            time.sleep(0.1)
            raise RuntimeError("the view failed")

    assert _waited_behind(flights, failing) < 5
    assert len(flights) == 0


def test_a_hung_render_is_waited_for_only_wait_seconds():
    flights = SingleFlight(wait_seconds=0.2)
    release = threading.Event()

    def hung(entered):
        with flights.turn("page"):
            entered.set()
            release.wait(10)

    assert 0.15 < _waited_behind(flights, hung, release) < 5
