"""Odd input never answers 500: huge ids, repeated posts, random form values (issue 10, item 6)."""

from __future__ import annotations

import re
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from lms.db import MAX_ID
from lms.models import Course, Enrollment, UnitProgress, User
from lms.services import enrollment as enrollments
from lms.services import progress as progresses
from tests.factories import PASSWORD, make_user
from tests.helpers import csrf_token, post

SLUG = "public-speaking"
#: Any text a browser could send: every code point but lone surrogates (which UTF-8 cannot carry).
ANY_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=300)
RANDOM_FORMS = settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def test_every_int_route_answers_404_for_ids_beyond_the_database_range(app, client, auth):
    """Each <int:...> route answers 404 (never 500) for an id past the database's INTEGER range."""
    auth.as_new("admin")
    rules = [
        r
        for r in app.url_map.iter_rules()
        if "GET" in r.methods and any(type(c).__name__ == "IdConverter" for c in r._converters.values())
    ]
    assert len(rules) >= 10
    problems = []
    for rule in rules:
        for huge in (MAX_ID + 1, 99999999999999999999999):
            values = {
                name: (huge if type(conv).__name__ == "IdConverter" else "x") for name, conv in rule._converters.items()
            }
            url = _build(rule, values)
            status = client.get(url).status_code
            if status != 404:
                problems.append(f"{url}: {status}")
    assert problems == []


def _build(rule, values) -> str:
    """The rule's path with the values put in as text (building would refuse the out-of-range ids)."""
    return re.sub(r"<(?:[a-z]+(?:\([^)]*\))?:)?([a-z_]+)>", lambda m: str(values[m.group(1)]), rule.rule)


def test_double_enrol_answers_as_the_first(client, auth, db):
    """Posting "Enrol" twice gives two redirects and one enrolment."""
    auth.as_new()
    first = post(client, f"/courses/{SLUG}/enrol", token_from=f"/courses/{SLUG}")
    second = post(client, f"/courses/{SLUG}/enrol", token_from=f"/courses/{SLUG}")
    assert first.status_code == second.status_code == 302
    assert db.scalar(select(func.count()).select_from(Enrollment)) == 1


def test_enrol_race_keeps_the_first_row(app, db, monkeypatch):
    """When another request enrolled between the check and the insert, enrol returns that enrolment
    instead of failing on the unique constraint."""
    user_id = make_user(app)
    user, course = db.get(User, user_id), db.scalars(select(Course).where(Course.slug == SLUG)).one()
    first = enrollments.enroll(db, user, course)
    db.commit()
    real, calls = enrollments.get_enrollment, []

    def stale_then_real(*args):
        calls.append(1)
        return None if len(calls) == 1 else real(*args)

    monkeypatch.setattr(enrollments, "get_enrollment", stale_then_real)
    assert enrollments.enroll(db, user, course).id == first.id
    db.commit()
    assert db.scalar(select(func.count()).select_from(Enrollment)) == 1


def test_mark_done_race_keeps_the_first_row(app, db, monkeypatch):
    """When another request marked the unit done between the check and the insert, mark_done answers
    "nothing changed" instead of failing on the unique constraint."""
    user_id = make_user(app)
    user, course = db.get(User, user_id), db.scalars(select(Course).where(Course.slug == SLUG)).one()
    unit = course.published_units()[0]
    enrollments.enroll(db, user, course)
    assert progresses.mark_done(db, user, unit) is True
    db.commit()
    real, calls = progresses.find_unit_progress, []

    def stale_then_real(*args):
        calls.append(1)
        return None if len(calls) == 1 else real(*args)

    monkeypatch.setattr(progresses, "find_unit_progress", stale_then_real)
    assert progresses.mark_done(db, user, unit) is False
    db.commit()
    assert db.scalar(select(func.count()).select_from(UnitProgress)) == 1


