"""Helpers for tests: requests sent as a browser sends them, signing in, Teach-page actions and
walking a learner through a course. Test modules import from here (and from tests/factories.py),
never from each other."""

from __future__ import annotations

import io
import os
import queue
import re
import threading
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event, select

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


def pdf_text(data: bytes, folder: Path) -> str:
    """A PDF's text as `pdftotext -raw` (poppler-utils) extracts it, honouring /ActualText."""
    import subprocess

    path = folder / "extract.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True).stdout


class SmtpSink:
    """A real SMTP server (aiosmtpd) on a free port of 127.0.0.1 that keeps what it receives.

    Use as a context manager; `messages` holds each delivery as (envelope recipients, parsed message).
    With `user`/`password` it asks clients to sign in (AUTH PLAIN/LOGIN, allowed without TLS here).
    """

    def __init__(self, user: str | None = None, password: str | None = None):
        import socket

        self.messages: list = []
        self.logins: list[str] = []
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self._user, self._password = user, password

    def __enter__(self):
        import email
        from email import policy

        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult

        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                message = email.message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
                sink.messages.append((list(envelope.rcpt_tos), message))
                return "250 OK"

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = auth_data.login.decode() == sink._user and auth_data.password.decode() == sink._password
            if ok:
                sink.logins.append(sink._user)
            return AuthResult(success=ok)

        kwargs = {}
        if self._user:
            kwargs = {"authenticator": authenticator, "auth_require_tls": False}
        self._controller = Controller(Handler(), hostname="127.0.0.1", port=self.port, **kwargs)
        self._controller.start()
        return self

    def __exit__(self, *exc):
        self._controller.stop()

    def config(self) -> dict:
        """App settings that send mail here."""
        settings = {
            "MAIL_HOST": "127.0.0.1",
            "MAIL_PORT": self.port,
            "MAIL_FROM": "Sala <no-reply@sala.example.org>",
            "MAIL_STARTTLS": False,
            "MAIL_TIMEOUT": 5,
        }
        if self._user:
            settings |= {"MAIL_USER": self._user, "MAIL_PASSWORD": self._password}
        return settings

    def wait_for(self, count: int, timeout: float = 10) -> list:
        """The messages, once at least `count` have arrived (after every queued one was handed over)."""
        from lms.services import mail

        mail.wait_idle(timeout)
        assert len(self.messages) >= count, f"{len(self.messages)} message(s) arrived, expected {count}"
        return self.messages


def link_in(text: str) -> str:
    """The first http(s) link in a text."""
    match = re.search(r"https?://\S+", text)
    assert match, f"no link in {text!r}"
    return match.group(0)


def table_rows(url: str) -> dict[str, list[tuple]]:
    """Every row of every table of Sala's schema at a database URL, in primary-key order."""
    import sqlalchemy as sa

    from lms.db import Base

    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return {
                table.name: [tuple(row) for row in conn.execute(sa.select(table).order_by(*table.primary_key.columns))]
                for table in Base.metadata.sorted_tables
            }
    finally:
        engine.dispose()


def folder_digest(folder: Path, skip: tuple[str, ...] = ()) -> dict[str, str]:
    """relative path → SHA-256 of every file under a folder (paths starting with a `skip` entry left out)."""
    import hashlib

    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.relative_to(folder).as_posix().startswith(skip)
    }


def postgres_database(server: str | None = None):
    """A context manager giving the URL of a throwaway PostgreSQL database (dropped afterwards), or
    skipping the test with the reason when the server cannot be reached."""
    import secrets
    from contextlib import contextmanager

    import pytest
    import sqlalchemy as sa

    server = server or PG_SERVER

    @contextmanager
    def database():
        try:
            admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                name = f"sala_test_{secrets.token_hex(4)}"
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        except Exception as err:  # noqa: BLE001 - any failure to reach the server means "not here"
            pytest.skip(f"PostgreSQL not reachable at {server}: {type(err).__name__}")
        try:
            yield sa.engine.make_url(server).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()

    return database()


