"""Each page type under load beside the same HTML served as a static file by the same server (wrk),
a quiz submission (a write) under load, and 200 learners opening the same quiz at once.

Run: .venv/bin/python bench/serve.py --database-url sqlite:///bench/instance/bench.db   (seeded by bench/seed.py)
     [--duration 10] [--connections 32] [--results bench/RESULTS.md] [--only "quiz submission" ...]

Starts `lms serve` (lms/serving.py's gunicorn settings) on a free port over the database, signs in
as learner-0 and trainer-0, and for each page: renders it once, saves that HTML under
static/_bench/ (removed afterwards), then runs wrk on the page and on the saved file with the same
cookie and User-Agent (Flask-Login's strong session protection signs out a cookie that comes with
another User-Agent), connections and duration. Pages: the catalog and a course page as a visitor and as
learner-0 (signed in, enrolled in the course), the unit, quiz, my-learning and certificate pages
as learner-0, the verification form and a verified code as a visitor, the results dashboard and
its CSV as trainer-0. Issue 11's target for them: at least 60% of the file's requests/s, p99
within 1.5 times the file's, no errors.

"quiz submission": learner-0's quiz form posted (a valid answer to every question) by wrk with a
Lua script to a different open attempt each time, tens of thousands of them inserted beforehand
with SQL and deleted afterwards; beside the quiz page's HTML as a file. Every answer must be a 302
to the result page. Afterwards the database is read: the attempts recorded as submitted must number
at least the submissions wrk got an answer for and at most those it sent (it stops waiting with one
request in flight per connection, which the server may or may not have read), none may be one it
never posted, and submitting must create no attempt. Target: at least 30% of the file's
requests/s, no errors.

"synchronised start": 200 learners enrolled in the course, signed in beforehand, open the quiz in
the same instant (threads released by one barrier). Prints errors (not 200, or no answer), p50,
p99 and the slowest answer, and checks that each learner now has exactly one open attempt.
Target: no error, no learner with two open attempts or none.

Prints requests/s, p50, p99 and errors (socket errors, and answers other than 200, or 302 for the
submission, counted by a Lua script: a redirect to the sign-in page is an error) side by side and
the ratio of the page's requests/s to the file's, then the memory of each gunicorn web worker (and
whether its RSS is under issue 11's 80 MiB) and of the background job worker (`lms worker`, which
`lms serve` starts beside them), and appends the table to the results file with the machine it
ran on. Needs wrk (Debian package `wrk`).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import string
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import harness
import sqlalchemy as sa

ROOT = harness.ROOT
sys.path.insert(0, str(ROOT))

from lms.models import Attempt  # noqa: E402
from lms.models._types import utcnow  # noqa: E402

STATIC_COPY = ROOT / "static" / "_bench"
PASSWORD = "bench password 1"  # bench/seed.py's, for every learner and trainer
WRK_THREADS = 2
#: Issue 11: "Memory under 80 MiB RSS per worker after the run".
RSS_LIMIT_MIB = 80
#: Open attempts prepared for the quiz submission row at the least; more when the file baseline
#: suggests the server could post more in the run (see _attempts_needed).
MIN_ATTEMPTS = 40_000
SYNCHRONISED = 200


#: Given to every wrk run. wrk counts only 4xx and 5xx answers as errors; this counts every answer
#: whose status is not $expect (a page that redirected its visitor to /login is not the page).
#: $request, when given, defines request() and its set-up in init(); done() prints, for serve.py
#: to read, what each thread sent through request() and the answers counted.
WRK_LUA = string.Template("""\
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("position", #threads)
end

function init(args)
  sent, unexpected = 0, 0
  $init
end

function response(status, headers, body)
  if status ~= $expect then unexpected = unexpected + 1 end
end

$request

function done(summary, latency, requests)
  local sent, unexpected = {}, 0
  for _, thread in ipairs(threads) do
    table.insert(sent, thread:get("sent"))
    unexpected = unexpected + thread:get("unexpected")
  end
  io.write("script sent " .. table.concat(sent, " ") .. "\\n")
  io.write("script unexpected " .. unexpected .. "\\n")
end
""")


def _wrk(
    url: str,
    headers: dict[str, str],
    connections: int,
    duration: int,
    expect: int = 200,
    init: str = "",
    request: str = "",
) -> dict:
    """wrk's figures for `url` with these request headers: requests/s, p50 and p99 in ms, errors
    (socket errors, and answers whose status is not `expect`), answered requests, and what each
    thread sent through a Lua `request` function (WRK_LUA)."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(WRK_LUA.substitute(expect=expect, init=init, request=request))
        script.flush()
        args = ["wrk", f"-t{WRK_THREADS}", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "10s"]
        for name, value in headers.items():
            args += ["-H", f"{name}: {value}"]
        out = subprocess.run([*args, "-s", script.name, url], capture_output=True, text=True, check=True).stdout

    def ms(label: str) -> float:
        m = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not m:
            return float("nan")
        return float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]

    counted = {k: [int(n) for n in v.split()] for k, v in re.findall(r"^script (\w+) ([\d ]+)$", out, re.M)}
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    # Non-2xx/3xx answers are among the unexpected ones already.
    errors += counted["unexpected"][0]
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": ms("50"),
        "p99": ms("99"),
        "errors": errors,
        "answered": int(re.search(r"(\d+) requests in", out).group(1)),
        "sent": counted["sent"],
    }


