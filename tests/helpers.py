"""Helpers for tests: requests sent as a browser sends them, signing in, Teach-page actions and
walking a learner through a course. Test modules import from here (and from tests/factories.py),
never from each other."""

from __future__ import annotations

import io
import re
from pathlib import Path

from sqlalchemy import select

from lms.db import get_session
from lms.models import Course, Quiz
from tests.factories import PASSWORD, make_user

ROOT = Path(__file__).resolve().parent.parent


CONTENT = ROOT / "content" / "courses"


def _token_in(html: str, url: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'id="csrf_token"[^>]*value="([^"]+)"', html
    )
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def csrf_token(client, url: str = "/") -> str:
    return _token_in(client.get(url).get_data(as_text=True), url)


def hidden_version(html: str) -> str | None:
    """The version an edit form was opened at (its hidden "version" field), or None."""
    match = re.search(r'<input[^>]*name="version"[^>]*value="(\d*)"', html) or re.search(
        r'<input[^>]*value="(\d*)"[^>]*name="version"', html
    )
    return match.group(1) if match else None


def post(client, url: str, data: dict | None = None, token_from: str | None = None, **kwargs):
    """POST a form the way a browser would: with the CSRF token of the page it came from, and the
    version an edit form carries (optimistic locking) when the page has one."""
    data = dict(data or {})
    if "csrf_token" not in data:  # a caller that brings its token has read the page itself
        source = token_from or url
        html = client.get(source).get_data(as_text=True)
        data.setdefault("csrf_token", _token_in(html, source))
        version = hidden_version(html)
        if version is not None:
            data.setdefault("version", version)
    return client.post(url, data=data, **kwargs)


def open_form(client, url: str) -> dict[str, str]:
    """The hidden fields (CSRF token, version) of the edit form at `url`, as a browser holds them
    from the moment the page was opened."""
    html = client.get(url).get_data(as_text=True)
    fields = {"csrf_token": _token_in(html, url)}
    version = hidden_version(html)
    if version is not None:
        fields["version"] = version
    return fields


class Auth:
    def __init__(self, app, client):
        self.app, self.client = app, client

    def login(self, email="learner@example.org", password=PASSWORD):
        return post(self.client, "/login", {"email": email, "password": password})

    def as_new(self, role="learner", email=None, name="Sok Dara"):
        email = email or f"{role}@example.org"
        make_user(self.app, email=email, name=name, role=role)
        self.login(email)
        return email


WEBM = CONTENT / "public-speaking" / "media" / "01-why-we-speak.webm"


SRT = (
    "1\r\n00:00:00,400 --> 00:00:03,436\r\nWelcome to Public Speaking,\r\na course from Sala.\r\n\r\n"
    "2\r\n00:00:03,786 --> 00:00:06,903\r\nIn this unit, we look at\r\nwhy peple speak in public.\r\n\r\n"
    "3\r\n00:00:07,000 --> 00:00:38,900\r\nThe rest of the talk.\r\n"
)


def sign_in_as(app, client, role="trainer", email=None, name="Trainer Sophea"):
    email = email or f"{role}-{abs(hash(name)) % 10000}@example.org"
    make_user(app, email=email, name=name, role=role)
    post(client, "/login", {"email": email, "password": PASSWORD})
    return email


def new_course(client, title="First Aid Basics", **extra):
    data = {
        "title": title,
        "slug": "",
        "summary": "Help in the first minutes.",
        "language": "en",
        "outcomes": "Check for danger\nCall for help\n",
        "estimated_minutes": "40",
    }
    data.update(extra)
    r = post(client, "/teach/courses/new", data)
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    return int(re.search(r"/teach/courses/(\d+)$", r.headers["Location"]).group(1))


def new_unit(client, course_id, title, body="Some reading.", **extra):
    data = {"title": title, "slug": "", "summary": "", "body_md": body, "estimated_minutes": "10", "save": "Save unit"}
    data.update(extra)
    r = post(client, f"/teach/courses/{course_id}/units/new", data)
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    return int(re.search(r"#unit-(\d+)$", r.headers["Location"]).group(1))


def upload_video(client, unit_id, path=WEBM, name="clip.webm", description="A trainer speaks to a room."):
    with open(path, "rb") as fh:
        return post(
            client,
            f"/teach/units/{unit_id}/video",
            {"video": (io.BytesIO(fh.read()), name), "description": description},
            token_from=f"/teach/units/{unit_id}/video",
            content_type="multipart/form-data",
        )


def upload_captions(client, unit_id, data: bytes, name="talk.srt", language="en", kind="captions"):
    return post(
        client,
        f"/teach/units/{unit_id}/captions/new",
        {"file": (io.BytesIO(data), name), "language": language, "kind": kind},
        token_from=f"/teach/units/{unit_id}/captions/new",
        content_type="multipart/form-data",
    )


