"""Fixtures: an app on a fresh database per test, courses imported once per session and copied."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy import event

from lms import create_app
from lms.db import Base, get_session
from tests.helpers import CONTENT, Auth

# A cheap password hash for the suite (thousands of sign-ins); production keeps scrypt, and
# tests/unit/test_passwords.py checks that default. Set before any app reads its config.
os.environ.setdefault("LMS_PASSWORD_HASH_METHOD", "pbkdf2:sha256:1000")
# No background queue unless a test asks for one (tests/functional/test_renditions.py runs a real
# worker); uploads still plan their renditions, which wait as "queued".
os.environ.setdefault("LMS_JOBS_QUEUE", "off")


@pytest.fixture(scope="session")
def seeded_db(tmp_path_factory) -> tuple[Path, Path]:
    """A SQLite file with the schema and the real courses imported, and its media folder."""
    folder = tmp_path_factory.mktemp("seed")
    db_file, media = folder / "seed.db", folder / "media"
    app = create_app(
        {
            "INSTANCE_PATH": str(folder / "instance"),
            "DATABASE_URL": f"sqlite:///{db_file}",
            "MEDIA_DIR": str(media),
            "TESTING": True,
        }
    )
    Base.metadata.create_all(app.extensions["lms.engine"])
    with app.app_context():
        from lms.services.course_import import import_all

        import_all(get_session(), CONTENT, media)
        get_session().commit()
    app.extensions["lms.engine"].dispose()
    return db_file, media


@pytest.fixture
def app(tmp_path, seeded_db):
    db_file, media = seeded_db
    test_db = tmp_path / "lms.db"
    shutil.copy(db_file, test_db)
    app = create_app(
        {
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "DATABASE_URL": f"sqlite:///{test_db}",
            "MEDIA_DIR": str(media),
            "CACHE_DIR": str(tmp_path / "cache"),
            "TESTING": True,
            "SERVER_NAME": "localhost",
            "RATELIMIT_ENABLED": True,
        }
    )
    yield app
    app.extensions["lms.engine"].dispose()


@pytest.fixture
def empty_app(tmp_path):
    """An app with the schema and no content."""
    app = create_app(
        {
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'e.db'}",
            "MEDIA_DIR": str(tmp_path / "media"),
            "TESTING": True,
            "SERVER_NAME": "localhost",
        }
    )
    Base.metadata.create_all(app.extensions["lms.engine"])
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