def worker_memory(master: int) -> list[dict]:
    """Each child process of the gunicorn `master`: its kind ("web" for a gunicorn worker, whose
    command line is the master's; "job" for the background job worker, `lms worker`; else its
    command), RSS (resident, shared pages counted in full), PSS (shared pages divided among the
    processes sharing them) and USS (pages only it holds, what it really adds), in MiB, from
    /proc/PID/cmdline and /proc/PID/smaps_rollup (Linux 4.14+). Web workers first, by RSS."""
    master_cmdline = Path(f"/proc/{master}/cmdline").read_bytes()
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
            if not re.search(rf"^PPid:\s+{master}$", text, re.M):
                continue
            rollup = (status.parent / "smaps_rollup").read_text()
            cmdline = (status.parent / "cmdline").read_bytes()
        except OSError:
            continue
        argv = cmdline.decode(errors="replace").split("\0")
        names = [Path(arg).name for arg in argv]
        if cmdline == master_cmdline or "gunicorn: worker" in argv[0]:
            kind = "web"
        elif "lms" in names and names[names.index("lms") + 1 :][:1] == ["worker"]:
            kind = "job"
        else:
            kind = " ".join(argv).strip()

        def kib(field: str, text: str = rollup) -> int:
            m = re.search(rf"^{field}:\s+(\d+) kB", text, re.M)
            return int(m.group(1)) if m else 0

        found.append(
            {
                "kind": kind,
                "rss": kib("Rss") / 1024,
                "pss": kib("Pss") / 1024,
                "uss": (kib("Private_Clean") + kib("Private_Dirty")) / 1024,
            }
        )
    return sorted(found, key=lambda w: (w["kind"] != "web", w["rss"]))


def memory_line(workers: list[dict]) -> str:
    def one(w: dict) -> str:
        figures = f"RSS {w['rss']:.0f} MiB, PSS {w['pss']:.0f}, USS {w['uss']:.0f}"
        if w["kind"] == "web":
            return f"{figures} ({'under' if w['rss'] < RSS_LIMIT_MIB else 'NOT under'} {RSS_LIMIT_MIB} MiB RSS)"
        return figures

    web = [one(w) for w in workers if w["kind"] == "web"]
    job = [one(w) for w in workers if w["kind"] == "job"]
    other = [f"{w['kind']}: {one(w)}" for w in workers if w["kind"] not in ("web", "job")]
    parts = [f"web workers: {'; '.join(web) or 'none found'}"]
    parts.append(f"job worker (`lms worker`): {'; '.join(job) or 'none found'}")
    return ". ".join(parts + other)


def _met(page: dict, static: dict) -> bool:
    """Issue 11's target: at least 60% of the file's requests/s, p99 within 1.5x the file's, no errors."""
    return page["rps"] >= 0.6 * static["rps"] and page["p99"] <= 1.5 * static["p99"] and not page["errors"]


