"""The rows of bench/serve.py that write: quiz submissions under load (wrk posting learners' quiz
forms to open attempts prepared with SQL) and the synchronised start (learners opening the same
quiz in one instant, each of which starts an attempt)."""

from __future__ import annotations

import json
import re
import string
import tempfile
import threading
import time
import urllib.error
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import harness
import sqlalchemy as sa
import wrk

from lms.models import Attempt
from lms.models._types import utcnow

PASSWORD = "bench password 1"  # bench/seed.py's, for every learner and trainer
#: Open attempts prepared for a quiz submission row at the least; more when the file baseline
#: suggests the server could post more in the run.
MIN_ATTEMPTS = 40_000
SYNCHRONISED = 200


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


#: request() for wrk: POSTs the quiz form to a different attempt each time, as the learner the
#: attempt belongs to (their cookie, and their CSRF token in the body). Thread k of the THREADS
#: takes lines k, k + THREADS, ... of the attempts file, so no attempt is posted twice. Each line:
#: attempt id, Cookie header, form body, separated by tabs.
SUBMIT_INIT = string.Template("""\
posts = {}
  for line in io.lines($attempts) do
    local id, cookie, body = line:match("^([^\t]*)\t([^\t]*)\t(.*)$$")
    posts[#posts + 1] = {
      id = id, body = body,
      headers = {["Cookie"] = cookie, ["User-Agent"] = $agent,
                 ["Content-Type"] = "application/x-www-form-urlencoded"},
    }
  end
  wrk.method = "POST"
""")
SUBMIT_REQUEST = string.Template("""\
function request()
  local post = posts[position]
  position = position + $threads
  sent = sent + 1
  -- Past the last prepared attempt: id 0, which the site answers 404 (an error in the table).
  if post == nil then return wrk.format(nil, $prefix .. "0") end
  return wrk.format(nil, $prefix .. post.id, post.headers, post.body)
end
""")


@dataclass
class Submitter:
    """A learner posting the quiz: their browser (its cookie) and the form body they post (a valid
    answer to every question, with their own session's CSRF token)."""

    user_id: int
    person: harness.Visitor
    body: str


def submitters(base: str, engine: sa.Engine, course_id: int, slug: str, first: harness.Visitor, count: int) -> list:
    """`first` (learner-0, whose quiz page shows the form) and count - 1 more learners enrolled in
    the course, signed in, each with learner-0's answers and their own CSRF token."""
    form = QuizForm(first.opener.open(f"{base}/courses/{slug}/quiz", timeout=60).read().decode())
    answers = [(name, value) for name, value in form.fields if name != "csrf_token"]
    with engine.connect() as conn:
        people = conn.execute(
            sa.text(
                "SELECT u.id, u.email FROM users u JOIN enrollments e ON e.user_id = u.id "
                "WHERE e.course_id = :c AND u.role = 'learner' ORDER BY u.email != 'learner-0@bench.example', u.id "
                "LIMIT :n"
            ),
            {"c": course_id, "n": count},
        ).all()
    with ThreadPoolExecutor(max_workers=4) as pool:
        visitors = [first, *pool.map(lambda p: harness.sign_in(base, p.email, PASSWORD), people[1:])]
    found = []
    for p, person in zip(people, visitors, strict=True):
        token = harness.csrf_token(person.opener.open(f"{base}/my-learning", timeout=60).read().decode())
        found.append(Submitter(p.id, person, urllib.parse.urlencode([("csrf_token", token), *answers])))
    return found


def _posted(ids: list[int], sent: list[int]) -> set[int]:
    """The attempt ids SUBMIT_REQUEST posted, from what each of wrk's threads sent."""
    n = wrk.THREADS
    return {ids[k + j * n] for k, count in enumerate(sent) for j in range(count) if k + j * n < len(ids)}


