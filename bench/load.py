"""Concurrent learners against `lms serve`, then every acknowledged write compared with the database.

Run: .venv/bin/python bench/load.py                         (a fresh SQLite file in a temporary folder)
     .venv/bin/python bench/load.py --database-url postgresql+psycopg2://postgres@127.0.0.1:5432/sala_load
     [--learners 50] [--duration 60] [--workers 4] [--results bench/RESULTS.md]

The database is made afresh (for PostgreSQL the named database is dropped and created again) by the
app's own migrations, with the courses in content/courses imported. `lms serve` then runs with
`--workers` gunicorn workers (lms/serving.py's threaded workers) and `--learners` threads act as
learners for `--duration` seconds, each with its own cookies: register, sign in, then over and over
enrol in a course, open each unit and mark it done, open the quiz and submit answers. Some posts are
sent twice on purpose, as a double click or a retry after a lost answer would (enrol, mark done,
quiz submission).

A write counts as acknowledged when the server answered it 2xx or 3xx. Afterwards the script reads
the database and prints, for enrolments, units marked done and submitted quiz attempts: how many
were acknowledged, how many rows were found, how many acknowledged writes are missing (lost) and
how many rows exist more than once for what should be one (doubled), and every 5xx answer. It
exits 1 unless 0 lost, 0 doubled and 0 5xx.

With --backup, `lms backup` runs half-way through, while the learners keep writing; after the run the
archive is restored with `lms restore` into a fresh site (a new SQLite file, or a new PostgreSQL
database) and compared the same way: every write acknowledged before the backup started must be in
the restored copy, nothing in it may be doubled or absent from the live database, and the restored
media and keys must match the live ones file for file.

Registration and sign-in rate limits are switched off
(every learner here comes from 127.0.0.1) and passwords are hashed with a cheap PBKDF2, as in the
test suite, so the run measures the learners' writes rather than 100 scrypt hashes.
"""

from __future__ import annotations

import argparse
import collections
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import harness
import sqlalchemy as sa

sys.path.insert(0, str(harness.ROOT))

PASSWORD = "load test password 1"


def fresh_database(url: str, media: Path) -> None:
    """Drop and create the database (PostgreSQL) or file (SQLite), migrate it and import the courses."""
    harness.recreate_database(url)
    harness.import_courses(url, media)


