"""lms.services.analytics.ReportMemo: kept by stamp, made once for requests that arrive together."""

from __future__ import annotations

import threading
import time

from lms.services.analytics import ReportMemo


def test_a_page_is_reused_at_the_same_stamp_and_made_again_at_another():
    memo = ReportMemo(maxsize=4)
    made = []

    def make():
        made.append(1)
        return object()

    first = memo.kept(("c", 1), (1, (3,)), make)
    assert memo.kept(("c", 1), (1, (3,)), make) is first and len(made) == 1
    assert memo.kept(("c", 1), (2, (3,)), make) is not first and len(made) == 2


def test_requests_that_arrive_together_make_the_page_once():
    memo = ReportMemo(maxsize=4)
    calls = []
    results = []

    def make():
        calls.append(1)
        time.sleep(0.2)
        return object()

    start = threading.Barrier(6)

    def ask():
        start.wait()
        results.append(memo.kept(("c", 1), (1,), make))

    threads = [threading.Thread(target=ask) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and len({id(r) for r in results}) == 1


def test_the_memo_keeps_at_most_maxsize_pages():
    memo = ReportMemo(maxsize=2)
    for page in range(5):
        memo.kept(("c", page), (1,), object)
    assert len(memo._kept) == 2
