"""Fixtures: an app on a fresh database per test, courses imported once per session and copied.

The suite runs on SQLite by default and on PostgreSQL with LMS_TEST_DATABASE=postgresql (or a
postgresql:// URL naming the server); see `tests.helpers.TestDatabases`."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import event

from lms import create_app
from lms.db import Base, get_session, make_engine
from tests.helpers import CONTENT, Auth, TestDatabases, pg_server_url

# A cheap password hash for the suite (thousands of sign-ins); production keeps scrypt, and
# tests/unit/test_passwords.py checks that default. Set before any app reads its config.
os.environ.setdefault("LMS_PASSWORD_HASH_METHOD", "pbkdf2:sha256:1000")
# No background queue unless a test asks for one (tests/functional/test_renditions.py runs a real
# worker); uploads still plan their renditions, which wait as "queued".
os.environ.setdefault("LMS_JOBS_QUEUE", "off")
# No sign-in cache (lms.sign_in_cache, PostgreSQL) unless a test asks for one: its copies follow a
# change within milliseconds, not at once, and tests change rows directly between two requests;
# each app's listener would also hold a connection to a database the test then drops.
# tests/functional/test_sign_in_cache.py and the servers behind nginx run with it.
os.environ.setdefault("LMS_SIGN_IN_CACHE_PEOPLE", "0")


@pytest.fixture(scope="session")
def databases(tmp_path_factory) -> Iterator[TestDatabases]:
    """This worker's databases (SQLite, or PostgreSQL with LMS_TEST_DATABASE=postgresql): two
    templates built once, "schema" (empty tables) and "seeded" (the real courses imported), whose
    media folder is `databases.media`."""
    folder = tmp_path_factory.mktemp("seed")
    dbs = TestDatabases(folder, pg_server_url())
    media = dbs.media

    def schema(url: str) -> None:
        engine = make_engine(url)
        Base.metadata.create_all(engine)
        engine.dispose()

    def seeded(url: str) -> None:
        app = create_app(
            {"INSTANCE_PATH": str(folder / "instance"), "DATABASE_URL": url, "MEDIA_DIR": str(media), "TESTING": True}
        )
        Base.metadata.create_all(app.extensions["lms.engine"])
        with app.app_context():
            from lms.services.course_import import import_all

            import_all(get_session(), CONTENT, media)
            get_session().commit()
        # A PostgreSQL template must have no connection left when it is copied.
        app.extensions["lms.engine"].dispose()

    try:
        dbs.add_template("schema", schema)
        dbs.add_template("seeded", seeded)
        yield dbs
    finally:
        dbs.close()


@pytest.fixture
def database(databases, tmp_path) -> Iterator[Callable[..., str]]:
    """A factory: database() is the URL of the test's own copy of the seeded database,
    database("schema") one with empty tables, database(None) one with nothing in it; dropped after."""
    made: list[str] = []

    def make(kind: str | None = "seeded") -> str:
        url = databases.new(tmp_path, kind)
        made.append(url)
        return url

    yield make
    for url in made:
        databases.drop(url)


@pytest.fixture
def app(tmp_path, databases, database):
    app = create_app(
        {
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "DATABASE_URL": database(),
            "MEDIA_DIR": str(databases.media),
            "CACHE_DIR": str(tmp_path / "cache"),
            "TESTING": True,
            "SERVER_NAME": "localhost",
            "RATELIMIT_ENABLED": True,
        }
    )
    yield app
    app.extensions["lms.engine"].dispose()


@pytest.fixture
def app_with(tmp_path, databases, database):
    """A factory: app_with(**settings) is an app on a new copy of the seeded database, with these
    settings over the plain test ones (an instance folder of its own, the shared media, TESTING);
    every app made is disposed of after the test."""
    made: list = []

    def make(**settings):
        app = create_app(
            {
                "INSTANCE_PATH": str(tmp_path / f"app-{len(made)}"),
                "DATABASE_URL": database(),
                "MEDIA_DIR": str(databases.media),
                "TESTING": True,
                **settings,
            }
        )
        made.append(app)
        return app

    yield make
    for app in made:
        app.extensions["lms.engine"].dispose()


@pytest.fixture
def empty_app(tmp_path, database):
    """An app with the schema and no content."""
    app = create_app(
        {
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "DATABASE_URL": database("schema"),
            "MEDIA_DIR": str(tmp_path / "media"),
            "TESTING": True,
            "SERVER_NAME": "localhost",
        }
    )
    yield app
    app.extensions["lms.engine"].dispose()


@pytest.fixture
def db(app):
    """A session of the test's own. No app context stays pushed, so requests get theirs (and their own g)."""
    session = app.extensions["lms.sessionmaker"]()
    yield session
    session.close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def auth(app, client):
    return Auth(app, client)


@pytest.fixture
def count_queries(app):
    """Counts SQL statements run inside the `with` block."""

    class Counter:
        def __init__(self):
            self.count = 0

        def __enter__(self):
            event.listen(app.extensions["lms.engine"], "before_cursor_execute", self._hit)
            return self

        def __exit__(self, *exc):
            event.remove(app.extensions["lms.engine"], "before_cursor_execute", self._hit)

        def _hit(self, *args):
            self.count += 1

    return Counter