def _submit_run(base: str, prefix: str, args, posts: list[tuple[int, Submitter]], folder: Path, seconds: int) -> dict:
    """One wrk run posting each (attempt id, submitter) of `posts` once; its figures plus the ids posted."""
    attempts = folder / "attempts.txt"
    attempts.write_text("".join(f"{i}\t{who.person.headers.get('Cookie', '')}\t{who.body}\n" for i, who in posts))
    result = wrk.run(
        base + prefix,
        {},
        args.connections,
        seconds,
        expect=302,
        init=SUBMIT_INIT.substitute(attempts=json.dumps(str(attempts)), agent=json.dumps(harness.USER_AGENT)),
        request=SUBMIT_REQUEST.substitute(threads=wrk.THREADS, prefix=json.dumps(prefix)),
    )
    ids = [i for i, _ in posts]
    sent = result["sent"]
    result["sent"] = sum(sent)
    result["posted"] = _posted(ids, sent)
    result["overrun"] = max(0, sum(sent) - len(ids))
    return result


def quiz_submission(base: str, engine: sa.Engine, people: list[Submitter], slug: str, args, static: dict) -> dict:
    """A quiz submission row: wrk posting `people`'s quiz forms, in turn, to fresh open attempts of
    theirs; the database checked afterwards and the attempts made here deleted. `static` (the
    file's figures just before) sizes the attempts prepared. The row's figures, with "sound": every
    answer a 302 and the database holding exactly what was posted."""
    with engine.begin() as conn:
        quiz_id = conn.execute(
            sa.text("SELECT q.id FROM quizzes q JOIN courses c ON c.id = q.course_id WHERE c.slug = :s"), {"s": slug}
        ).scalar_one()
    ids_of = [who.user_id for who in people]
    mine = sa.and_(Attempt.user_id.in_(ids_of), Attempt.quiz_id == quiz_id)
    # Enough for the run at the file's pace (a write is slower than reading a file), with room.
    wanted = max(MIN_ATTEMPTS, int(1.5 * static["rps"] * (args.duration + 1)))
    with engine.begin() as conn:
        before = conn.scalar(sa.select(sa.func.max(Attempt.id))) or 0
        rows_before = conn.scalar(sa.select(sa.func.count()).where(mine))
        now = utcnow()
        # Attempt n is people[n % len(people)]'s: consecutive posts come from different learners.
        conn.execute(
            sa.insert(Attempt),
            [
                {"quiz_id": quiz_id, "user_id": ids_of[n % len(ids_of)], "started_at": now, "answers": {}}
                for n in range(wanted)
            ],
        )
        owner = {who.user_id: who for who in people}
        rows = conn.execute(
            sa.select(Attempt.id, Attempt.user_id).where(mine, Attempt.id > before).order_by(Attempt.id)
        ).all()
    posts = [(row.id, owner[row.user_id]) for row in rows]
    prefix = f"/courses/{slug}/quiz/attempts/"
    try:
        with tempfile.TemporaryDirectory() as tmp:
            # Warm every worker first, on attempts of its own.
            warm = _submit_run(base, prefix, args, posts, Path(tmp), 1)
            # Past every attempt the warm-up posted (its threads may have sent unequal numbers).
            rest = [(i, who) for i, who in posts if i > max(warm["posted"], default=0)]
            page = _submit_run(base, prefix, args, rest, Path(tmp), args.duration)

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
    page["extra_rows"] = rows_after - rows_before - len(posts)
    # wrk stops counting with a request in flight on each connection; the server may or may not
    # have read those, so the recorded count lies between the answered and the sent.
    page["check"] = (
        f"{len(people)} learner{'s' if len(people) > 1 else ''} posting in turn: "
        f"{page['answered']} submissions answered by wrk (all 302 when errors is 0), {page['recorded']} recorded, "
        f"{page['sent']} sent (wrk stopped waiting for the last {page['sent'] - page['answered']}); "
        f"{page['unexpected']} recorded but never sent, {page['extra_rows']} attempts created by submitting; "
        f"{len(rest)} open attempts prepared"
        + (f", RAN OUT: {page['overrun']} posts went to no attempt" if page["overrun"] else "")
    )
    # Whether every answer was right and the database holds exactly what was posted; the speed
    # is judged by the caller, against the file as it was served around this run.
    page["sound"] = (
        not page["errors"]
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