def test_parallel_enrol_and_mark_done_never_500(app, auth, db):
    """Eight browsers of one learner posting Enrol and Mark as done at once all get redirects, and one row each."""
    auth.as_new()
    course = db.scalars(select(Course).where(Course.slug == SLUG)).one()
    unit_slug = course.published_units()[0].slug
    clients = []
    for _ in range(8):
        c = app.test_client()
        post(c, "/login", {"email": "learner@example.org", "password": PASSWORD})
        clients.append((c, csrf_token(c, f"/courses/{SLUG}")))
    statuses, barrier = [], threading.Barrier(len(clients))

    def run(c, token):
        barrier.wait()
        statuses.append(c.post(f"/courses/{SLUG}/enrol", data={"csrf_token": token}).status_code)
        statuses.append(c.post(f"/courses/{SLUG}/units/{unit_slug}/done", data={"csrf_token": token}).status_code)

    threads = [threading.Thread(target=run, args=pair) for pair in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [302] * 16
    assert db.scalar(select(func.count()).select_from(Enrollment)) == 1
    assert db.scalar(select(func.count()).select_from(UnitProgress)) == 1


@pytest.fixture
def unlimited(app):
    """Sign-in limits out of the way, so every random post reaches the form."""
    for key in ("SIGN_IN_ACCOUNT_LIMIT", "SIGN_IN_ADDRESS_LIMIT", "REGISTER_ADDRESS_LIMIT"):
        app.config[key] = "100000 per minute"
    return app


@RANDOM_FORMS
@given(email=ANY_TEXT, password=ANY_TEXT, remember=ANY_TEXT)
def test_random_sign_in_posts_never_500(unlimited, email, password, remember):
    """Any values in the sign-in form get a page (400) or a redirect, never 500."""
    client = unlimited.test_client()
    r = post(client, "/login", {"email": email, "password": password, "remember": remember})
    assert r.status_code in (302, 400)


@RANDOM_FORMS
@given(name=ANY_TEXT, email=st.one_of(ANY_TEXT, st.emails()), password=ANY_TEXT)
def test_random_register_posts_never_500(unlimited, name, email, password):
    """Any values in the registration form get a page (400) or a redirect, never 500."""
    client = unlimited.test_client()
    r = post(client, "/register", {"name": name, "email": email, "password": password, "confirm": password})
    assert r.status_code in (302, 400)


@RANDOM_FORMS
@given(current=ANY_TEXT, password=ANY_TEXT, confirm=ANY_TEXT, name=ANY_TEXT)
def test_random_account_posts_never_500(unlimited, current, password, confirm, name):
    """Any values in the change-password and name forms get a page or a redirect, never 500."""
    client = unlimited.test_client()
    with unlimited.app_context():
        from lms.db import get_session

        if get_session().scalar(select(User).where(User.email == "fuzz@example.org")) is None:
            make_user(unlimited, email="fuzz@example.org")
    post(client, "/login", {"email": "fuzz@example.org", "password": PASSWORD})
    r = post(
        client,
        "/account/password",
        {"current": current, "password": password, "confirm": confirm},
        token_from="/account",
    )
    assert r.status_code in (302, 400)
    if r.status_code == 302:  # the password changed: put it back for the next example
        post(
            client,
            "/account/password",
            {"current": password, "password": PASSWORD, "confirm": PASSWORD},
            token_from="/account",
        )
    assert post(client, "/account/name", {"name": name}, token_from="/account").status_code in (302, 400)


def test_badly_encoded_form_never_500(client):
    """A form body that is not UTF-8 gets an answer, not 500."""
    r = client.post("/login", data=b"email=%ff%fe&password=%00%c0", content_type="application/x-www-form-urlencoded")
    assert r.status_code < 500


def test_nul_characters_in_addresses_and_forms_never_500(client, auth):
    """U+0000 in a path, a query or a form field (PostgreSQL text refuses it) gets 404 or an accessible 400, never 500."""
    auth.as_new()
    for url in ("/courses/a%00b", "/courses/public-speaking/units/x%00", "/media/a%00.webm", "/verify/AB%00CD"):
        assert client.get(url).status_code == 404, url
    r = client.get("/verify?code=AB%00CD")
    assert r.status_code in (400, 404) and '<main id="main"' in r.get_data(as_text=True)
    signed_out = client.application.test_client()
    r = post(signed_out, "/login", {"email": "learner\x00@example.org", "password": "x\x00"}, token_from="/login")
    assert r.status_code == 400 and '<main id="main"' in r.get_data(as_text=True)