# --- Test databases: SQLite files, or PostgreSQL databases copied from a template -----------------

#: Which database the suite runs on: "sqlite" (the default), "postgresql" (the server at
#: PG_SERVER), or a PostgreSQL URL naming the server and the maintenance database to connect to.
TEST_DATABASE = os.environ.get("LMS_TEST_DATABASE", "sqlite")
PG_SERVER = os.environ.get("LMS_TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")


def pg_server_url() -> str | None:
    """The PostgreSQL server the suite runs on (a URL to its maintenance database), or None on SQLite."""
    if TEST_DATABASE == "sqlite":
        return None
    if TEST_DATABASE in ("postgresql", "postgres", "pg"):
        return PG_SERVER
    if TEST_DATABASE.startswith("postgresql"):
        return TEST_DATABASE
    raise ValueError(f"LMS_TEST_DATABASE must be sqlite, postgresql or a postgresql:// URL, not {TEST_DATABASE!r}")


ON_POSTGRES = TEST_DATABASE != "sqlite"


class TestDatabases:
    """Hands out databases to tests: a fresh copy of a seeded template, an empty schema, or nothing.

    On SQLite the templates are files copied per test. On PostgreSQL each xdist worker builds its
    templates once (schema, and schema plus the imported courses) and every test gets its own
    database made with ``CREATE DATABASE … TEMPLATE …`` (a file copy inside the server, tens of
    milliseconds), dropped after the test. Names carry a random token, so two runs (or two
    checkouts) can share one server.
    """

    __test__ = False  # not a test class, whatever pytest thinks of the name

    def __init__(self, folder: Path, server: str | None = None):
        import secrets

        import sqlalchemy as sa

        self.folder, self.server = folder, server
        #: The media folder the "seeded" template's videos and captions were imported into.
        self.media = folder / "media"
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        self.prefix = f"sala_{secrets.token_hex(3)}_{worker}"
        self._count = 0
        self._templates: dict[str, str] = {}
        self.admin = sa.create_engine(server, isolation_level="AUTOCOMMIT") if server else None
        self._dropping: queue.Queue[str | None] = queue.Queue()
        self._dropper: threading.Thread | None = None

    def _url(self, name: str) -> str:
        import sqlalchemy as sa

        if self.server is None:
            return f"sqlite:///{self.folder / (name + '.db')}"
        return sa.engine.make_url(self.server).set(database=name).render_as_string(hide_password=False)

    def _execute(self, sql: str) -> None:
        import sqlalchemy as sa

        assert self.admin is not None
        with self.admin.connect() as conn:
            conn.execute(sa.text(sql))

    def add_template(self, kind: str, build) -> str:
        """Make the template `kind` by calling build(url) on a new empty database; returns its URL."""
        name = f"{self.prefix}_{kind}"
        if self.server is not None:
            self._execute(f'CREATE DATABASE "{name}"')
        url = self._url(name)
        build(url)
        self._templates[kind] = name
        return url

    def new(self, folder: Path, kind: str | None = None) -> str:
        """The URL of a new database: a copy of template `kind`, or a blank one when kind is None."""
        import shutil

        self._count += 1
        name = f"{self.prefix}_t{self._count}"
        if self.server is None:
            path = folder / f"{name}.db"
            if kind is not None:
                shutil.copy(self.folder / f"{self._templates[kind]}.db", path)
            return f"sqlite:///{path}"
        template = f' TEMPLATE "{self._templates[kind]}"' if kind is not None else ""
        self._execute(f'CREATE DATABASE "{name}"{template}')
        return self._url(name)

    def drop(self, url: str) -> None:
        """Drop a database `new` made (its file stays in the test's tmp_path on SQLite).

        On PostgreSQL the drop happens in a background thread: DROP DATABASE waits for a
        checkpoint (one to several seconds on a busy machine), which the next test need not wait
        for. `close` waits until every drop is done."""
        import sqlalchemy as sa

        if self.server is None:
            return
        if self._dropper is None:
            self._dropper = threading.Thread(target=self._drop_queued, name="drop-test-databases", daemon=True)
            self._dropper.start()
        self._dropping.put(sa.engine.make_url(url).database)

    def _drop_queued(self) -> None:
        while (name := self._dropping.get()) is not None:
            # FORCE: a test that forgot to dispose of its engine must not leave the database behind.
            self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def close(self) -> None:
        if self._dropper is not None:
            self._dropping.put(None)
            self._dropper.join()
        for name in self._templates.values():
            if self.server is not None:
                self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if self.admin is not None:
            self.admin.dispose()


