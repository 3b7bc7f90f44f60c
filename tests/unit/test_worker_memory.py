"""lms.serving's worker memory settings: two malloc arenas, and free heap memory handed back."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading

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
    chunks = [bytes(40_000) for _ in range(2_500)]  # 100 MB in the heap, below mmap's threshold
    keep = chunks[-1]
    del chunks  # freed, but glibc keeps it: the last chunk pins the top of the heap
    held = rss()
    serving._trim_malloc_every(0.05)
    time.sleep(0.5)
    print(held, rss())
    """
)


@pytest.mark.skipif(serving._glibc() is None, reason="malloc_trim and mallopt are glibc's")
def test_a_worker_hands_back_memory_it_freed():
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True).stdout
    held, after = (int(x) for x in out.split())
    assert held - after >= 50, (held, after)


def test_nothing_is_started_when_trimming_is_off():
    serving._trim_malloc_every(0)
    assert not any(t.name == "malloc-trim" for t in threading.enumerate())