class Ledger:
    """What the server acknowledged, and every answer's status, shared by the learner threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.enrolments: set[tuple[str, str]] = set()  # (email, course slug)
        self.done: set[tuple[str, str, str]] = set()  # (email, course slug, unit slug)
        self.attempts: set[int] = set()  # submitted attempt ids
        self.statuses: collections.Counter[int] = collections.Counter()
        self.server_errors: list[str] = []
        self.requests = 0
        self.repeats = 0
        self.seconds: list[float] = []


class Learner:
    def __init__(self, base: str, n: int, ledger: Ledger, rng: random.Random):
        self.base, self.ledger, self.rng = base, ledger, rng
        self.email = f"load-{n}@load.example"
        self.opener = harness.visitor().opener

    def request(self, path: str, data: dict | list | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        started = time.perf_counter()
        try:
            with self.opener.open(self.base + path, data=body, timeout=60) as r:
                status, text = r.status, r.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as err:
            status, text = err.code, err.read().decode("utf-8", "replace")
        with self.ledger.lock:
            self.ledger.seconds.append(time.perf_counter() - started)
            self.ledger.requests += 1
            self.ledger.statuses[status] += 1
            if status >= 500:
                self.ledger.server_errors.append(f"{'POST' if data is not None else 'GET'} {path}: {status}")
        return status, text

    def post(self, path: str, form_page: str, data: dict | list | None = None, twice: bool = False) -> bool:
        """POST with the CSRF token of `form_page`; True when acknowledged (2xx or 3xx). With
        twice, the same post is sent again at once and must be acknowledged too."""
        status, html = self.request(form_page)
        token = harness.CSRF.search(html)
        if status >= 400 or token is None:
            return False
        fields = list(data.items()) if isinstance(data, dict) else list(data or [])
        fields.append(("csrf_token", token.group(1)))
        ok = self.request(path, fields)[0] < 400
        if twice:
            with self.ledger.lock:
                self.ledger.repeats += 1
            ok = self.request(path, fields)[0] < 400 or ok
        return ok

    def start(self) -> bool:
        registered = self.post(
            "/register",
            "/register",
            {"name": f"Load Learner {self.email}", "email": self.email, "password": PASSWORD, "confirm": PASSWORD},
        )
        return registered and self.post("/login", "/login", {"email": self.email, "password": PASSWORD})

    def course(self, slug: str, deadline: float) -> None:
        if self.post(f"/courses/{slug}/enrol", f"/courses/{slug}", twice=self.rng.random() < 0.3):
            with self.ledger.lock:
                self.ledger.enrolments.add((self.email, slug))
        status, html = self.request(f"/courses/{slug}")
        units = re.findall(rf'href="/courses/{re.escape(slug)}/units/([a-z0-9-]+)"', html)
        for unit in dict.fromkeys(units):
            if time.monotonic() > deadline:
                return
            page = f"/courses/{slug}/units/{unit}"
            if self.post(f"{page}/done", page, twice=self.rng.random() < 0.3):
                with self.ledger.lock:
                    self.ledger.done.add((self.email, slug, unit))
        if time.monotonic() < deadline:
            self.quiz(slug)

    def quiz(self, slug: str) -> None:
        status, html = self.request(f"/courses/{slug}/quiz")
        action = re.search(r'action="(/courses/[^"]+/quiz/attempts/(\d+))"', html)
        token = harness.CSRF.search(html)
        if status != 200 or action is None or token is None:
            return  # passed already, or no attempts left
        fields: list[tuple[str, str]] = []
        for name in dict.fromkeys(re.findall(r'name="(q-\d+)"', html)):
            values = [v for v in re.findall(rf'name="{name}"[^>]*value="([^"]*)"', html) if v]
            if values:
                fields.append((name, self.rng.choice(values)))
            else:
                fields.append((name, "an answer"))
        fields.append(("csrf_token", token.group(1)))
        twice = self.rng.random() < 0.3
        acked = self.request(action.group(1), fields)[0] < 400
        if twice:
            with self.ledger.lock:
                self.ledger.repeats += 1
            acked = self.request(action.group(1), fields)[0] < 400 or acked
        if acked:
            with self.ledger.lock:
                self.ledger.attempts.add(int(action.group(2)))

    def run(self, slugs: list[str], deadline: float) -> None:
        if not self.start():
            with self.ledger.lock:
                self.ledger.server_errors.append(f"{self.email}: could not register and sign in")
            return
        while time.monotonic() < deadline:
            self.course(self.rng.choice(slugs), deadline)


def compare(url: str, ledger: Ledger) -> list[tuple[str, int, int, int, int]]:
    """(what, acknowledged, rows found, lost, doubled) for enrolments, units done and attempts."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        users = dict(conn.execute(sa.text("SELECT id, email FROM users WHERE email LIKE 'load-%@load.example'")).all())
        emails = {v: k for k, v in users.items()}
        courses = dict(conn.execute(sa.text("SELECT id, slug FROM courses")).all())
        units = {
            r.id: (courses[r.course_id], r.slug) for r in conn.execute(sa.text("SELECT id, course_id, slug FROM units"))
        }
        enrol_rows = collections.Counter(
            (users[u], courses[c])
            for u, c in conn.execute(sa.text("SELECT user_id, course_id FROM enrollments"))
            if u in users
        )
        done_rows = collections.Counter(
            (users[u], *units[x])
            for u, x in conn.execute(
                sa.text("SELECT user_id, unit_id FROM unit_progress WHERE completed_at IS NOT NULL")
            )
            if u in users
        )
        attempt_rows = {
            r.id: (r.user_id, r.quiz_id)
            for r in conn.execute(sa.text("SELECT id, user_id, quiz_id FROM attempts WHERE submitted_at IS NOT NULL"))
            if r.user_id in users
        }
    engine.dispose()
    del emails
    per_quiz_rows = collections.Counter(attempt_rows.values())
    per_quiz_acked = collections.Counter(attempt_rows[a] for a in ledger.attempts if a in attempt_rows)
    return [
        (
            "enrolments",
            len(ledger.enrolments),
            sum(enrol_rows.values()),
            len(ledger.enrolments - set(enrol_rows)),
            sum(n - 1 for n in enrol_rows.values() if n > 1),
        ),
        (
            "units marked done",
            len(ledger.done),
            sum(done_rows.values()),
            len(ledger.done - set(done_rows)),
            sum(n - 1 for n in done_rows.values() if n > 1),
        ),
        (
            "quiz attempts submitted",
            len(ledger.attempts),
            len(attempt_rows),
            len(ledger.attempts - set(attempt_rows)),
            # A submission counted twice would make a second submitted attempt nobody was told of.
            sum(max(0, per_quiz_rows[k] - per_quiz_acked[k]) for k in per_quiz_rows),
        ),
    ]


class Snapshot(Ledger):
    """The acknowledged writes of a ledger at one moment (copied under its lock)."""

    def __init__(self, ledger: Ledger):
        super().__init__()
        with ledger.lock:
            self.enrolments = set(ledger.enrolments)
            self.done = set(ledger.done)
            self.attempts = set(ledger.attempts)


