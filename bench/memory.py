"""Where a web worker's memory goes, page type by page type: the instrument for issue 11's "under
80 MiB RSS per worker after the run".

Run: .venv/bin/python bench/memory.py --database-url sqlite:///bench/instance/bench.db   (seeded by bench/seed.py)
     [--requests 300] [--clients 8] [--results FILE]

Starts `lms serve` with one web worker (lms/serving.py's threads) and no job worker over the
database, signs in as learner-0 and trainer-0, then visits bench/serve.py's page types one after
the other (the reads: not the submissions or the synchronised start), each `--requests` times from
`--clients` threads at once. After each page type, once the worker is at rest (serve.REST_SECONDS:
it hands freed heap back when it falls idle, lms.serving.Trimmer), it prints the worker's RSS, USS
and the growth since the page type before, and its resident memory by kind of mapping, from
/proc/PID/smaps (Linux): the C heap (glibc's main arena: objects over 512 bytes), anonymous
mappings (Python's object arenas, other malloc arenas, thread stacks), and shared libraries (the
interpreter's extension modules and the C libraries they load). A page type that adds much is
where to look; `tracemalloc` in a process of one's own then says which allocations stay.

Writes the table to `--results` when given (appends), with the machine it ran on.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
import urllib.error
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import harness
import serve
import sqlalchemy as sa

#: The kinds of mapping a worker's resident memory is reported by, as /proc/PID/smaps names them.
HEAP, ANONYMOUS, LIBRARIES, OTHER = "C heap", "anonymous", "shared libraries", "other"


def resident_by_kind(pid: int) -> dict[str, float]:
    """MiB resident in each kind of mapping of process `pid` (/proc/PID/smaps, Linux 2.6.14+)."""
    kib = dict.fromkeys((HEAP, ANONYMOUS, LIBRARIES, OTHER), 0)
    kind = OTHER
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
            fields = line.split()
            name = fields[5] if len(fields) > 5 else ""
            if name == "[heap]":
                kind = HEAP
            elif not name:
                kind = ANONYMOUS
            elif ".so" in name:
                kind = LIBRARIES
            else:
                kind = OTHER
        elif line.startswith("Rss:"):
            kib[kind] += int(line.split()[1])
    return {k: v / 1024 for k, v in kib.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--results", type=Path)
    args = parser.parse_args()

    engine = sa.create_engine(args.database_url)
    _first, _course, pages = serve.targets(engine)
    reads = [(name, who, path) for name, who, path in pages if who != "learners" and "submission" not in name]
    lines = [
        "| after | RSS MiB | growth | USS MiB | C heap | anonymous | shared libraries |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]

    with (
        tempfile.TemporaryDirectory() as tmp,
        harness.lms_serve(args.database_url, Path(tmp), "--workers", "1", LMS_SERVE_JOBS="0") as server,
    ):
        sessions = {
            "learner": harness.sign_in(server.base, "learner-0@bench.example", serve.PASSWORD),
            "trainer": harness.sign_in(server.base, "trainer-0@bench.example", serve.PASSWORD),
        }

        def at_rest(label: str, before: float | None) -> float:
            time.sleep(serve.REST_SECONDS)
            (worker,) = [w for w in serve.worker_memory(server.process.pid) if w["kind"] == "web"]
            kinds = resident_by_kind(worker["pid"])
            growth = "" if before is None else f"{worker['rss'] - before:+.1f}"
            lines.append(
                f"| {label} | {worker['rss']:.1f} | {growth} | {worker['uss']:.1f} | {kinds[HEAP]:.1f} | "
                f"{kinds[ANONYMOUS]:.1f} | {kinds[LIBRARIES]:.1f} |"
            )
            print(lines[-1], flush=True)
            return worker["rss"]

        print("\n".join(lines), flush=True)
        rss = at_rest("start (two sign-ins)", None)
        for name, who, path in reads:
            person = sessions[who] if who else harness.visitor()

            def fetch(_n: int, person: harness.Visitor = person, path: str = path) -> int:
                try:
                    with person.opener.open(server.base + path, timeout=60) as answer:
                        answer.read()
                        return answer.status
                except urllib.error.HTTPError as err:
                    return err.code

            with ThreadPoolExecutor(args.clients) as pool:
                statuses = set(pool.map(fetch, range(args.requests)))
            if statuses != {200}:
                sys.exit(f"{name}: answers {sorted(statuses)}, not all 200 (see {server.log})")
            rss = at_rest(name, rss)

    if args.results:
        database = sa.engine.make_url(args.database_url).get_backend_name()
        with args.results.open("a") as out:
            out.write(
                f"\n## Memory by page type, {database}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n\n"
                f"Machine: {serve.machine()}. One web worker, {args.requests} requests of each page type from "
                f"{args.clients} clients, read {serve.REST_SECONDS:g} s after each (bench/memory.py).\n\n"
                + "\n".join(lines)
                + "\n"
            )


if __name__ == "__main__":
    main()