class QuizForm(HTMLParser):
    """The quiz form of a quiz page: its action and a valid answer to every question (the first
    choice of each radio or checkbox group, 1 in a number box, a few words in a text box), with
    its hidden fields (the CSRF token)."""

    def __init__(self, html: str):
        super().__init__()
        self.action: str | None = None
        self.fields: list[tuple[str, str]] = []
        self._inside = False
        self.feed(html)
        self.close()
        if self.action is None or not any(name.startswith("q-") for name, _ in self.fields):
            raise ValueError("no quiz form with questions in the page")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and "/quiz/attempts/" in a.get("action", ""):
            self.action, self._inside = a["action"], True
        elif tag == "input" and self._inside and a.get("name"):
            name, kind = a["name"], a.get("type", "text")
            if kind == "hidden":
                self.fields.append((name, a.get("value", "")))
            elif name.startswith("q-") and name not in {n for n, _ in self.fields}:
                value = a.get("value", "") if kind in ("radio", "checkbox") else "1" if kind == "number" else "speak"
                self.fields.append((name, value))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._inside = False


#: request() for wrk: POSTs the quiz form to a different attempt each time. Thread k of the
#: WRK_THREADS takes lines k, k + WRK_THREADS, ... of the id file, so no attempt is posted twice.
SUBMIT_INIT = string.Template("""\
ids = {}
  for line in io.lines($ids) do ids[#ids + 1] = line end
  wrk.method = "POST"
  wrk.body = $body
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
""")
SUBMIT_REQUEST = string.Template("""\
function request()
  -- Past the last prepared attempt: id 0, which the site answers 404 (an error in the table).
  local id = ids[position] or "0"
  position = position + $threads
  sent = sent + 1
  return wrk.format(nil, $prefix .. id)
end
""")


def _posted(ids: list[int], sent: list[int]) -> set[int]:
    """The attempt ids SUBMIT_REQUEST posted, from what each of wrk's threads sent."""
    return {ids[k + j * WRK_THREADS] for k, n in enumerate(sent) for j in range(n) if k + j * WRK_THREADS < len(ids)}


def _submit_run(
    base: str, action: str, headers: dict[str, str], args, ids: list[int], body: str, folder: Path, seconds: int
) -> dict:
    """One wrk run posting `body` to the attempts `ids` (each once); its figures plus the ids posted."""
    id_file = folder / "attempts.txt"
    id_file.write_text("".join(f"{i}\n" for i in ids))
    prefix = action.rsplit("/", 1)[0] + "/"
    result = _wrk(
        base + prefix,
        headers,
        args.connections,
        seconds,
        expect=302,
        init=SUBMIT_INIT.substitute(ids=json.dumps(str(id_file)), body=json.dumps(body)),
        request=SUBMIT_REQUEST.substitute(threads=WRK_THREADS, prefix=json.dumps(prefix)),
    )
    sent = result["sent"]
    result["sent"] = sum(sent)
    result["posted"] = _posted(ids, sent)
    result["overrun"] = max(0, sum(sent) - len(ids))
    return result