def take_backup(env: dict, out: Path, ledger: Ledger) -> dict:
    """Run `lms backup OUT` against the serving site; the writes acknowledged before it started."""
    before = Snapshot(ledger)
    t0 = time.monotonic()
    result = subprocess.run(
        [str(Path(sys.executable).with_name("lms")), "backup", str(out)], env=env, capture_output=True, text=True
    )
    return {
        "before": before,
        "seconds": time.monotonic() - t0,
        "ok": result.returncode == 0,
        "output": (result.stdout + result.stderr).strip()[-2000:],
        "out": out,
    }


def _files(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_size for p in sorted(folder.rglob("*")) if p.is_file()}


def rows_of(url: str) -> dict[str, collections.Counter]:
    """The load test's writes found in a database, as counters keyed like the Ledger's sets."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        users = dict(conn.execute(sa.text("SELECT id, email FROM users WHERE email LIKE 'load-%@load.example'")).all())
        courses = dict(conn.execute(sa.text("SELECT id, slug FROM courses")).all())
        units = {
            r.id: (courses[r.course_id], r.slug) for r in conn.execute(sa.text("SELECT id, course_id, slug FROM units"))
        }
        found = {
            "enrolments": collections.Counter(
                (users[u], courses[c])
                for u, c in conn.execute(sa.text("SELECT user_id, course_id FROM enrollments"))
                if u in users
            ),
            "units marked done": collections.Counter(
                (users[u], *units[x])
                for u, x in conn.execute(
                    sa.text("SELECT user_id, unit_id FROM unit_progress WHERE completed_at IS NOT NULL")
                )
                if u in users
            ),
            "quiz attempts submitted": collections.Counter(
                r.id
                for r in conn.execute(sa.text("SELECT id, user_id FROM attempts WHERE submitted_at IS NOT NULL"))
                if r.user_id in users
            ),
        }
    engine.dispose()
    return found


def referenced_media(url: str) -> set[str]:
    """Every media file name a database refers to: videos, posters, described versions, renditions."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        names = set(conn.execute(sa.text("SELECT filename FROM videos")).scalars())
        names |= set(conn.execute(sa.text("SELECT poster_filename FROM videos")).scalars())
        names |= set(conn.execute(sa.text("SELECT described_filename FROM videos")).scalars())
        names |= set(conn.execute(sa.text("SELECT filename FROM renditions WHERE status = 'ready'")).scalars())
    engine.dispose()
    return {n for n in names if n}


