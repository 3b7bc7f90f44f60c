"""The catalog and course pages run the same queries with 10 or 1,000 learners enrolled, and load
only what they show."""

from __future__ import annotations

import pytest
from sqlalchemy import event, insert, select

from lms.models import Course, Enrollment, User
from lms.models._types import utcnow
from tests.helpers import post

SLUG = "public-speaking"


def _enrol_many(db, n: int, start: int = 0) -> None:
    """n more learners, each enrolled in every course with a unit done (bulk inserts)."""
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
    db.commit()


def _statements(app, client, url: str) -> list[str]:
    seen: list[str] = []

    def hit(_conn, _cursor, statement, *_args):
        seen.append(statement)

    engine = app.extensions["lms.engine"]
    event.listen(engine, "before_cursor_execute", hit)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", hit)
    return seen


@pytest.mark.parametrize("signed_in", [False, True], ids=["visitor", "enrolled learner"])
def test_catalog_and_course_page_queries_do_not_grow_with_enrolments(app, client, auth, db, signed_in):
    """Catalog, course page and My learning run the same number of queries with 10 and 1,000 enrolments."""
    if signed_in:
        auth.as_new()
        post(client, f"/courses/{SLUG}/enrol", token_from=f"/courses/{SLUG}")
    pages = ["/", f"/courses/{SLUG}"] + (["/my-learning"] if signed_in else [])
    _enrol_many(db, 10)
    few = {url: len(_statements(app, client, url)) for url in pages}
    _enrol_many(db, 990, start=10)
    many = {url: len(_statements(app, client, url)) for url in pages}
    assert few == many
    assert few["/"] <= (2 if signed_in else 1), few
    assert few[f"/courses/{SLUG}"] <= (10 if signed_in else 6), few


def test_course_page_loads_only_what_it_shows(app, client):
    """The signed-out course page reads no unit body, caption cues, question text or choice."""
    sql = "\n".join(_statements(app, client, f"/courses/{SLUG}")).lower()
    assert "from choices" not in sql
    assert "body_html" not in sql and "body_md" not in sql
    assert "caption_tracks.vtt" not in sql
    assert "questions.prompt" not in sql
