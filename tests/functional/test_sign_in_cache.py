"""Each worker's copies of sign-ins (lms.sign_in_cache) on a real PostgreSQL: a kept page needs
no query, and what others change (a name, "sign out everywhere") is heard within moments, what a
browser changes itself is seen at once on another worker, and a lost listener keeps nothing.

Two apps on one database stand for two workers (or two app servers). Skipped, with the reason,
where no PostgreSQL server answers."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from lms import migrate, sign_in_cache
from lms.db import Base, make_engine
from lms.sign_in_cache import Listening, _missing_triggers
from tests.factories import make_course, make_user
from tests.helpers import apps_keeping_sign_ins, post, postgres_database, signed_in_client, statements_of_get

#: Seconds a notice may take to reach a worker on this (shared, busy) test machine.
HEARD_WITHIN = 10.0


@pytest.fixture
def pg(tmp_path):
    """(database URL, make_app): a migrated database, and apps on it with the cache on."""
    with postgres_database() as url, apps_keeping_sign_ins(url, tmp_path) as make_app:
        migrate.upgrade(url)
        yield url, make_app


def _sql(url: str, statement: str, **params) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(statement), params)
    engine.dispose()


def _until(check, seconds: float = HEARD_WITHIN) -> float:
    """Seconds until check() is true; fails the test after `seconds`."""
    start = time.monotonic()
    while not check():
        assert time.monotonic() - start < seconds, "not within the time a notice takes"
        time.sleep(0.02)
    return time.monotonic() - start


_signed_in = signed_in_client


def _listening(app, client) -> None:
    client.get("/my-learning")  # the listener starts with a worker's first signed-in request
    _until(lambda: app.extensions["lms.sign_in_cache"].listening)


def _same_browser(source, target) -> None:
    """Give `target` (a client of another app) `source`'s session cookie: one browser, two workers."""
    cookie = source.get_cookie("session")
    target.set_cookie("session", cookie.value, domain=cookie.domain)


def test_the_triggers_are_made_by_the_migration_and_by_create_all(pg):
    url, _ = pg
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        assert _missing_triggers(Listening(conn.connection.driver_connection)) == []
    engine.dispose()
    with postgres_database() as fresh:
        engine = make_engine(fresh)
        Base.metadata.create_all(engine)
        with engine.connect() as conn:
            assert _missing_triggers(Listening(conn.connection.driver_connection)) == []
        engine.dispose()


def test_a_kept_page_runs_no_query_and_a_change_by_someone_else_is_heard(pg):
    url, make_app = pg
    app = make_app()
    user_id = make_user(app, name="Sok Dara")
    client = _signed_in(app)
    _listening(app, client)
    assert "Sok Dara" in client.get("/my-learning").get_data(as_text=True)  # read and kept
    assert statements_of_get(app, client, "/my-learning") == []  # no sign-in query, no page query

    # Changed elsewhere (another server, the job worker, psql), as the app changes a person: the
    # page version grows with the row.
    _sql(url, "UPDATE users SET name = 'Sok Dara Keo', page_version = page_version + 1 WHERE id = :u", u=user_id)
    _until(lambda: "Sok Dara Keo" in client.get("/my-learning").get_data(as_text=True))


def test_sign_out_everywhere_elsewhere_ends_a_kept_sign_in(pg):
    url, make_app = pg
    app = make_app()
    user_id = make_user(app)
    client = _signed_in(app)
    _listening(app, client)
    client.get("/my-learning")
    assert statements_of_get(app, client, "/my-learning") == []
    _sql(url, "DELETE FROM login_sessions WHERE user_id = :u", u=user_id)
    _until(lambda: client.get("/my-learning").status_code == 302)
    assert "/login" in client.get("/my-learning").headers["Location"]


def test_a_browsers_own_change_shows_at_once_on_a_worker_that_has_not_heard_it(pg):
    _url, make_app = pg
    first, second = make_app(), make_app()
    owner = make_user(first, email="trainer@example.org", name="Trainer Sophea", role="trainer")
    make_course(first, owner, slug="first-aid", title="First Aid")
    make_user(first)
    on_first = _signed_in(first)
    on_second = second.test_client()
    _same_browser(on_first, on_second)
    _listening(second, on_second)
    assert "First Aid" not in on_second.get("/my-learning").get_data(as_text=True)  # kept by the second
    # The second worker hears nothing from now on: only the browser's session can tell it.
    second.extensions["lms.sign_in_cache"].heard = lambda payload: None
    stale = on_second.get_cookie("session").value

    answer = post(on_first, "/courses/first-aid/enrol", token_from="/courses/first-aid")
    assert answer.status_code == 302
    # Without the number the first worker wrote into the session, the deaf worker's copy is used...
    assert "First Aid" not in on_second.get("/my-learning").get_data(as_text=True)
    assert on_second.get_cookie("session").value == stale
    # ...with it, the second worker reads the sign-in afresh and shows the enrolment.
    _same_browser(on_first, on_second)
    assert "First Aid" in on_second.get("/my-learning").get_data(as_text=True)


