"""Browser fixtures: one live Sala server and one headless Chromium per test session.

The server runs the real app on a copy of the seeded test database (SQLite, or PostgreSQL) with the real courses imported and a
few learners seeded in known states (see `Site`). Each test gets a fresh browser context, so
cookies never leak from one test to the next.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from lms import create_app
from lms.db import get_session
from tests.browser.author_helpers import add_user, in_db
from tests.browser.helpers import CHROMIUM, CHROMIUM_ARGS, new_context, sign_in
from tests.factories import PASSWORD, add_khmer_course
from tests.helpers import SmtpSink, shared_playwright

#: Fail fast: nothing on a local test server should take seconds.


@dataclass
class Site:
    """The live server and the seeded states tests refer to."""

    url: str
    app: object
    #: role in the tests -> (email, name)
    users: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: "genuine" / "revoked" -> certificate code
    codes: dict[str, str] = field(default_factory=dict)
    #: "passed" / "failed" -> path of a quiz result page
    results: dict[str, str] = field(default_factory=dict)
    #: course slug of each seeded state
    slugs: dict[str, str] = field(default_factory=dict)
    #: signed-in storage states, filled on first use
    states: dict[str, dict] = field(default_factory=dict)
    #: what tests measured once and others reuse (page titles, page loads), by key
    seen: dict[str, object] = field(default_factory=dict)


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):  # the test output needs no access log
        pass


class _CloseOnDrop:
    """Closes the response (an open video file) even when the browser drops the connection.

    Chromium aborts media requests it no longer needs; werkzeug's development server then fails in
    its clean-up before calling close(), and the file leaks (a ResourceWarning, an error under -W error).
    """

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        return _ClosingIterable(self.app(environ, start_response))


class _ClosingIterable:
    def __init__(self, inner):
        self.inner, self.closed = inner, False

    def __iter__(self):
        return iter(self.inner)

    def close(self):
        if not self.closed:
            self.closed = True
            getattr(self.inner, "close", lambda: None)()

    def __del__(self):
        self.close()


def _answers(quiz, *, right: bool) -> dict[str, list[str]]:
    """Form values answering every question right (or every one wrong), from the database."""
    form = {}
    for q in quiz.questions:
        if q.type == "short_text":
            form[f"q-{q.id}"] = [q.choices[0].text if right else "something else entirely"]
        elif right:
            form[f"q-{q.id}"] = [str(c.id) for c in q.choices if c.correct]
        else:
            form[f"q-{q.id}"] = [str(next(c.id for c in q.choices if not c.correct))]
    return form


def _seed(app) -> dict:
    """Learners in the states the page tests need, made through the services."""
    from sqlalchemy import select

    from lms.models import Course
    from lms.services import accounts, certificates, enrollment, progress, quizzes

    users = {
        "newcomer": ("newcomer@example.org", "Sok Dara"),
        "progress": ("progress@example.org", "Chan Sophea"),
        "graduate": ("graduate@example.org", "Keo Sreyleak"),
        "revoked": ("revoked@example.org", "Meas Vannak"),
    }
    slugs = {"progress": "public-speaking", "graduate": "telling-impact-stories", "revoked": "youth-rights-at-work"}
    out = {"users": users, "slugs": slugs, "codes": {}, "results": {}}
    with app.app_context():
        db = get_session()
        made = {
            key: accounts.register(db, name=name, email=email, password=PASSWORD)
            for key, (email, name) in users.items()
        }
        db.flush()
        courses = {c.slug: c for c in db.scalars(select(Course))}

        # In progress: the first unit done, one failed attempt at the quiz, attempts left.
        user, course = made["progress"], courses[slugs["progress"]]
        enrollment.enroll(db, user, course)
        progress.mark_done(db, user, course.published_units()[0])
        attempt = quizzes.open_attempt(db, user, course.quiz)
        quizzes.submit(db, user, course.quiz, attempt, _answers(course.quiz, right=False))
        out["results"]["failed"] = f"/courses/{course.slug}/quiz/attempts/{attempt.id}"

        # Completed: every unit done, quiz passed, certificate issued (and one revoked).
        for key in ("graduate", "revoked"):
            user, course = made[key], courses[slugs[key]]
            enrolled = enrollment.enroll(db, user, course)
            for unit in course.published_units():
                progress.mark_done(db, user, unit)
            attempt = quizzes.open_attempt(db, user, course.quiz)
            quizzes.submit(db, user, course.quiz, attempt, _answers(course.quiz, right=True))
            cert = progress.complete_if_done(db, user, course, enrolled)
            assert cert is not None, f"seeding {key}: the course did not complete"
            if key == "graduate":
                out["results"]["passed"] = f"/courses/{course.slug}/quiz/attempts/{attempt.id}"
                out["codes"]["genuine"] = cert.code
            else:
                certificates.revoke(db, cert, "Issued by mistake during a test.")
                out["codes"]["revoked"] = cert.code
        db.commit()
    return out


@pytest.fixture(scope="session")
def site(tmp_path_factory, databases):
    """The app with the real courses, served on 127.0.0.1 in a daemon thread."""
    folder = tmp_path_factory.mktemp("live")
    url = databases.new(folder, "seeded")
    app = create_app(
        {
            "INSTANCE_PATH": str(folder / "instance"),
            "DATABASE_URL": url,
            "MEDIA_DIR": str(databases.media),
            "CACHE_DIR": str(folder / "cache"),
            "TESTING": True,
            # The page tests open the verification pages many times in a minute.
            "RATELIMIT_ENABLED": False,
        }
    )
    seeded = _seed(app)

    server = make_server("127.0.0.1", 0, _CloseOnDrop(app), threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield Site(url=f"http://127.0.0.1:{server.server_port}", app=app, **seeded)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        app.extensions["lms.engine"].dispose()
        databases.drop(url)


_MAIL_KEYS = ("MAIL_HOST", "MAIL_PORT", "MAIL_FROM", "MAIL_STARTTLS", "MAIL_TIMEOUT")


@pytest.fixture
def mail_on(site):
    """The live site sends mail to a local SMTP server for this test only."""
    saved = {key: site.app.config.get(key) for key in _MAIL_KEYS}
    with SmtpSink() as sink:
        site.app.config.update(sink.config())
        try:
            yield sink
        finally:
            site.app.config.update(saved)


@pytest.fixture(scope="session")
def browser():
    chromium = shared_playwright().chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    try:
        yield chromium
    finally:
        chromium.close()


@pytest.fixture
def context(browser, site):
    """A fresh browser context (no cookies) for one test."""
    ctx = new_context(browser, site)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context):
    return context.new_page()


@pytest.fixture
def page_as(browser, site):
    """A factory: page_as("graduate") is a page signed in as that seeded learner, in its own context."""
    contexts = []

    def make(who: str, **kwargs):
        ctx = new_context(browser, site, **kwargs)
        contexts.append(ctx)
        if who != "anonymous":
            sign_in(ctx, site, who)
        return ctx.new_page()

    yield make
    for ctx in contexts:
        ctx.close()


@pytest.fixture
def signed_in_page(page_as):
    """A page signed in as the learner with a course in progress."""
    return page_as("progress")


@pytest.fixture
def nojs_context(browser, site):
    """A context with JavaScript disabled: every core task must still work."""
    ctx = new_context(browser, site, java_script_enabled=False)
    yield ctx
    ctx.close()


@pytest.fixture
def nojs_page(nojs_context):
    return nojs_context.new_page()


@pytest.fixture
def drafted_after(site):
    """Course ids appended to the returned list are made drafts again after the test, so the learner-side
    tests sharing the live site see the catalog as it was seeded."""
    ids: list[int] = []
    yield ids
    if ids:
        from lms.models import Course

        def draft(session):
            for course_id in ids:
                course = session.get(Course, course_id)
                if course is not None:
                    course.status = "draft"

        in_db(site, draft)


@pytest.fixture(scope="module")
def khmer_course(site, request):
    """The tiny Khmer course (tests/factories.KHMER_COURSE) published on the live site for this
    module's tests, under a slug of its own; a draft again after them, so the tests that follow
    see the catalog as seeded. Yields its slug."""
    from lms.models import Course, User

    slug = "km-" + request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_").replace("_", "-")
    owner = add_user(site, f"owner-{slug}", "ចាន់ សុភា", f"owner.{slug}@example.org", "trainer")
    course_id = in_db(site, lambda session: add_khmer_course(session, session.get(User, owner), slug).id)
    yield slug

    def draft(session):
        session.get(Course, course_id).status = "draft"

    in_db(site, draft)
