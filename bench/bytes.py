"""Bytes on the wire for a first visit of each main page, and SQL queries per page.

Run: .venv/bin/python bench/bytes.py
     PYTHONPATH=/path/to/other/checkout .venv/bin/python bench/bytes.py   (the same table for another version)

Each page is fetched in-process with Flask's test client on a throwaway SQLite database with the
real courses imported, as a browser would on a first visit: `Accept-Encoding: br, gzip`, then every
stylesheet and script the HTML links. "plain" is the size of the bodies decoded, "sent" what the
app sent (compressed when it compresses), "blocking" the number of requests a browser must finish
before first paint (the HTML plus linked screen stylesheets and synchronous scripts), "ms" the
median time of 30 in-process requests for the page's HTML (compression included).
"""

from __future__ import annotations

import gzip
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import brotli
import harness
from sqlalchemy import event

HEADERS = {"Accept-Encoding": "br, gzip"}


def _decode(response) -> bytes:
    encoding = response.headers.get("Content-Encoding")
    data = response.data
    return brotli.decompress(data) if encoding == "br" else gzip.decompress(data) if encoding == "gzip" else data


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app, anon, learner = harness.in_process_site(Path(tmp))
        root = Path(sys.modules["lms"].__file__).resolve().parent.parent
        pages = [
            ("catalog", anon, "/"),
            ("course (signed out)", anon, "/courses/public-speaking"),
            ("sign in", anon, "/login"),
            ("verify", anon, "/verify"),
            ("course (enrolled)", learner, "/courses/public-speaking"),
            ("unit", learner, "/courses/public-speaking/units/why-we-speak"),
            ("quiz", learner, "/courses/public-speaking/quiz"),
            ("my learning", learner, "/my-learning"),
        ]
        queries = 0

        def hit(*_):
            nonlocal queries
            queries += 1

        engine = app.extensions["lms.engine"]
        print(f"version at {root}")
        print("| page | plain bytes | sent bytes | requests | blocking | queries | ms |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for name, client, url in pages:
            queries = 0
            event.listen(engine, "before_cursor_execute", hit)
            r = client.get(url, headers=HEADERS)
            event.remove(engine, "before_cursor_execute", hit)
            html = _decode(r)
            plain, sent = len(html), len(r.data)
            links = re.findall(rb'<link[^>]*rel="stylesheet"[^>]*>', html)
            blocking = 1 + sum(1 for link in links if b'media="print"' not in link)
            blocking += len(
                [
                    s
                    for s in re.findall(rb"<script[^>]*>", html)
                    if b" src=" in s and b"defer" not in s and b"async" not in s
                ]
            )
            assets = re.findall(rb'(?:href|src)="(/static/[^"]+\.(?:css|js))"', html)
            for asset in dict.fromkeys(assets):
                a = client.get(asset.decode(), headers=HEADERS)
                plain, sent = plain + len(_decode(a)), sent + len(a.data)
                a.close()
            samples = []
            for _ in range(30):
                start = time.perf_counter()
                client.get(url, headers=HEADERS)
                samples.append((time.perf_counter() - start) * 1000)
            print(
                f"| {name} | {plain} | {sent} | {1 + len(set(assets))} | {blocking} | {queries} "
                f"| {statistics.median(samples):.1f} |"
            )
        engine.dispose()


if __name__ == "__main__":
    main()