def check_restore(live_url: str, env: dict, taken: dict | None, work: Path) -> dict:
    """Restore the backup into a fresh site and compare it with what was acknowledged before it
    started and with the live database after the run."""
    lines = ["\n### Backup taken under that load, restored elsewhere\n"]
    if taken is None or not taken["ok"]:
        lines.append(f"`lms backup` failed: {taken and taken['output']}")
        return {"ok": False, "lines": lines}
    parsed = sa.engine.make_url(live_url)
    site = work / "restored"
    site.mkdir()
    if parsed.get_backend_name() == "postgresql":
        target_url = parsed.set(database=f"{parsed.database}_restored").render_as_string(hide_password=False)
        harness.recreate_database(target_url)
    else:
        target_url = f"sqlite:///{site / 'restored.db'}"
    restore_env = dict(
        env, LMS_INSTANCE_PATH=str(site / "instance"), LMS_DATABASE_URL=target_url, LMS_MEDIA_DIR=str(site / "media")
    )
    t0 = time.monotonic()
    result = subprocess.run(
        [str(Path(sys.executable).with_name("lms")), "restore", str(taken["out"])],
        env=restore_env,
        capture_output=True,
        text=True,
    )
    restore_seconds = time.monotonic() - t0
    if result.returncode != 0:
        lines.append(f"`lms restore` failed: {(result.stdout + result.stderr).strip()[-2000:]}")
        return {"ok": False, "lines": lines}
    before: Ledger = taken["before"]
    restored, live = rows_of(target_url), rows_of(live_url)
    ok = True
    lines += [
        f"`lms backup` took {taken['seconds']:.1f} s half-way through the run "
        f"({taken['out'].stat().st_size / 1e6:.1f} MB); `lms restore` into a fresh site took {restore_seconds:.1f} s.\n",
        "| write | acknowledged before the backup | in the restored copy | of those lost | doubled | not in the live database |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for what, acked in (
        ("enrolments", before.enrolments),
        ("units marked done", before.done),
        ("quiz attempts submitted", before.attempts),
    ):
        rows = restored[what]
        lost = len(acked - set(rows))
        doubled = sum(n - 1 for n in rows.values() if n > 1)
        invented = len(set(rows) - set(live[what]))
        ok = ok and lost == doubled == invented == 0
        lines.append(f"| {what} | {len(acked)} | {sum(rows.values())} | {lost} | {doubled} | {invented} |")
    restored_media = set(_files(site / "media"))
    named = referenced_media(target_url)
    absent = sorted(named - restored_media)
    foreign = sorted(restored_media - set(_files(Path(env["LMS_MEDIA_DIR"]))))
    ok = ok and not absent and not foreign
    lines.append(
        f"\nMedia: {len(restored_media)} files restored; every one of the {len(named)} files the restored "
        f"database names is there{'' if not absent else ' EXCEPT ' + ', '.join(absent[:3])}"
        f"{'' if not foreign else '; files the live site lacks: ' + ', '.join(foreign[:3])}. "
        f"Result: {'every write acknowledged before the backup began is in it, nothing doubled or invented' if ok else 'FAILED'}."
    )
    return {"ok": ok, "lines": lines}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", help="default: a fresh SQLite file in a temporary folder")
    parser.add_argument("--learners", type=int, default=50)
    parser.add_argument("--duration", type=int, default=60, help="seconds")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--results", type=Path, help="append the table to this file (e.g. bench/RESULTS.md)")
    parser.add_argument("--backup", action="store_true", help="take `lms backup` half-way and check its restore")
    args = parser.parse_args()

    # Outside the site's folders: `lms backup` refuses to write into the instance or media folder.
    backups_dir = tempfile.TemporaryDirectory(prefix="sala-load-backup-")
    taken = None
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/load.db"
        backend = sa.engine.make_url(url).get_backend_name()
        media = Path(tmp) / "media"
        try:
            fresh_database(url, media)
        except sa.exc.OperationalError as err:
            print(f"{backend}: load test skipped, no database server answered at {url} ({err.orig})")
            return 0
        # A cheap password hash, as the test suite uses: 100 scrypt hashes (0.5 s of CPU each)
        # would fill the run with sign-ins, and this test is about the writes that follow.
        cheap_hash = "pbkdf2:sha256:1000"
        with harness.lms_serve(
            url, Path(tmp), "--workers", str(args.workers), LMS_PASSWORD_HASH_METHOD=cheap_hash
        ) as server:
            ledger = Ledger()
            engine = sa.create_engine(url)
            with engine.connect() as conn:
                slugs = list(conn.execute(sa.text("SELECT slug FROM courses WHERE status = 'published'")).scalars())
            engine.dispose()
            deadline = time.monotonic() + args.duration
            threads = [
                threading.Thread(
                    target=Learner(server.base, n, ledger, random.Random(args.seed * 1000 + n)).run,
                    args=(slugs, deadline),
                )
                for n in range(args.learners)
            ]
            started = time.monotonic()
            for t in threads:
                t.start()
            if args.backup:
                time.sleep(args.duration / 2)
                taken = take_backup(server.env, Path(backups_dir.name) / "site.zip", ledger)
            for t in threads:
                t.join()
            elapsed = time.monotonic() - started
        rows = compare(url, ledger)
        server_errors = server.errors(4000)
        restored = check_restore(url, server.env, taken, Path(backups_dir.name)) if args.backup else None

    five = sum(n for s, n in ledger.statuses.items() if s >= 500)
    ok = five == 0 and all(lost == 0 and doubled == 0 for _, _, _, lost, doubled in rows)
    if restored is not None:
        ok = ok and restored["ok"]
    lines = [
        f"\n## Load test, {backend}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"\n{args.learners} learners for {elapsed:.0f} s against `lms serve --workers {args.workers}` "
        f"(bench/load.py): {ledger.requests} requests ({ledger.requests / elapsed:.0f}/s), "
        f"{ledger.repeats} posts sent twice on purpose; answers by status: "
        + ", ".join(f"{s}: {n}" for s, n in sorted(ledger.statuses.items()))
        + f". Answer time p50 {harness.percentile(ledger.seconds, 50):.0f} ms, p99 {harness.percentile(ledger.seconds, 99):.0f} ms, "
        f"max {max(ledger.seconds, default=0) * 1000:.0f} ms. Load average {os.getloadavg()[0]:.1f} at the end.\n",
        "| write | acknowledged | rows found | lost | doubled |",
        "|---|---:|---:|---:|---:|",
        *(f"| {what} | {acked} | {found} | {lost} | {doubled} |" for what, acked, found, lost, doubled in rows),
        f"\n5xx answers: {five}. Result: {'0 lost, 0 doubled, 0 5xx' if ok else 'FAILED'}.",
    ]
    if restored is not None:
        lines += restored["lines"]
    text = "\n".join(lines) + "\n"
    print(text)
    for line in ledger.server_errors[:20]:
        print("  ", line)
    if not ok:
        print(server_errors)
    if args.results:
        with args.results.open("a") as fh:
            fh.write(text)
    backups_dir.cleanup()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