def test_a_lost_listener_keeps_nothing_until_it_is_back(pg, monkeypatch):
    url, make_app = pg
    monkeypatch.setattr(sign_in_cache, "RETRY_SECONDS", 0.2)
    app = make_app()
    kept = app.extensions["lms.sign_in_cache"]
    make_user(app)
    client = _signed_in(app)
    _listening(app, client)
    client.get("/my-learning")
    assert statements_of_get(app, client, "/my-learning") == []

    _sql(
        url,
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = :n",
        n=sign_in_cache.APPLICATION_NAME,
    )
    _until(lambda: not kept.listening)
    assert kept.get(1, "any", datetime.now(UTC)) is None
    _until(lambda: kept.listening)  # connected again
    assert statements_of_get(app, client, "/my-learning")  # read afresh: notices may have been missed
    assert statements_of_get(app, client, "/my-learning") == []  # and kept again


def test_a_database_without_the_triggers_keeps_nothing(pg, caplog):
    url, make_app = pg
    _sql(url, "DROP TRIGGER sala_users_changed ON users")
    app = make_app()
    make_user(app)
    client = _signed_in(app)
    with caplog.at_level(logging.WARNING, logger="lms.sign_in_cache"):
        client.get("/my-learning")
        _until(lambda: "sala_users_changed missing" in caplog.text)
    assert not app.extensions["lms.sign_in_cache"].listening
    for _ in range(2):
        assert statements_of_get(app, client, "/my-learning")  # every request reads its sign-in


class _Deafened:
    """A real listener connection whose notices can be made to go missing, as behind a pooler in
    transaction mode or on a network path that died silently."""

    def __init__(self, conn, deaf: dict) -> None:
        self._conn, self._deaf = conn, deaf

    def __getattr__(self, name):
        return getattr(self._conn, name)

    def __enter__(self):
        self._conn.__enter__()
        return self

    def __exit__(self, *exc):
        return self._conn.__exit__(*exc)

    def notifies(self, **kw):
        for notice in self._conn.notifies(**kw):
            if not self._deaf["now"]:
                yield notice


def test_a_listener_that_stops_hearing_keeps_nothing_and_connects_again(pg, monkeypatch, caplog):
    _url, make_app = pg
    monkeypatch.setattr(sign_in_cache, "PROBE_SECONDS", 0.5)
    monkeypatch.setattr(sign_in_cache, "ECHO_WAIT_SECONDS", 2.0)
    monkeypatch.setattr(sign_in_cache, "RETRY_SECONDS", 0.2)
    app = make_app()
    kept = app.extensions["lms.sign_in_cache"]
    deaf = {"now": False}
    connect = kept._connect
    monkeypatch.setattr(kept, "_connect", lambda: _Deafened(connect(), deaf))
    make_user(app)
    client = _signed_in(app)
    _listening(app, client)
    client.get("/my-learning")
    assert statements_of_get(app, client, "/my-learning") == []

    with caplog.at_level(logging.WARNING, logger="lms.sign_in_cache"):
        deaf["now"] = True  # the connection stays up; nothing reaches the worker any more
        _until(lambda: not kept.listening)
        _until(lambda: "was not heard" in caplog.text)  # logged just after the copies go
        for _ in range(2):
            assert statements_of_get(app, client, "/my-learning")  # every request reads its sign-in
        time.sleep(3)
        assert not kept.listening  # each new connection is as deaf: its echo never comes back
    deaf["now"] = False
    _until(lambda: kept.listening)
    assert statements_of_get(app, client, "/my-learning")  # read afresh
    assert statements_of_get(app, client, "/my-learning") == []


def test_echoes_from_other_workers_forget_nothing(pg):
    _url, make_app = pg
    first, second = make_app(), make_app()
    make_user(first)
    client = _signed_in(first)
    _listening(first, client)
    client.get("/my-learning")
    assert statements_of_get(first, client, "/my-learning") == []
    _listening(second, _signed_in(second))  # a second listener, sending echoes of its own
    _until(lambda: second.extensions["lms.sign_in_cache"].listening)
    time.sleep(sign_in_cache.POLL_SECONDS * 2)
    assert statements_of_get(first, client, "/my-learning") == []


def test_a_page_version_moved_alone_keeps_the_copy_with_the_new_number(pg):
    """A write of the learner's own rows (a quiz submitted) moves only their page version: the
    notice carries the number, the copy takes it, and their next page reads no sign-in. A name
    changed with it is a plain notice, and the copy goes."""
    url, make_app = pg
    app = make_app()
    user_id = make_user(app, name="Sok Dara")
    client = _signed_in(app)
    _listening(app, client)
    client.get("/my-learning")
    kept = app.extensions["lms.sign_in_cache"]
    _sql(url, "UPDATE users SET page_version = page_version + 1 WHERE id = :u", u=user_id)
    _until(lambda: (kept._people.get(user_id) or sign_in_cache._Person({}, {}, 0)).columns.get("page_version") == 1)
    sql = statements_of_get(app, client, "/my-learning")
    assert not any("login_sessions" in s for s in sql), sql  # the page is built anew, the sign-in kept
    _sql(url, "UPDATE users SET name = 'Sok Dara Keo', page_version = page_version + 1 WHERE id = :u", u=user_id)
    _until(lambda: user_id not in kept._people)
