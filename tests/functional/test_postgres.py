"""The same app on PostgreSQL: migrations, content import and a learner's path."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from lms import create_app, migrate
from lms.db import get_session
from lms.models import Course
from lms.services.course_import import import_all
from tests.factories import PASSWORD, make_user
from tests.helpers import (
    CONTENT,
    ON_POSTGRES,
    complete_units,
    course_data,
    csrf_token,
    post,
    postgres_database,
    submit_quiz,
)


@pytest.fixture
def pg_url():
    with postgres_database() as url:
        yield url


def test_migrate_import_and_complete_a_course_on_postgresql(pg_url, tmp_path):
    """On PostgreSQL the schema migrates, content imports twice, and a learner earns a certificate."""
    migrate.upgrade(pg_url)
    app = create_app(
        {
            "INSTANCE_PATH": str(tmp_path / "i"),
            "DATABASE_URL": pg_url,
            "MEDIA_DIR": str(tmp_path / "media"),
            "TESTING": True,
            "SERVER_NAME": "localhost",
        }
    )
    try:
        _journey(app)
    finally:
        app.extensions["lms.engine"].dispose()


def _journey(app):
    with app.app_context():
        for _ in range(2):
            import_all(get_session(), CONTENT, Path(app.config["MEDIA_DIR"]))
            get_session().commit()
    make_user(app)
    client = app.test_client()
    post(client, "/login", {"email": "learner@example.org", "password": PASSWORD})
    slug = "youth-rights-at-work"
    post(client, f"/courses/{slug}/enrol", token_from=f"/courses/{slug}")
    units, answers, _ = course_data(app, slug)
    complete_units(client, slug, units)
    r, _ = submit_quiz(client, slug, answers)
    assert r.status_code == 302
    html = client.get(r.location).get_data(as_text=True)
    assert "You passed" in html and "View your certificate" in html
    # The trainer's results (max() over booleans once failed here) and CSV on PostgreSQL too.
    make_user(app, email="admin@example.org", name="Admin", role="admin")
    admin = app.test_client()
    post(admin, "/login", {"email": "admin@example.org", "password": PASSWORD})
    with app.app_context():
        course_id = get_session().scalars(select(Course.id).where(Course.slug == slug)).one()
    page = admin.get(f"/dashboard/courses/{course_id}")
    assert page.status_code == 200 and "Sok Dara" in page.get_data(as_text=True)
    with admin.get(f"/dashboard/courses/{course_id}/learners.csv") as csv:  # closed, as a WSGI server does
        assert csv.status_code == 200 and "Sok Dara" in csv.get_data(as_text=True)


def test_parallel_enrol_and_mark_done_on_postgresql(pg_url, tmp_path):
    """On PostgreSQL, eight browsers of one learner posting Enrol and Mark as done at once all get redirects
    (no 500 from the unique constraints), and one row of each is kept."""
    import threading

    from lms.models import Enrollment, UnitProgress

    migrate.upgrade(pg_url)
    app = create_app(
        {
            "INSTANCE_PATH": str(tmp_path / "i"),
            "DATABASE_URL": pg_url,
            "MEDIA_DIR": str(tmp_path / "media"),
            "TESTING": True,
            "SERVER_NAME": "localhost",
        }
    )
    try:
        with app.app_context():
            import_all(get_session(), CONTENT, Path(app.config["MEDIA_DIR"]))
            get_session().commit()
        make_user(app)
        slug = "public-speaking"
        units, _answers, _ = course_data(app, slug)
        clients = []
        for _ in range(8):
            client = app.test_client()
            post(client, "/login", {"email": "learner@example.org", "password": PASSWORD})
            clients.append((client, csrf_token(client, f"/courses/{slug}")))
        statuses, barrier = [], threading.Barrier(len(clients))

        def run(client, token):
            barrier.wait()
            statuses.append(client.post(f"/courses/{slug}/enrol", data={"csrf_token": token}).status_code)
            statuses.append(
                client.post(f"/courses/{slug}/units/{units[0]}/done", data={"csrf_token": token}).status_code
            )

        threads = [threading.Thread(target=run, args=pair) for pair in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        with app.app_context():
            counts = (
                get_session().scalar(sa.select(sa.func.count()).select_from(Enrollment)),
                get_session().scalar(sa.select(sa.func.count()).select_from(UnitProgress)),
            )
        assert statuses == [302] * 16 and counts == (1, 1)
    finally:
        app.extensions["lms.engine"].dispose()


def test_the_suite_runs_on_the_database_it_was_asked_for(app):
    """The `app` fixture's database is PostgreSQL when LMS_TEST_DATABASE asks for it, SQLite otherwise."""
    expected = "postgresql" if ON_POSTGRES else "sqlite"
    assert app.extensions["lms.engine"].dialect.name == expected


def test_text_holding_nul_is_refused_as_bad_input_on_postgresql(pg_url):
    """psycopg2 refuses a NUL in text with a plain ValueError before sending it; the engine turns it
    into the DataError PostgreSQL gives for other refused values (lms.errors answers 400), and the
    connection stays usable."""
    from lms.db import make_engine

    engine = make_engine(pg_url)
    try:
        with engine.connect() as conn:
            with pytest.raises(sa.exc.DataError, match="NUL"):
                conn.execute(sa.text("SELECT :text"), {"text": "a\x00b"})
            conn.rollback()
            assert conn.execute(sa.text("SELECT :text"), {"text": "ab"}).scalar_one() == "ab"
    finally:
        engine.dispose()


def test_a_url_naming_another_driver_says_the_sign_in_cache_is_off(caplog):
    """Sala's sign-in listener talks psycopg2; another PostgreSQL driver leaves it off, in the log."""
    from lms import sign_in_cache

    # for_engine reads only the dialect's name and driver: psycopg 3, say, need not be installed.
    engine = SimpleNamespace(dialect=SimpleNamespace(name="postgresql", driver="psycopg"))
    with caplog.at_level("WARNING", logger="lms.sign_in_cache"):
        assert sign_in_cache.for_engine(engine, 100) is None
    assert "names psycopg" in caplog.text and "postgresql+psycopg2://" in caplog.text
