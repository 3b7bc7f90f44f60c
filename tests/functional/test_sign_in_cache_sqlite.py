"""Each worker's copies of sign-ins on a SQLite file (lms.sign_in_cache_sqlite): a kept page needs
no query; a change committed by anyone (another worker, the sqlite3 shell) is seen by the very next
request; a read that raced a change is not kept; missed notices forget every copy; a database
without the triggers keeps nothing. Two apps on one file stand for two workers."""

from __future__ import annotations

import logging
import re
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from lms import migrate
from lms.db import Base, make_engine
from lms.db import get_session as db_session
from lms.models import User
from lms.services import sign_ins
from lms.sign_in_cache_sqlite import PolledSignInCache, _missing_triggers
from tests.factories import make_course, make_user
from tests.helpers import apps_keeping_sign_ins, csrf_token, post, signed_in_client, statements_of_get


@pytest.fixture
def site(tmp_path):
    """(database file, make_app): a migrated SQLite file, and apps on it with the cache on."""
    path = tmp_path / "sala.db"
    migrate.upgrade(f"sqlite:///{path}")
    with apps_keeping_sign_ins(f"sqlite:///{path}", tmp_path) as make_app:
        yield path, make_app


def _sql(path, statement: str, *params) -> None:
    """A change made outside the app (the sqlite3 shell, another program)."""
    conn = sqlite3.connect(path)
    with conn:
        conn.execute(statement, params)
    conn.close()


_signed_in = signed_in_client


def _kept(app, client) -> None:
    client.get("/my-learning")  # the sign-in read and kept
    client.get("/my-learning")  # the page kept (lms.personal_pages)
    assert statements_of_get(app, client, "/my-learning") == []


def test_the_triggers_are_made_by_the_migration_and_by_create_all(site, tmp_path):
    path, _ = site
    conn = sqlite3.connect(path)
    assert _missing_triggers(conn) == []
    conn.close()
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    Base.metadata.create_all(engine)
    conn = sqlite3.connect(tmp_path / "fresh.db")
    assert _missing_triggers(conn) == []
    conn.close()
    engine.dispose()


def test_a_kept_page_runs_no_query_and_a_change_by_anyone_is_seen_by_the_next_request(site):
    path, make_app = site
    app = make_app()
    user_id = make_user(app, name="Sok Dara")
    client = _signed_in(app)
    _kept(app, client)
    assert isinstance(app.extensions["lms.sign_in_cache"], PolledSignInCache)
    _sql(path, "UPDATE users SET name = 'Sok Dara Keo', page_version = page_version + 1 WHERE id = ?", user_id)
    assert "Sok Dara Keo" in client.get("/my-learning").get_data(as_text=True)  # no waiting at all


def test_sign_out_everywhere_elsewhere_ends_a_kept_sign_in(site):
    path, make_app = site
    app = make_app()
    user_id = make_user(app)
    client = _signed_in(app)
    _kept(app, client)
    _sql(path, "DELETE FROM login_sessions WHERE user_id = ?", user_id)
    answer = client.get("/my-learning")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


def test_a_change_by_another_worker_is_seen_and_others_stay_kept(site):
    _path, make_app = site
    first, second = make_app(), make_app()
    owner = make_user(first, email="trainer@example.org", name="Trainer Sophea", role="trainer")
    make_course(first, owner, slug="first-aid", title="First Aid")
    make_user(first)
    make_user(first, email="other@example.org", name="Chan Sophea")
    learner, other = _signed_in(first), _signed_in(first, "other@example.org")
    on_second = second.test_client()
    on_second.set_cookie("session", learner.get_cookie("session").value)
    _kept(second, on_second)
    _kept(first, other)

    assert post(learner, "/courses/first-aid/enrol", token_from="/courses/first-aid").status_code == 302
    assert "First Aid" in on_second.get("/my-learning").get_data(as_text=True)  # the other worker
    assert statements_of_get(first, other, "/my-learning") == []  # someone else's copy stands


def test_a_read_that_raced_a_change_is_not_kept(site):
    path, make_app = site
    app = make_app()
    user_id = make_user(app)
    with app.app_context():
        session = db_session()
        token = sign_ins.start(session, session.get(User, user_id))
        session.commit()
    kept = app.extensions["lms.sign_in_cache"]
    with app.app_context():
        kept.get(user_id, "x", datetime.now(UTC))  # this worker starts watching
        session = db_session()
        ticket = kept.ticket(session)  # the request's snapshot begins here
        row = session.execute(sa.text("SELECT name FROM users WHERE id = :u"), {"u": user_id}).one()
        _sql(path, "UPDATE users SET name = 'Renamed meanwhile' WHERE id = ?", user_id)  # committed after
        columns = {"id": user_id, "name": row.name, "page_version": 0}
        assert not kept.keep(ticket, user_id, sign_ins._hash(token), datetime.now(UTC) + timedelta(hours=1), columns)
        session.rollback()
    with app.app_context():  # a read after the change is kept
        session = db_session()
        ticket = kept.ticket(session)
        columns = {"id": user_id, "name": "Renamed meanwhile", "page_version": 0}
        assert kept.keep(ticket, user_id, sign_ins._hash(token), datetime.now(UTC) + timedelta(hours=1), columns)
        session.rollback()


