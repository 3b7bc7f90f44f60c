"""First paint on an emulated "Fast 3G" phone: sign-in, catalog and unit pages, cold cache.

Run: .venv/bin/python bench/first_paint.py [--runs 3] [--results bench/RESULTS.md]

Starts `lms serve` over a fresh SQLite database with the courses in content/courses, registers a
learner and enrols them, then for each page opens a new Chromium context (an empty cache) through
Playwright with Debian's /usr/bin/chromium and the Chrome DevTools Protocol's emulation:
`Network.emulateNetworkConditions` with DevTools' "Fast 3G" preset (562.5 ms round trip,
1.44 Mbit/s = 180,000 B/s down, 675 kbit/s = 84,375 B/s up) and
`Emulation.setCPUThrottlingRate` 4 (a phone's CPU, four times slower). It reads
first-contentful-paint from the Paint Timing API (`performance.getEntriesByName(
'first-contentful-paint')`, W3C Paint Timing), which counts from the start of navigation.

The floor is two round trips, 1.125 s: one to open the connection, one for the request and the
first bytes of the answer; anything above it is bytes, render-blocking requests and CPU. Issue 11's
target is 1.3 s or less. Prints the median of `--runs` visits per page, and appends the table to
the results file.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import harness

sys.path.insert(0, str(harness.ROOT))

CHROMIUM = "/usr/bin/chromium"
#: Flags checked on this machine kind (shared/TOOLING.md): no sandbox as root, no GPU, and no
#: background traffic that would share the emulated line.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: DevTools' "Fast 3G" preset; latency is the added round-trip time in ms, throughputs in bytes/s.
FAST_3G = {"offline": False, "latency": 562.5, "downloadThroughput": 180_000, "uploadThroughput": 84_375}
CPU_SLOWDOWN = 4
FLOOR_S = 2 * FAST_3G["latency"] / 1000
TARGET_S = 1.3
PASSWORD = "first paint password 1"


def _learner_state(browser, base: str, slug: str) -> dict:
    """Register, sign in and enrol a learner through Playwright's request API; the browser storage
    state (cookies) a new context starts from."""
    context = browser.new_context()
    try:

        def post(path: str, form_page: str, data: dict) -> None:
            token = harness.csrf_token(context.request.get(base + form_page).text())
            answer = context.request.post(base + path, form={**data, "csrf_token": token})
            if answer.status >= 400:
                raise RuntimeError(f"POST {path}: {answer.status}")

        email = "paint@bench.example"
        post(
            "/register",
            "/register",
            {"name": "Paint Learner", "email": email, "password": PASSWORD, "confirm": PASSWORD},
        )
        post("/login", "/login", {"email": email, "password": PASSWORD})
        post(f"/courses/{slug}/enrol", f"/courses/{slug}", {})
        course_page = context.request.get(f"{base}/courses/{slug}").text()
        unit = re.search(rf'href="/courses/{slug}/units/([a-z0-9-]+)"', course_page).group(1)
        return {"state": context.storage_state(), "unit": unit}
    finally:
        context.close()


def _first_paint(browser, url: str, state: dict | None) -> tuple[float, float]:
    """Seconds from navigation start to the first byte of the page and to first contentful paint
    (Navigation Timing responseStart, Paint Timing), in a fresh context (a cold cache)."""
    context = browser.new_context(storage_state=state)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Network.emulateNetworkConditions", FAST_3G)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
    try:
        page.goto(url, wait_until="load", timeout=60_000)
        ms = None
        waited = time.monotonic() + 30
        # Polled through evaluate(): wait_for_function() evaluates a string, which the pages' CSP refuses.
        while ms is None and time.monotonic() < waited:
            ms = page.evaluate("performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null")
            if ms is None:
                time.sleep(0.1)
        if ms is None:
            raise RuntimeError(f"{url}: no first-contentful-paint entry")
        first_byte = page.evaluate("performance.getEntriesByType('navigation')[0].responseStart")
        if page.url != url:
            raise RuntimeError(f"{url} ended at {page.url}: a redirect would add a round trip to the figure")
    finally:
        context.close()
    return first_byte / 1000, ms / 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--results", type=Path, help="append the table to this file (e.g. bench/RESULTS.md)")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        print(f"First-paint benchmark skipped: {CHROMIUM} is not installed (apt-get install chromium).")
        return 0
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/paint.db"
        harness.import_courses(url, Path(tmp) / "media")
        with harness.lms_serve(url, Path(tmp)) as server, sync_playwright() as p:
            rows = []
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                slug = "public-speaking"
                learner = _learner_state(browser, server.base, slug)
                pages = [
                    ("sign-in", "/login", None),
                    ("catalog", "/", None),
                    ("unit page", f"/courses/{slug}/units/{learner['unit']}", learner["state"]),
                ]
                for name, path, jar in pages:
                    _first_paint(browser, server.base + path, jar)  # server warm, not measured
                    visits = [_first_paint(browser, server.base + path, jar) for _ in range(args.runs)]
                    times = [paint for _, paint in visits]
                    byte = statistics.median(first for first, _ in visits)
                    rows.append((name, path, statistics.median(times), min(times), max(times), byte))
                    print(f"{name:10} median {rows[-1][2]:.3f} s (min {min(times):.3f}, max {max(times):.3f})")
            finally:
                browser.close()

    lines = [
        f"\n## First paint on Fast 3G, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"\nbench/first_paint.py: Chromium {_chromium_version()} through Playwright, cold cache, "
        f"{FAST_3G['latency']} ms round trip, {FAST_3G['downloadThroughput']:,} B/s down, "
        f"{FAST_3G['uploadThroughput']:,} B/s up, CPU slowed {CPU_SLOWDOWN}x; median of {args.runs} visits. "
        f"Floor (two round trips): {FLOOR_S:.3f} s; target {TARGET_S} s. Machine: {platform.machine()}, "
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end.\n",
        "| page | first contentful paint s | min | max | first byte s | over the floor s | met |",
        "|---|---:|---:|---:|---:|---:|---|",
        *(
            f"| {name} (`{path}`) | {median:.3f} | {low:.3f} | {high:.3f} | {byte:.3f} | {median - FLOOR_S:.3f} "
            f"| {'yes' if median <= TARGET_S else 'no'} |"
            for name, path, median, low, high, byte in rows
        ),
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.results:
        with args.results.open("a") as fh:
            fh.write(text)
    return 0


def _chromium_version() -> str:
    try:
        out = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return "(version unknown)"
    match = re.search(r"(\d+(?:\.\d+)+)", out)
    return match.group(1) if match else "(version unknown)"


if __name__ == "__main__":
    sys.exit(main())