def quiz_submission(base: str, engine: sa.Engine, learner: harness.Visitor, slug: str, args, static: dict) -> dict:
    """The quiz submission row: wrk posting learner `learner` (learner-0)'s quiz form to fresh open
    attempts; the database checked afterwards and the attempts made here deleted."""
    html = learner.opener.open(f"{base}/courses/{slug}/quiz", timeout=60).read().decode()
    form = QuizForm(html)
    body = urllib.parse.urlencode(form.fields)
    with engine.begin() as conn:
        user_id = conn.execute(sa.text("SELECT id FROM users WHERE email = 'learner-0@bench.example'")).scalar_one()
        quiz_id = conn.execute(
            sa.text("SELECT quiz_id FROM attempts WHERE id = :a"), {"a": int(form.action.rsplit("/", 1)[1])}
        ).scalar_one()
    mine = sa.and_(Attempt.user_id == user_id, Attempt.quiz_id == quiz_id)
    # Enough for the run at the file's pace (a write is slower than reading a file), with room.
    wanted = max(MIN_ATTEMPTS, int(1.5 * static["rps"] * (args.duration + 1)))
    with engine.begin() as conn:
        before = conn.scalar(sa.select(sa.func.max(Attempt.id))) or 0
        rows_before = conn.scalar(sa.select(sa.func.count()).where(mine))
        now = utcnow()
        conn.execute(
            sa.insert(Attempt),
            [{"quiz_id": quiz_id, "user_id": user_id, "started_at": now, "answers": {}} for _ in range(wanted)],
        )
        ids = list(conn.scalars(sa.select(Attempt.id).where(mine, Attempt.id > before).order_by(Attempt.id)))
    try:
        with tempfile.TemporaryDirectory() as tmp:
            # Warm every worker first, on attempts of its own.
            warm = _submit_run(base, form.action, learner.headers, args, ids, body, Path(tmp), 1)
            # Past every attempt the warm-up posted (its threads may have sent unequal numbers).
            rest = [i for i in ids if i > max(warm["posted"], default=0)]
            page = _submit_run(base, form.action, learner.headers, args, rest, body, Path(tmp), args.duration)

        # The requests in flight when wrk stopped are still being answered: wait for them.
        def submitted() -> set[int]:
            with engine.connect() as conn:
                return set(
                    conn.scalars(
                        sa.select(Attempt.id).where(mine, Attempt.id > before, Attempt.submitted_at.is_not(None))
                    )
                )

        # Settled once two readings 2 s apart agree (or after 60 s).
        done, deadline = submitted(), time.monotonic() + 60
        while time.monotonic() < deadline:
            time.sleep(2)
            again = submitted()
            if again == done:
                break
            done = again
        with engine.connect() as conn:
            rows_after = conn.scalar(sa.select(sa.func.count()).where(mine))
    finally:
        with engine.begin() as conn:
            conn.execute(sa.delete(Attempt).where(mine, Attempt.id > before))
    page["recorded"] = len(done & page["posted"])
    page["unexpected"] = len(done - page["posted"] - warm["posted"])
    page["extra_rows"] = rows_after - rows_before - len(ids)
    # wrk stops counting with a request in flight on each connection; the server may or may not
    # have read those, so the recorded count lies between the answered and the sent.
    page["check"] = (
        f"{page['answered']} submissions answered by wrk (all 302 when errors is 0), {page['recorded']} recorded, "
        f"{page['sent']} sent (wrk stopped waiting for the last {page['sent'] - page['answered']}); "
        f"{page['unexpected']} recorded but never sent, {page['extra_rows']} attempts created by submitting; "
        f"{len(rest)} open attempts prepared"
        + (f", RAN OUT: {page['overrun']} posts went to no attempt" if page["overrun"] else "")
    )
    page["met"] = (
        page["rps"] >= 0.3 * static["rps"]
        and not page["errors"]
        and page["answered"] <= page["recorded"] <= page["sent"]
        and page["unexpected"] == page["extra_rows"] == page["overrun"] == 0
    )
    return page


