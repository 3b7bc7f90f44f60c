"""Each page type under load beside the same HTML served as a static file by the same server (wrk).

Run: .venv/bin/python bench/serve.py --database-url sqlite:///bench/instance/bench.db   (seeded by bench/seed.py)
     [--duration 10] [--connections 32] [--results bench/RESULTS.md]

Starts `lms serve` (lms/serving.py's gunicorn settings) on a free port over the database, signs in
as learner-0 and trainer-0, and for each page: renders it once, saves that HTML under
static/_bench/ (removed afterwards), then runs wrk on the page and on the saved file with the same
cookie, connections and duration. Prints requests/s, p50, p99 and errors (non-2xx/3xx responses
and socket errors) side by side and the ratio of the page's requests/s to the file's, then each
worker's RSS, and appends the table to the results file with the machine it ran on.
Needs wrk (Debian package `wrk`).
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
STATIC_COPY = ROOT / "static" / "_bench"
PASSWORD = "bench password 1"
USER_AGENT = "sala-bench"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003
        return None


def answer_status(url: str, cookie: str) -> int:
    """The status of a GET sent exactly as wrk will send it (cookie, User-Agent, no redirects
    followed). wrk counts a 3xx as a success, so a page that sends wrk to the sign-in form would
    otherwise be measured as a fast redirect."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, **({"Cookie": cookie} if cookie else {})})
    try:
        with urllib.request.build_opener(_NoRedirect()).open(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as err:
        return err.code


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _session(base: str, email: str) -> tuple[urllib.request.OpenerDirector, http.cookiejar.CookieJar]:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    # The same User-Agent as wrk sends: Flask-Login's "strong" session protection ties a sign-in to
    # the address and User-Agent it was made with, and drops it when either changes.
    opener.addheaders = [("User-Agent", USER_AGENT)]
    html = opener.open(base + "/login", timeout=60).read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    opener.open(
        base + "/login",
        data=urllib.parse.urlencode({"email": email, "password": PASSWORD, "csrf_token": token}).encode(),
        timeout=60,
    ).read()
    return opener, jar


def _wrk(url: str, cookie: str, connections: int, duration: int) -> dict:
    args = [
        "wrk",
        "-H",
        f"User-Agent: {USER_AGENT}",
        "-t2",
        f"-c{connections}",
        f"-d{duration}s",
        "--latency",
        "--timeout",
        "10s",
        url,
    ]
    if cookie:
        args[1:1] = ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout

    def ms(label: str) -> float:
        m = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not m:
            return float("nan")
        return float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]

    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    errors += int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": ms("50"),
        "p99": ms("99"),
        "errors": errors,
    }


def worker_memory(master: int) -> list[dict[str, float]]:
    """Each worker of the gunicorn `master`: RSS (resident, shared pages counted in full), PSS
    (shared pages divided among the processes sharing them) and USS (pages only this worker
    holds, what it really adds), in MiB, from /proc/PID/smaps_rollup (Linux 4.14+)."""
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
            if not re.search(rf"^PPid:\s+{master}$", text, re.M):
                continue
            rollup = (status.parent / "smaps_rollup").read_text()
        except OSError:
            continue

        def kib(field: str, text: str = rollup) -> int:
            m = re.search(rf"^{field}:\s+(\d+) kB", text, re.M)
            return int(m.group(1)) if m else 0

        found.append(
            {
                "rss": kib("Rss") / 1024,
                "pss": kib("Pss") / 1024,
                "uss": (kib("Private_Clean") + kib("Private_Dirty")) / 1024,
            }
        )
    return sorted(found, key=lambda w: w["rss"])


def memory_line(workers: list[dict[str, float]]) -> str:
    return "; ".join(f"RSS {w['rss']:.0f} MiB, PSS {w['pss']:.0f}, USS {w['uss']:.0f}" for w in workers)


