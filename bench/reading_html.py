"""Cost of showing a unit's reading text through the sanitizer's `reading_html` filter.

Run: .venv/bin/python bench/reading_html.py
For every unit of the shipped courses (and one ten times as long), prints the milliseconds of:
the first call in a worker (bleach cleans the stored HTML and shifts its headings: a cache miss),
later calls (an equal string read again from the database: a cache hit), and, for comparison,
the heading shift alone, which is what the unit page did before the filter re-cleaned.
"""

from __future__ import annotations

import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lms.content import sanitize  # noqa: E402
from lms.content.loader import course_folders, load_course  # noqa: E402

RUNS = 200


def _ms(call, html: str, runs: int) -> float:
    samples = []
    for _ in range(runs):
        fresh = "".join(html)  # a new, equal string each time, as a database read gives
        start = time.perf_counter()
        call(fresh)
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def _shift_only(html: str) -> str:
    return re.sub(r"<(/?)h([2-5])\b", lambda m: f"<{m.group(1)}h{int(m.group(2)) + 1}", html)


def _miss(html: str) -> None:
    sanitize._reading.cache_clear()
    sanitize.reading_html(html)


def main() -> None:
    bodies = []
    for folder in course_folders(ROOT / "content" / "courses"):
        for unit in load_course(folder, siblings=True).units:
            bodies.append((f"{folder.name}/{unit.slug}", sanitize.render_markdown(unit.body_md)))
    longest = max(bodies, key=lambda b: len(b[1]))
    bodies.append((f"{longest[0]} ×10", longest[1] * 10))
    print(f"{'unit':52} {'KB':>6} {'miss ms':>8} {'hit ms':>8} {'shift only ms':>14}")
    misses, hits = [], []
    for name, html in bodies:
        miss = _ms(_miss, html, 20)
        sanitize.reading_html(html)
        hit = _ms(sanitize.reading_html, html, RUNS)
        shift = _ms(_shift_only, html, RUNS)
        misses.append(miss)
        hits.append(hit)
        print(f"{name[:52]:52} {len(html) / 1024:6.1f} {miss:8.3f} {hit:8.4f} {shift:14.4f}")
    print(
        f"\nmedian over units: miss {statistics.median(misses):.3f} ms, hit {statistics.median(hits):.4f} ms "
        f"(cache of {sanitize.READING_CACHE_SIZE} texts per worker)"
    )


if __name__ == "__main__":
    main()