def synchronised_start(base: str, engine: sa.Engine, course_id: int, slug: str) -> dict:
    """The synchronised start row: SYNCHRONISED learners enrolled in the course (not learner-0),
    their attempts at its quiz deleted and signed in beforehand, GET the quiz page at one instant."""
    with engine.begin() as conn:
        people = conn.execute(
            sa.text(
                "SELECT u.id, u.email FROM users u JOIN enrollments e ON e.user_id = u.id "
                "WHERE e.course_id = :c AND u.role = 'learner' AND u.email != 'learner-0@bench.example' "
                "ORDER BY u.id LIMIT :n"
            ),
            {"c": course_id, "n": SYNCHRONISED},
        ).all()
        quiz_id = conn.execute(sa.text("SELECT id FROM quizzes WHERE course_id = :c"), {"c": course_id}).scalar_one()
        ids = [p.id for p in people]
        conn.execute(
            sa.delete(Attempt).where(Attempt.quiz_id == quiz_id, Attempt.user_id.in_(ids)),
        )
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=4) as pool:
        visitors = list(pool.map(lambda p: harness.sign_in(base, p.email, PASSWORD), people))
    signing_in = time.monotonic() - started
    barrier = threading.Barrier(len(visitors), timeout=120)

    def open_quiz(person: harness.Visitor) -> tuple[object, float, int | None]:
        barrier.wait()
        t0 = time.perf_counter()
        try:
            with person.opener.open(f"{base}/courses/{slug}/quiz", timeout=60) as answer:
                status, html = answer.status, answer.read().decode()
        except urllib.error.HTTPError as err:
            status, html = err.code, ""
        except OSError as err:
            status, html = repr(err), ""
        shown = re.search(r'action="[^"]*/quiz/attempts/(\d+)"', html)
        return status, time.perf_counter() - t0, int(shown.group(1)) if shown else None

    with ThreadPoolExecutor(max_workers=len(visitors)) as pool:
        answers = list(pool.map(open_quiz, visitors))
    with engine.connect() as conn:
        open_ = conn.execute(
            sa.select(Attempt.user_id, Attempt.id).where(
                Attempt.quiz_id == quiz_id, Attempt.user_id.in_(ids), Attempt.submitted_at.is_(None)
            )
        ).all()
    per_user: dict[int, list[int]] = {}
    for user, attempt in open_:
        per_user.setdefault(user, []).append(attempt)
    seconds = [s for _, s, _ in answers]
    result = {
        "learners": len(visitors),
        "rps": None,
        "p50": harness.percentile(seconds, 50),
        "p99": harness.percentile(seconds, 99),
        "max": max(seconds) * 1000,
        "errors": sum(1 for status, _, _ in answers if status != 200),
        "statuses": sorted({str(status) for status, _, _ in answers}),
        "doubled": sum(1 for u in ids if len(per_user.get(u, [])) > 1),
        "missing": sum(1 for u in ids if not per_user.get(u)),
        # The form each learner got must post to the one open attempt the database holds for them.
        "elsewhere": sum(
            1 for p, (_, _, shown) in zip(people, answers, strict=True) if per_user.get(p.id, [None])[0] != shown
        ),
        "signing_in": signing_in,
    }
    result["met"] = result["errors"] == result["doubled"] == result["missing"] == 0 and len(visitors) == SYNCHRONISED
    result["check"] = (
        f"{result['learners']} learners (signed in beforehand in {signing_in:.0f} s) opened the quiz at once: "
        f"answers {', '.join(result['statuses'])}; slowest {result['max']:.0f} ms; open attempts: "
        f"{result['learners'] - result['doubled'] - result['missing']} learners with exactly one, "
        f"{result['doubled']} with more, {result['missing']} with none; {result['elsewhere']} forms posting to "
        "another attempt than the learner's open one"
    )
    return result


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
        # learner-0's pages are those of a course it is enrolled in: the first (bench/seed.py enrols
        # everyone in it) or else its first enrolment.
        course = conn.execute(
            sa.text(
                "SELECT c.id, c.slug FROM courses c JOIN enrollments e ON e.course_id = c.id "
                "WHERE e.user_id = :u ORDER BY c.id != :first, c.id LIMIT 1"
            ),
            {"u": learner, "first": first.id},
        ).one()
        unit = conn.execute(
            sa.text("SELECT slug FROM units WHERE course_id = :c AND status = 'published' ORDER BY position LIMIT 1"),
            {"c": course.id},
        ).scalar_one()
        code = conn.execute(
            sa.text("SELECT code FROM certificates WHERE user_id = :u ORDER BY id LIMIT 1"), {"u": learner}
        ).scalar_one()
        # learner-0 may take the course's quiz again, so the quiz page is the form, not "passed".
        conn.execute(
            sa.text(
                "DELETE FROM attempts WHERE user_id = :u AND quiz_id IN (SELECT id FROM quizzes WHERE course_id = :c)"
            ),
            {"u": learner, "c": course.id},
        )

    quiz = f"/courses/{course.slug}/quiz"
    pages = [
        ("catalog", None, "/"),
        ("catalog (signed in)", "learner", "/"),
        ("course page", None, f"/courses/{first.slug}"),
        ("course page (signed in)", "learner", f"/courses/{course.slug}"),
        ("unit page", "learner", f"/courses/{course.slug}/units/{unit}"),
        ("quiz page", "learner", quiz),
        ("quiz submission", "learner", quiz),
        ("my learning", "learner", "/my-learning"),
        ("certificate", "learner", f"/certificates/{code}"),
        ("verify form", None, "/verify"),
        ("verify a code", None, f"/verify/{code}"),
        ("results dashboard", "trainer", f"/dashboard/courses/{first.id}"),
        ("results CSV", "trainer", f"/dashboard/courses/{first.id}/learners.csv"),
        ("synchronised start", "learners", quiz),
    ]
    if args.only:
        pages = [p for p in pages if p[0] in args.only]
    rows = []
    with tempfile.TemporaryDirectory() as tmp, harness.lms_serve(args.database_url, Path(tmp)) as server:
        base = server.base
        try:
            sessions = {
                "learner": harness.sign_in(base, "learner-0@bench.example", PASSWORD),
                "trainer": harness.sign_in(base, "trainer-0@bench.example", PASSWORD),
            }
            STATIC_COPY.mkdir(exist_ok=True)
            files: dict[tuple, dict] = {}  # (who, page path): the file's figures, measured once
            for name, who, path in pages:
                if who == "learners":
                    page = synchronised_start(base, engine, course.id, course.slug)
                    rows.append((name, page, None))
                    print(
                        f"{name:24} {page['learners']} at once: p50 {page['p50']:7.1f} p99 {page['p99']:7.1f} "
                        f"max {page['max']:7.1f} err {page['errors']:4d} | {page['check']}",
                        flush=True,
                    )
                    continue
                person = sessions[who] if who else harness.visitor()
                try:
                    with person.opener.open(base + path, timeout=60) as answer:
                        status, body = answer.status, answer.read()
                        where = answer.headers.get("Location", "")
                except urllib.error.HTTPError as err:
                    status, where = err.code, ""
                if status != 200:
                    print(f"{name:24} HTTP {status} {where}: not measured (see the server log)", flush=True)
                    rows.append((name, None, None))
                    continue
                if (who, path) not in files:
                    copy = STATIC_COPY / (re.sub(r"\W+", "-", name) + (".csv" if path.endswith(".csv") else ".html"))
                    copy.write_bytes(body)
                    files[who, path] = _wrk(
                        f"{base}/static/_bench/{copy.name}", person.headers, args.connections, args.duration
                    )
                static = files[who, path]
                if name == "quiz submission":
                    page = quiz_submission(base, engine, person, course.slug, args, static)
                else:
                    # Warm every worker (templates compiled, caches filled) before measuring.
                    _wrk(base + path, person.headers, args.connections, 1)
                    page = _wrk(base + path, person.headers, args.connections, args.duration)
                    page["met"] = _met(page, static)
                rows.append((name, page, static))
                print(
                    f"{name:24} {page['rps']:8.1f} req/s p50 {page['p50']:7.1f} p99 {page['p99']:7.1f} "
                    f"err {page['errors']:4d} | file {static['rps']:8.1f} p99 {static['p99']:7.1f} "
                    f"| ratio {page['rps'] / static['rps']:.2f}" + (f" | {page['check']}" if "check" in page else ""),
                    flush=True,
                )
            memory = worker_memory(server.process.pid)
            print(memory_line(memory), flush=True)
            if any(page is None for _, page, _ in rows):
                print(server.errors())
        finally:
            shutil.rmtree(STATIC_COPY, ignore_errors=True)
    engine.dispose()

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
        f"wrk -t{WRK_THREADS} -c{args.connections} -d{args.duration}s. After the run: " + memory_line(memory) + ".\n",
        "| page | req/s | p50 ms | p99 ms | errors | file req/s | file p99 ms | ratio | p99 / file p99 | met |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    notes = []
    for name, page, static in rows:
        if page is None:
            lines.append(f"| {name} | HTTP error, not measured | | | | | | | | no |")
            continue
        met = "yes" if page["met"] else "no"
        if static is None:  # the synchronised start: answer times of one burst, no file to compare
            lines.append(
                f"| {name} ({page['learners']} learners at once) | | {page['p50']:.1f} | {page['p99']:.1f} "
                f"| {page['errors']} | | | | | {met} |"
            )
        else:
            lines.append(
                f"| {name} | {page['rps']:.0f} | {page['p50']:.1f} | {page['p99']:.1f} | {page['errors']} "
                f"| {static['rps']:.0f} | {static['p99']:.1f} | {page['rps'] / static['rps']:.2f} "
                f"| {page['p99'] / static['p99']:.2f} | {met} |"
            )
        if "check" in page:
            notes.append(f"- {name}: {page['check']}.")
    if notes:
        lines += [
            "\nTargets: pages 60% of the file's requests/s, p99 within 1.5x, no errors; quiz submission 30% of "
            "the file's requests/s (the quiz page's HTML), no errors, every answered post recorded and nothing "
            "else; synchronised start no errors, one open attempt per learner.\n",
            *notes,
        ]
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
