"""Every page type runs the same queries with 10 or 1,000 learners enrolled (each with progress,
a quiz attempt and a certificate), and the course page loads only what it shows. Visitors' public
pages are measured as rendered (app cache cleared) and as served from the cache."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import insert, select, update

from lms.extensions import cache
from lms.models import Attempt, Certificate, Course, Enrollment, Quiz, Unit, UnitProgress, User
from lms.models._types import utcnow
from lms.services import publication
from tests.factories import issue_certificate
from tests.helpers import post, statements_of_get, statements_run

SLUG = "public-speaking"


def _enrol_many(db, n: int, start: int = 0) -> None:
    """n more learners, each enrolled in every course with its first unit done, a submitted quiz
    attempt and a certificate (bulk inserts)."""
    now = utcnow()
    db.execute(
        insert(User),
        [
            {
                "email": f"bulk{start + i}@example.org",
                "name": f"Learner {start + i}",
                "password_hash": "x",
                "role": "learner",
                "created_at": now,
            }
            for i in range(n)
        ],
    )
    ids = db.scalars(select(User.id).where(User.email.like("bulk%")).order_by(User.id)).all()[start : start + n]
    courses = db.scalars(select(Course.id)).all()
    db.execute(insert(Enrollment), [{"user_id": u, "course_id": c, "enrolled_at": now} for u in ids for c in courses])
    firsts = db.scalars(select(Unit.id).where(Unit.position == 1)).all()
    db.execute(insert(UnitProgress), [{"user_id": u, "unit_id": x, "completed_at": now} for u in ids for x in firsts])
    quizzes = db.scalars(select(Quiz.id)).all()
    db.execute(
        insert(Attempt),
        [
            {"quiz_id": q, "user_id": u, "started_at": now, "submitted_at": now, "score": 50.0, "passed": False}
            for u in ids
            for q in quizzes
        ],
    )
    db.execute(
        insert(Certificate),
        [
            {
                "user_id": u,
                "course_id": courses[0],
                "code": f"BULK-{start + i:06d}",
                "learner_name": f"Learner {start + i}",
                "course_title": "Bulk",
                "issued_at": now,
                "status_index": 50_000 + start + i,
            }
            for i, u in enumerate(ids)
        ],
    )
    db.commit()


def _statements(app, client, url: str, *, cold: bool = True) -> list[str]:
    """The SQL one GET of `url` runs; cold: with the app cache and the worker's remembered
    publication version emptied first (the version read, the page rendered)."""
    if cold:
        with app.app_context():
            cache.clear()
        app.extensions.pop("lms.publication", None)
    return statements_of_get(app, client, url)


@pytest.mark.parametrize("signed_in", [False, True], ids=["visitor", "enrolled learner"])
def test_catalog_and_course_page_queries_do_not_grow_with_enrolments(app, client, auth, db, signed_in):
    """Catalog, course page and My learning run the same number of queries with 10 and 1,000 enrolments."""
    app.config["PERSONAL_PAGE_CACHE_BYTES"] = 0  # rendered pages measured (test_personal_pages: kept ones)
    if signed_in:
        auth.as_new()
        post(client, f"/courses/{SLUG}/enrol", token_from=f"/courses/{SLUG}")
    pages = ["/", f"/courses/{SLUG}"] + (["/my-learning"] if signed_in else [])
    _enrol_many(db, 10)
    few = {url: len(_statements(app, client, url)) for url in pages}
    _enrol_many(db, 990, start=10)
    many = {url: len(_statements(app, client, url)) for url in pages}
    assert few == many
    assert few["/"] <= 2, few
    assert few[f"/courses/{SLUG}"] <= (10 if signed_in else 7), few


def test_course_page_loads_only_what_it_shows(app, client):
    """The signed-out course page reads no unit body, caption cues, question text or choice."""
    sql = "\n".join(_statements(app, client, f"/courses/{SLUG}")).lower()
    assert "from choices" not in sql
    assert "body_html" not in sql and "body_md" not in sql
    assert "caption_tracks.vtt" not in sql
    assert "questions.prompt" not in sql


def _counts(app, client, pages: list[str]) -> dict[str, int]:
    """Queries per page on a repeat visit (a first visit may write: progress, a started attempt)."""
    for url in pages:
        client.get(url).close()
    return {url: len(_statements(app, client, url)) for url in pages}


def test_every_learner_page_runs_the_same_queries_with_10_or_1000_enrolments(app, client, auth, db):
    """Unit, quiz, My learning, certificates, a certificate, verify and the catalog: queries do not grow with enrolments."""
    app.config["PERSONAL_PAGE_CACHE_BYTES"] = 0  # rendered pages measured (test_personal_pages: kept ones)
    email = auth.as_new()
    post(client, f"/courses/{SLUG}/enrol", token_from=f"/courses/{SLUG}")
    code = issue_certificate(db, email)
    pages = [
        "/",
        f"/courses/{SLUG}",
        "/my-learning",
        f"/courses/{SLUG}/units/why-we-speak",
        f"/courses/{SLUG}/quiz",
        "/certificates",
        f"/certificates/{code}",
        f"/verify/{code}",
        "/verify",
    ]
    _enrol_many(db, 10)
    few = _counts(app, client, pages)
    _enrol_many(db, 990, start=10)
    assert _counts(app, client, pages) == few


def test_results_dashboard_and_csv_run_the_same_queries_with_10_or_1000_enrolments(app, client, auth, db):
    """The trainer's results dashboard and learners CSV run as many queries for 1,000 learners as for 10."""
    # Each view reads its figures' stamp anew: with the usual second between reads, whether the
    # warming visit saw the 990 new learners depended on how fast the machine inserted them.
    app.config["PUBLICATION_CHECK_SECONDS"] = 0
    auth.as_new(role="admin")
    course_id = db.scalar(select(Course.id).where(Course.slug == SLUG))
    pages = ["/dashboard", f"/dashboard/courses/{course_id}", f"/dashboard/courses/{course_id}/learners.csv"]
    _enrol_many(db, 10)
    few = _counts(app, client, pages)
    _enrol_many(db, 990, start=10)
    assert _counts(app, client, pages) == few