def test_missed_notices_forget_every_copy(site):
    path, make_app = site
    app = make_app()
    make_user(app)
    make_user(app, email="other@example.org", name="Chan Sophea")
    client, other = _signed_in(app), _signed_in(app, "other@example.org")
    _kept(app, client)
    _kept(app, other)
    # Notices this worker never read, then deleted: as if it slept through NOTICES_KEPT changes.
    conn = sqlite3.connect(path)
    with conn:
        for _ in range(3):
            conn.execute("INSERT INTO sign_in_notices (user_id) VALUES (999)")
        conn.execute("DELETE FROM sign_in_notices WHERE id < (SELECT max(id) FROM sign_in_notices)")
    conn.close()
    assert statements_of_get(app, client, "/my-learning")  # read afresh
    assert statements_of_get(app, other, "/my-learning")
    assert statements_of_get(app, client, "/my-learning") == []  # and kept again


def test_the_triggers_keep_only_the_latest_notices(site, monkeypatch):
    path, make_app = site
    app = make_app()
    user_id = make_user(app)
    conn = sqlite3.connect(path)
    with conn:
        conn.executemany("INSERT INTO sign_in_notices (user_id) VALUES (?)", [(1,)] * 10_005)
        conn.execute("UPDATE users SET name = 'Sok Dara Keo' WHERE id = ?", (user_id,))
    count, lowest, highest = conn.execute("SELECT count(*), min(id), max(id) FROM sign_in_notices").fetchone()
    conn.close()
    assert count == 10_000 and highest - lowest == 9_999


def test_a_database_without_the_triggers_keeps_nothing(site, caplog):
    path, make_app = site
    _sql(path, "DROP TRIGGER sala_users_updated")
    app = make_app()
    make_user(app)
    client = _signed_in(app)
    with caplog.at_level(logging.WARNING, logger="lms.sign_in_cache_sqlite"):
        client.get("/my-learning")
    assert "sala_users_updated missing" in caplog.text
    assert not app.extensions["lms.sign_in_cache"].listening
    for _ in range(2):
        assert statements_of_get(app, client, "/my-learning")  # every request reads its sign-in


def test_no_cache_for_a_database_in_memory():
    from lms import sign_in_cache_sqlite

    assert sign_in_cache_sqlite.for_engine(sa.create_engine("sqlite://"), 100) is None
    assert sign_in_cache_sqlite.for_engine(sa.create_engine("sqlite:///x.db"), 0) is None


def test_the_users_trigger_compares_every_column_but_the_page_version(site, tmp_path):
    """The users-updated trigger, as migrated and as made by create_all, names the page version in
    its notice only when no other column of `users` changed: each column the table has now is in
    its comparison (a column added later must be added there by its migration)."""
    path, _ = site
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    Base.metadata.create_all(engine)
    engine.dispose()
    for database in (path, tmp_path / "fresh.db"):
        conn = sqlite3.connect(database)
        trigger = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'sala_users_updated'").fetchone()[0]
        columns = [row[1] for row in conn.execute("PRAGMA table_info(users)")]
        conn.close()
        assert "page_version" in columns
        for column in columns:
            assert (f"OLD.{column} IS NEW.{column}" in trigger) == (column != "page_version"), (column, trigger)


def test_a_page_version_moved_alone_keeps_the_copy_with_the_new_number(site):
    """A write of the learner's own rows moves only their page version: the copy takes the new
    number and their next page reads no sign-in; a change to another column forgets it."""
    path, make_app = site
    app = make_app()
    user_id = make_user(app, name="Sok Dara")
    client = _signed_in(app)
    _kept(app, client)
    _sql(path, "UPDATE users SET page_version = page_version + 1 WHERE id = ?", user_id)
    sql = statements_of_get(app, client, "/my-learning")
    assert sql and not any("login_sessions" in s for s in sql), sql  # the page built anew, the sign-in kept
    _sql(path, "UPDATE users SET locale = 'km', page_version = page_version + 1 WHERE id = ?", user_id)
    sql = statements_of_get(app, client, "/my-learning")
    assert any("login_sessions" in s for s in sql), sql


def test_a_quiz_submission_leaves_the_learners_sign_in_kept(site):
    """A quiz submitted (the learner's page version moves, nothing else of theirs) costs their
    next request no sign-in read."""
    from lms.models import Course
    from lms.services import enrollment, quiz_authoring

    _path, make_app = site
    app = make_app()
    owner = make_user(app, email="trainer@example.org", role="trainer")
    make_course(app, owner, slug="first-aid", quiz=True)
    user_id = make_user(app, name="Sok Dara")
    with app.app_context():
        session = db_session()
        course = session.scalars(sa.select(Course).where(Course.slug == "first-aid")).one()
        quiz_authoring.import_gift(session, course.quiz, "Pressure stops bleeding. {T}", "append")
        enrollment.enroll(session, session.get(User, user_id), course)
        session.commit()
    client = _signed_in(app)
    html = client.get("/courses/first-aid/quiz").get_data(as_text=True)
    action = re.search(r'action="(/courses/first-aid/quiz/attempts/\d+)"', html).group(1)
    question = re.search(r'name="(q-\d+)" value="([^"]+)"', html)
    answer = client.post(
        action, data={"csrf_token": csrf_token(client, "/courses/first-aid/quiz"), question.group(1): question.group(2)}
    )
    assert answer.status_code == 302
    sql = statements_of_get(app, client, "/my-learning")
    assert sql and not any("login_sessions" in s for s in sql), sql
