"""Helpers for walking a learner through a course with the test client."""
from __future__ import annotations

import re

from sqlalchemy import select

from lms.db import get_session
from lms.models import Course
from tests.conftest import post


def course_data(app, slug: str):
    """Units and the right answers of a course, read from the database."""
    with app.app_context():
        course = get_session().scalars(select(Course).where(Course.slug == slug)).one()
        units = [u.slug for u in course.published_units()]
        answers = {}
        wrong = {}
        for q in course.quiz.questions:
            if q.type == "short_text":
                answers[f"q-{q.id}"] = [q.choices[0].text]
                wrong[f"q-{q.id}"] = ["something else entirely"]
            else:
                answers[f"q-{q.id}"] = [str(c.id) for c in q.choices if c.correct]
                wrong[f"q-{q.id}"] = [str(next(c.id for c in q.choices if not c.correct))]
        return units, answers, wrong


def attempt_url(client, slug: str) -> str:
    html = client.get(f"/courses/{slug}/quiz").get_data(as_text=True)
    return re.search(r'action="(/courses/[^"]+/quiz/attempts/\d+)"', html).group(1)


def submit_quiz(client, slug: str, answers: dict):
    url = attempt_url(client, slug)
    return post(client, url, answers, token_from=f"/courses/{slug}/quiz"), url


def complete_units(client, slug: str, units: list[str]):
    for unit in units:
        r = post(client, f"/courses/{slug}/units/{unit}/done", token_from=f"/courses/{slug}/units/{unit}")
        assert r.status_code == 302, (unit, r.status_code)
