"""A quiz submission counted in one guarded UPDATE from a worker's grading key
(lms.services.quiz_submissions): the same answers as the full path in every case, and the full
path for everything the quick one cannot settle."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from lms.models import Attempt, Certificate, Course, Enrollment, Question, User
from lms.services import publication
from lms.services.quiz_submissions import GradingKeys
from tests.helpers import Auth, attempt_url, complete_units, course_data, csrf_token, post, statements_run, submit_quiz

SLUG = "public-speaking"


@pytest.fixture
def learner(app, client, auth):
    """A new learner enrolled in the course, signed in; (user id, right answers, wrong answers)."""
    email = auth.as_new()
    post(client, f"/courses/{SLUG}/enrol", token_from=f"/courses/{SLUG}")
    _, right, wrong = course_data(app, SLUG)
    with app.app_context():
        from lms.db import get_session

        user_id = get_session().scalar(select(User.id).where(User.email == email))
    return user_id, right, wrong


def _submitted(db, user_id):
    db.expire_all()
    return db.scalars(
        select(Attempt).where(Attempt.user_id == user_id, Attempt.submitted_at.is_not(None)).order_by(Attempt.id)
    ).all()


def test_a_kept_key_counts_a_submission_with_two_writes_and_no_reads_of_the_quiz(app, client, learner, db):
    """Once a worker keeps the quiz's key, a failed try reads no course, question or choice: it
    writes the attempt and the learner's page version (on PostgreSQL in one statement), and leaves
    the publication version alone."""
    user_id, _right, wrong = learner
    submit_quiz(client, SLUG, wrong)  # the key is read and kept
    version = publication.current(db)
    url = attempt_url(client, SLUG)
    form = {"csrf_token": _token(client), **wrong}
    sql = statements_run(app, lambda: client.post(url, data=form))
    assert not any(word in s.lower() for s in sql for word in ("from courses", "from questions", "from choices"))
    if app.extensions["lms.engine"].dialect.name == "postgresql":
        # One statement: the attempt's UPDATE in a WITH, the page version's UPDATE on its rows.
        writes = [" ".join(s.split()) for s in sql if "UPDATE" in s.upper()]
        assert len(writes) == 1, sql
        assert writes[0].startswith("WITH closed AS (UPDATE attempts SET") and " UPDATE users SET" in writes[0]
    else:
        writes = [s.split()[0:2] for s in sql if s.lstrip().upper().startswith("UPDATE")]
        assert writes == [["UPDATE", "attempts"], ["UPDATE", "users"]], sql
    assert len(_submitted(db, user_id)) == 2
    db.rollback()
    assert publication.current(db) == version


def _token(client) -> str:
    return csrf_token(client, f"/courses/{SLUG}/quiz")


def test_a_question_changed_after_the_key_was_kept_is_graded_as_it_is_now(app, client, learner, db):
    """A trainer makes the learner's wrong answer the right one between two tries: the second try
    is graded by the changed question, not by the kept copy."""
    user_id, right, wrong = learner
    submit_quiz(client, SLUG, wrong)
    first = _submitted(db, user_id)[0]
    assert not first.passed
    # Every question's wrong choice becomes its right one (short answers accept the wrong text).
    for name, values in wrong.items():
        question = db.get(Question, int(name.removeprefix("q-")))
        if question.type == "short_text":
            question.choices[0].text = values[0]
        else:
            for choice in question.choices:
                choice.correct = str(choice.id) in values
    db.commit()
    r, _ = submit_quiz(client, SLUG, wrong)
    assert r.status_code == 302
    second = _submitted(db, user_id)[1]
    assert second.passed and second.score == 100.0


def test_a_withdrawn_course_counts_nothing_and_answers_as_before(app, client, learner, db):
    """The course goes back to draft after the key was kept: the post is refused (404) and the
    open attempt stays open."""
    user_id, _right, wrong = learner
    submit_quiz(client, SLUG, wrong)
    url = attempt_url(client, SLUG)
    form = {"csrf_token": _token(client), **wrong}
    db.execute(update(Course).where(Course.slug == SLUG).values(status="draft"))
    db.commit()
    assert client.post(url, data=form).status_code == 404
    assert len(_submitted(db, user_id)) == 1


def test_an_unenrolled_learner_counts_nothing(app, client, learner, db):
    """The enrolment is removed after the key was kept: nothing is counted, and the learner is
    sent to the course page to enrol, as the full path does."""
    user_id, _right, wrong = learner
    submit_quiz(client, SLUG, wrong)
    url = attempt_url(client, SLUG)
    form = {"csrf_token": _token(client), **wrong}
    # Deleted as an ORM object, as the app would: that moves the learner's page version only.
    db.delete(db.scalars(select(Enrollment).where(Enrollment.user_id == user_id)).one())
    version = publication.current(db)
    db.commit()
    assert publication.current(db) == version
    r = client.post(url, data=form)
    assert r.status_code in (302, 403) and len(_submitted(db, user_id)) == 1
    if r.status_code == 302:
        assert f"/courses/{SLUG}" in r.location and "/quiz" not in r.location


def test_another_learners_attempt_is_not_found_and_unchanged(app, client, learner, auth, db):
    """Posting to someone else's open attempt is a 404 and leaves it open, key kept or not."""
    owner_id, _right, wrong = learner
    submit_quiz(client, SLUG, wrong)
    theirs = attempt_url(client, SLUG)
    other = app.test_client()
    Auth(app, other).as_new(email="other@example.org")
    post(other, f"/courses/{SLUG}/enrol", token_from=f"/courses/{SLUG}")
    submit_quiz(other, SLUG, wrong)
    r = other.post(theirs, data={"csrf_token": csrf_token(other, f"/courses/{SLUG}/quiz"), **wrong})
    assert r.status_code == 404
    attempt_id = int(theirs.rsplit("/", 1)[1])
    db.expire_all()
    assert db.get(Attempt, attempt_id).submitted_at is None and db.get(Attempt, attempt_id).user_id == owner_id