class HttpBrowser:
    """A cookie-keeping HTTP client for a real server (not the test client) that records every
    status, errors included. `context` is an ssl.SSLContext for HTTPS."""

    def __init__(self, base: str, context=None):
        import http.cookiejar
        import urllib.request

        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
            urllib.request.HTTPSHandler(context=context),
        )
        self.statuses: list[tuple[str, int]] = []
        self.headers: dict[str, str] = {}  # of the last answer

    def open(self, path: str, data: dict | None = None, headers: dict | None = None) -> str:
        return self.fetch(path, data, headers).decode()

    def fetch(self, path: str, data: dict | None = None, headers: dict | None = None) -> bytes:
        import urllib.error
        import urllib.parse
        import urllib.request

        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body, headers=headers or {})
        try:
            with self.opener.open(req, timeout=20) as r:
                self.statuses.append((path, r.status))
                self.headers = dict(r.headers)
                return r.read()
        except urllib.error.HTTPError as err:
            self.statuses.append((path, err.code))
            self.headers = dict(err.headers)
            return err.read()

    def post_form(self, page: str, action: str | None, data: dict) -> str:
        html = self.open(page)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
        if action is None:
            action = re.search(r'action="(/courses/[^"]+/quiz/attempts/\d+)"', html).group(1)
        # A browser names the page a form came from; over HTTPS Flask-WTF refuses a POST without it.
        return self.open(action, {**data, "csrf_token": token}, headers={"Referer": self.base + page})


def statements_run(app, action: Callable[[], object]) -> list[str]:
    """The SQL statements, as sent to the database, that `action()` runs on the app's engine."""
    seen: list[str] = []

    def hit(_conn, _cursor, statement, *_args):
        seen.append(statement)

    engine = app.extensions["lms.engine"]
    event.listen(engine, "before_cursor_execute", hit)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", hit)
    return seen


def statements_of_get(app, client, url: str) -> list[str]:
    """The SQL statements, as sent to the database, that one GET of `url` by `client` runs; the
    answer must be 200. The response is closed, as a WSGI server closes it (a streamed CSV's
    cursor with it)."""

    def get() -> None:
        with client.get(url) as response:
            assert response.status_code == 200, (url, response.status_code)

    return statements_run(app, get)


@contextmanager
def apps_keeping_sign_ins(url: str, folder: Path):
    """make_app() for apps (workers) on the migrated database at `url`, with the sign-in cache on
    and the publication version read once an hour (so it adds no query to the counts); each app's
    listener or watching connection is stopped and its engine closed on leaving."""
    from lms import create_app
    from lms.auth.session import stop_listening

    apps = []

    def make_app():
        app = create_app(
            {
                "INSTANCE_PATH": str(folder / f"app-{len(apps)}"),
                "DATABASE_URL": url,
                "SECRET_KEY": "k" * 64,
                "TESTING": True,
                "SIGN_IN_CACHE_PEOPLE": 100,
                "PUBLICATION_CHECK_SECONDS": 3600,
            }
        )
        apps.append(app)
        return app

    try:
        yield make_app
    finally:
        for app in apps:
            stop_listening(app)
            app.extensions["lms.engine"].dispose()


def signed_in_client(app, email: str = "learner@example.org"):
    """A test client of `app` signed in as `email` (a make_user account)."""
    client = app.test_client()
    answer = post(client, "/login", {"email": email, "password": PASSWORD})
    assert answer.status_code == 302, answer.get_data(as_text=True)[:300]
    return client