def confirm_upload(client, unit_id, report_url):
    token = report_url.rstrip("/").rsplit("/", 1)[1]
    return post(client, f"/teach/units/{unit_id}/captions/pending/{token}/confirm", token_from=report_url)


def load(app, model, id_):
    """A row's columns, read in a fresh session (relationships need value())."""
    with app.app_context():
        return get_session().get(model, id_)


def value(app, fn):
    """fn(session), evaluated while the session is open."""
    with app.app_context():
        return fn(get_session())


def headings(html: str) -> list[int]:
    return [int(h) for h in re.findall(r"<h([1-6])\b", html)]


def assert_page_structure(html: str):
    """One h1 and no skipped heading levels."""
    levels = headings(html)
    assert levels.count(1) == 1, levels
    for a, b in zip(levels, levels[1:], strict=False):
        assert b <= a + 1, levels


TRAINER = "trainer@example.org"


def quiz_url(course_id, rest=""):
    return f"/teach/courses/{course_id}/quiz{rest}"


def questions(app, course_id):
    with app.app_context():
        quiz = get_session().scalars(select(Quiz).where(Quiz.course_id == course_id)).one()
        return [
            (q.id, q.type, q.prompt, [(c.id, c.text, c.correct, c.feedback) for c in q.choices]) for q in quiz.questions
        ]


def choice_rows(rows):
    """Form data for choice rows: rows = [(text, correct, feedback)], padded to 6."""
    data = {}
    for i in range(6):
        text, correct, feedback = rows[i] if i < len(rows) else ("", False, "")
        data[f"choices-{i}-text"] = text
        data[f"choices-{i}-feedback"] = feedback
        if correct:
            data[f"choices-{i}-correct"] = "y"
    return data


def add_single(client, course_id, prompt="Which number is even?"):
    data = {"prompt": prompt, "feedback": "Even numbers divide by two.", "title": ""}
    data.update(choice_rows([("Two", True, "Yes."), ("Three", False, "Three is odd.")]))
    return post(client, quiz_url(course_id, "/questions/new/single"), data)


def import_text(client, course_id, text, mode="append"):
    return post(client, quiz_url(course_id, "/import"), {"text": text, "mode": mode})


# --- A learner's path through a course -----------------------------------------------------


def course_data(app, slug: str):
    """Units and the right answers of a course, read from the database."""
    with app.app_context():
        course = get_session().scalars(select(Course).where(Course.slug == slug)).one()
        units = [u.slug for u in course.published_units()]
        answers = {}
        wrong = {}
        for q in course.quiz.questions:
            if q.type == "short_text":
                answers[f"q-{q.id}"] = [q.choices[0].text]
                wrong[f"q-{q.id}"] = ["something else entirely"]
            else:
                answers[f"q-{q.id}"] = [str(c.id) for c in q.choices if c.correct]
                wrong[f"q-{q.id}"] = [str(next(c.id for c in q.choices if not c.correct))]
        return units, answers, wrong


def attempt_url(client, slug: str) -> str:
    html = client.get(f"/courses/{slug}/quiz").get_data(as_text=True)
    return re.search(r'action="(/courses/[^"]+/quiz/attempts/\d+)"', html).group(1)


def submit_quiz(client, slug: str, answers: dict):
    url = attempt_url(client, slug)
    return post(client, url, answers, token_from=f"/courses/{slug}/quiz"), url


def complete_units(client, slug: str, units: list[str]):
    for unit in units:
        r = post(client, f"/courses/{slug}/units/{unit}/done", token_from=f"/courses/{slug}/units/{unit}")
        assert r.status_code == 302, (unit, r.status_code)


# --- One Playwright per test process ----------------------------------------------------------

_playwright = None


def shared_playwright():
    """The test process's one Playwright driver, started on first use and stopped at exit.

    Playwright's sync API refuses a second driver in a process whose first one is running, and
    an xdist worker may run browser tests and screen-reader tests one after the other."""
    global _playwright
    if _playwright is None:
        import atexit

        from playwright.sync_api import sync_playwright

        _playwright = sync_playwright().start()
        atexit.register(_playwright.stop)
    return _playwright


#: The 1EdTech Open Badges 3.0 JSON Schema of OpenBadgeCredential (see tests/data/openbadges/NOTICE.txt).
OB_SCHEMA_PATH = Path(__file__).parent / "data" / "openbadges" / "ob_v3p0_achievementcredential_schema.json"


def ob_schema_errors(doc) -> list[str]:
    """Every way ``doc`` breaks the 1EdTech OB 3.0 JSON Schema (draft 2019-09), as
    ``"<json path>: <message>"``; an empty list when it passes."""
    import json

    from jsonschema import Draft201909Validator

    schema = json.loads(OB_SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft201909Validator.check_schema(schema)
    validator = Draft201909Validator(schema, format_checker=Draft201909Validator.FORMAT_CHECKER)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(doc)]