def test_a_pass_after_the_units_issues_the_certificate_in_the_same_request(app, client, learner, db):
    """Units done first, then a pass through the quick path: the course completes and the
    certificate is issued before the redirect, as the full path does."""
    user_id, right, wrong = learner
    units, _, _ = course_data(app, SLUG)
    complete_units(client, SLUG, units)
    submit_quiz(client, SLUG, wrong)  # the key is kept
    assert db.scalar(select(func.count(Certificate.id)).where(Certificate.user_id == user_id)) == 0
    r, _ = submit_quiz(client, SLUG, right)
    assert r.status_code == 302 and "/quiz/attempts/" in r.location
    assert db.scalar(select(func.count(Certificate.id)).where(Certificate.user_id == user_id)) == 1
    assert db.scalar(select(Enrollment.completed_at).where(Enrollment.user_id == user_id)) is not None
    result = client.get(r.location).get_data(as_text=True)
    assert "You passed: 100%" in result


def test_the_quiz_page_after_a_quick_submission_is_not_the_old_form(app, client, learner):
    """The learner's page version moved with the submission: the quiz page (kept per version)
    opens a new attempt rather than showing the one just submitted."""
    _user_id, _right, wrong = learner
    first_url = attempt_url(client, SLUG)
    submit_quiz(client, SLUG, wrong)
    assert attempt_url(client, SLUG) != first_url


def test_a_key_is_a_read_only_copy_detached_from_any_session(app, db):
    """Threads share a key: its questions and choices cannot be changed through it, and reading
    it needs no database."""
    keys = GradingKeys()
    with app.app_context():
        from lms.db import get_session

        key = keys.get(get_session(), SLUG)
    assert key is not None and key.questions
    question = key.questions[0]
    with pytest.raises(AttributeError):
        question.prompt = "changed"
    with pytest.raises(AttributeError):
        question.choices[0].correct = True
    assert all(isinstance(c.text, str) for q in key.questions for c in q.choices)
    assert keys.get(db, "no-such-course") is None
