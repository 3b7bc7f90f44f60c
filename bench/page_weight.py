"""Page weight, requests, SQL queries and server time per page type, beside a baseline.

Run: .venv/bin/python bench/page_weight.py [--write-baseline]
Pages are fetched in-process with Flask's test client on a throwaway SQLite database with the
real courses imported. Weight = gzip-compressed bytes of the HTML plus the CSS and JS it links
(what a phone downloads on a first visit, media excluded). The baseline for weight is Kolibri's
sign-in page on a first visit, measured on this kind of machine (2.86 MB in 26 requests); the
baseline for time and queries is bench/baseline.json, written by an earlier run.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import harness
from sqlalchemy import event

sys.path.insert(0, str(harness.ROOT))

KOLIBRI_SIGN_IN = {"bytes": 2_860_000, "requests": 26}
BASELINE = Path(__file__).with_name("baseline.json")
RUNS = 30


def weigh(client, url):
    html = client.get(url).data
    assets = re.findall(rb'(?:href|src)="(/static/[^"]+\.(?:css|js))"', html)
    total = len(gzip.compress(html))
    for asset in dict.fromkeys(assets):
        r = client.get(asset.decode())
        total += len(gzip.compress(r.data))
        r.close()
    return total, 1 + len(set(assets))


def timed(app, client, url):
    queries = 0

    def hit(*_):
        nonlocal queries
        queries += 1

    engine = app.extensions["lms.engine"]
    samples = []
    for _ in range(RUNS):
        queries = 0
        event.listen(engine, "before_cursor_execute", hit)
        start = time.perf_counter()
        client.get(url)
        samples.append((time.perf_counter() - start) * 1000)
        event.remove(engine, "before_cursor_execute", hit)
    return statistics.median(samples), queries


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--write-baseline", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app, anon, learner = harness.in_process_site(Path(tmp))
        pages = [
            ("catalog", anon, "/"),
            ("course (signed out)", anon, "/courses/public-speaking"),
            ("sign in", anon, "/login"),
            ("register", anon, "/register"),
            ("verify", anon, "/verify"),
            ("course (enrolled)", learner, "/courses/public-speaking"),
            ("unit", learner, "/courses/public-speaking/units/why-we-speak"),
            ("quiz", learner, "/courses/public-speaking/quiz"),
            ("my learning", learner, "/my-learning"),
        ]
        baseline = json.loads(BASELINE.read_text()) if BASELINE.exists() else {}
        results = {}
        print(
            f"{'page':22} {'gzip KB':>8} {'vs Kolibri':>11} {'reqs':>5} {'queries':>8} {'base q':>7} "
            f"{'median ms':>10} {'base ms':>8}"
        )
        for name, client, url in pages:
            weight, requests = weigh(client, url)
            ms, queries = timed(app, client, url)
            results[name] = {"gzip_bytes": weight, "requests": requests, "queries": queries, "median_ms": round(ms, 2)}
            base = baseline.get(name, {})
            print(
                f"{name:22} {weight / 1024:8.1f} {KOLIBRI_SIGN_IN['bytes'] / weight:10.0f}x {requests:5d} "
                f"{queries:8d} {base.get('queries', '-'):>7} {ms:10.2f} {base.get('median_ms', '-'):>8}"
            )
        print(
            f"\nKolibri sign-in page, first visit: {KOLIBRI_SIGN_IN['bytes'] / 1e6:.2f} MB in "
            f"{KOLIBRI_SIGN_IN['requests']} requests. Budget per page here: 30 KB compressed."
        )
        if args.write_baseline:
            BASELINE.write_text(json.dumps(results, indent=2) + "\n")
            print(f"Baseline written to {BASELINE}")
        app.extensions["lms.engine"].dispose()


if __name__ == "__main__":
    main()