def _met(page: dict, static: dict) -> bool:
    """Issue 11's target: at least 60% of the file's requests/s, p99 within 1.5x the file's, no errors."""
    return page["rps"] >= 0.6 * static["rps"] and page["p99"] <= 1.5 * static["p99"] and not page["errors"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "RESULTS.md")
    parser.add_argument("--only", nargs="*", help="measure only these pages (names as printed, e.g. catalog)")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install wrk")

    engine = sa.create_engine(args.database_url)
    with engine.begin() as conn:
        learner = conn.execute(sa.text("SELECT id FROM users WHERE email = 'learner-0@bench.example'")).scalar_one()
        first = conn.execute(sa.text("SELECT id, slug FROM courses ORDER BY id LIMIT 1")).one()
        unit = conn.execute(
            sa.text("SELECT slug FROM units WHERE course_id = :c AND status = 'published' ORDER BY position LIMIT 1"),
            {"c": first.id},
        ).scalar_one()
        code = conn.execute(
            sa.text("SELECT code FROM certificates WHERE user_id = :u ORDER BY id LIMIT 1"), {"u": learner}
        ).scalar_one()
        # learner-0 may take the first course's quiz again, so the quiz page is the form, not "passed".
        conn.execute(
            sa.text(
                "DELETE FROM attempts WHERE user_id = :u AND quiz_id IN (SELECT id FROM quizzes WHERE course_id = :c)"
            ),
            {"u": learner, "c": first.id},
        )
    engine.dispose()

    pages = [
        ("catalog", None, "/"),
        ("course page", None, f"/courses/{first.slug}"),
        ("unit page", "learner", f"/courses/{first.slug}/units/{unit}"),
        ("quiz page", "learner", f"/courses/{first.slug}/quiz"),
        ("my learning", "learner", "/my-learning"),
        ("certificate", "learner", f"/certificates/{code}"),
        ("verify form", None, "/verify"),
        ("verify a code", None, f"/verify/{code}"),
        ("results dashboard", "trainer", f"/dashboard/courses/{first.id}"),
        ("results CSV", "trainer", f"/dashboard/courses/{first.id}/learners.csv"),
    ]
    if args.only:
        pages = [p for p in pages if p[0] in args.only]
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(
            os.environ,
            LMS_INSTANCE_PATH=tmp,
            LMS_DATABASE_URL=args.database_url,
            LMS_RATELIMIT_ENABLED="false",
            LMS_MEDIA_DIR=str(Path(tmp) / "media"),
        )
        log = open(Path(tmp) / "server.log", "wb")  # noqa: SIM115 - closed in finally
        server = subprocess.Popen(
            [str(Path(sys.executable).with_name("lms")), "serve", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        rows = []
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    urllib.request.urlopen(base + "/login", timeout=30).read()
                    break
                except OSError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        sys.exit("lms serve did not start:\n" + (Path(tmp) / "server.log").read_text())
                    time.sleep(0.5)
            sessions = {
                "learner": _session(base, "learner-0@bench.example"),
                "trainer": _session(base, "trainer-0@bench.example"),
            }
            STATIC_COPY.mkdir(exist_ok=True)
            for name, who, path in pages:
                opener = sessions[who][0] if who else urllib.request.build_opener()
                cookie = "; ".join(f"{c.name}={c.value}" for c in sessions[who][1]) if who else ""
                try:
                    body = opener.open(base + path, timeout=60).read()
                except urllib.error.HTTPError as err:
                    print(f"{name:18} HTTP {err.code}: not measured (see the server log)", flush=True)
                    rows.append((name, None, None))
                    continue
                status = answer_status(base + path, cookie)
                if status != 200:
                    print(f"{name:18} answered {status} to wrk's request: not measured", flush=True)
                    rows.append((name, None, None))
                    continue
                copy = STATIC_COPY / (re.sub(r"\W+", "-", name) + (".csv" if path.endswith(".csv") else ".html"))
                copy.write_bytes(body)
                # Warm every worker (templates compiled, caches filled) before measuring.
                _wrk(base + path, cookie, args.connections, 1)
                page = _wrk(base + path, cookie, args.connections, args.duration)
                static = _wrk(f"{base}/static/_bench/{copy.name}", cookie, args.connections, args.duration)
                rows.append((name, page, static))
                print(
                    f"{name:18} {page['rps']:8.1f} req/s p50 {page['p50']:7.1f} p99 {page['p99']:7.1f} "
                    f"err {page['errors']:4d} | file {static['rps']:8.1f} p99 {static['p99']:7.1f} "
                    f"| ratio {page['rps'] / static['rps']:.2f}",
                    flush=True,
                )
            memory = worker_memory(server.pid)
            if any(page is None for _, page, _ in rows):
                tail = (Path(tmp) / "server.log").read_text(errors="replace")
                print("".join(line + "\n" for line in tail.splitlines() if "Error" in line or "error" in line)[-3000:])
        finally:
            server.terminate()
            server.wait(timeout=60)
            log.close()
            shutil.rmtree(STATIC_COPY, ignore_errors=True)

    db = sa.engine.make_url(args.database_url).get_backend_name()
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    lines = [
        f"\n## {db}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"\nMachine: {cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, load average "
        f"{os.getloadavg()[0]:.1f} at the end (other work on the machine skews every figure). "
        f"wrk -t2 -c{args.connections} -d{args.duration}s. Workers after the run: " + memory_line(memory) + ".\n",
        "| page | req/s | p50 ms | p99 ms | errors | file req/s | file p99 ms | ratio | p99 / file p99 | met |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name, page, static in rows:
        if page is None:
            lines.append(f"| {name} | HTTP error, not measured | | | | | | | | no |")
            continue
        lines.append(
            f"| {name} | {page['rps']:.0f} | {page['p50']:.1f} | {page['p99']:.1f} | {page['errors']} "
            f"| {static['rps']:.0f} | {static['p99']:.1f} | {page['rps'] / static['rps']:.2f} "
            f"| {page['p99'] / static['p99']:.2f} | {'yes' if _met(page, static) else 'no'} |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.results.exists():
        args.results.write_text(
            "# Benchmark results\n\nWritten by bench/serve.py over a database seeded by "
            "bench/seed.py. ratio = the page's requests/s over the same HTML served as a "
            "static file by the same server.\n"
        )
    with args.results.open("a") as fh:
        fh.write(text)


if __name__ == "__main__":
    main()