@pytest.mark.parametrize("url", ["/", f"/courses/{SLUG}"])
def test_visitor_page_from_the_cache_costs_at_most_one_query(app, client, url):
    """A visitor's page seen before comes from the app cache: no query within the check interval, one (the version) after it."""
    app.config["PUBLICATION_CHECK_SECONDS"] = 60  # a slow test machine stays inside it
    first = client.get(url)
    assert _statements(app, client, url, cold=False) == []
    app.config["PUBLICATION_CHECK_SECONDS"] = 0
    statements = _statements(app, client, url, cold=False)
    assert len(statements) == 1 and "publication_versions" in statements[0], statements
    again = client.get(url)
    assert again.data == first.data and again.headers["ETag"] == first.headers["ETag"]


def test_an_edit_to_a_course_shows_at_once_on_cached_visitor_pages(app, client, db):
    """Changing a published course's title bumps the publication version, so the cached catalog and course page show it."""
    app.config["PUBLICATION_CHECK_SECONDS"] = 0
    before = {url: client.get(url).get_data(as_text=True) for url in ("/", f"/courses/{SLUG}")}
    course = db.scalars(select(Course).where(Course.slug == SLUG)).one()
    old = course.title
    version = publication.current(db)
    course.title = "Speaking to a Room"
    db.commit()
    assert publication.current(db) == version + 1
    for url, html in before.items():
        assert old in html
        now = client.get(url).get_data(as_text=True)
        assert "Speaking to a Room" in now and old not in now, url


def test_a_withdrawn_unit_leaves_the_cached_course_page(app, client, db):
    """A bulk update of units (an ORM update statement) bumps the version too, so the cached page is not served stale."""
    app.config["PUBLICATION_CHECK_SECONDS"] = 0
    assert "Why we speak" in client.get(f"/courses/{SLUG}").get_data(as_text=True)
    course_id = db.scalar(select(Course.id).where(Course.slug == SLUG))
    version = publication.current(db)
    db.execute(update(Unit).where(Unit.course_id == course_id, Unit.slug == "why-we-speak").values(status="draft"))
    db.commit()
    assert publication.current(db) == version + 1
    assert "Why we speak" not in client.get(f"/courses/{SLUG}").get_data(as_text=True)


def test_a_visitor_with_a_session_is_never_served_anothers_page(app, client):
    """A visitor whose session holds something (here a CSRF token from the sign-in page) gets a page rendered for them."""
    client.get("/")  # cached for empty sessions
    client.get("/login")  # the session now holds a CSRF token
    with client.session_transaction() as sess:
        assert sess
    statements = _statements(app, client, "/", cold=False)
    sql = "\n".join(statements).lower()
    assert "from courses" in sql and "publication_versions" not in sql  # rendered, not taken from the cache


def test_a_change_shows_within_the_check_interval(app, client, db):
    """With the default interval, a worker that read the version rereads it once the interval has passed."""
    app.config["PUBLICATION_CHECK_SECONDS"] = 0.2
    assert "Public Speaking" in client.get("/").get_data(as_text=True)
    course = db.scalars(select(Course).where(Course.slug == SLUG)).one()
    course.title = "Speaking to a Room"
    db.commit()
    time.sleep(0.3)
    assert "Speaking to a Room" in client.get("/").get_data(as_text=True)


def test_a_quiz_submission_runs_the_same_queries_with_10_or_1000_enrolments(app, client, auth, db):
    """A quiz submission (a failed try, the quiz's grading key kept by the worker) runs the same
    statements with 10 or 1,000 learners enrolled, each with a submitted attempt."""
    from tests.helpers import attempt_url, course_data, csrf_token, submit_quiz

    auth.as_new()
    post(client, f"/courses/{SLUG}/enrol", token_from=f"/courses/{SLUG}")
    _, _, wrong = course_data(app, SLUG)
    submit_quiz(client, SLUG, wrong)  # the worker keeps the quiz's grading key

    def submission() -> list[str]:
        url = attempt_url(client, SLUG)
        form = {"csrf_token": csrf_token(client, f"/courses/{SLUG}/quiz"), **wrong}
        return statements_run(app, lambda: client.post(url, data=form))

    _enrol_many(db, 10)
    few = submission()
    _enrol_many(db, 990, start=10)
    assert submission() == few
    assert len(few) <= 4, few
