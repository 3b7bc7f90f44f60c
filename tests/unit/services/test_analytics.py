"""Course results are computed in a fixed number of queries and agree between table and CSV."""

from __future__ import annotations

import csv
import io

from lms.db import get_session
from lms.models import Attempt, Choice, Course, Enrollment, Question, Quiz, Unit, UnitProgress, User
from lms.models._types import utcnow
from lms.services import analytics, results_csv


def _course(session) -> Course:
    course = Course(slug="stats", title="Stats", status="published")
    course.units = [Unit(position=i, slug=f"u{i}", title=f"U{i}", status="published") for i in (1, 2)]
    course.quiz = Quiz(title="Q", pass_mark=50, max_attempts=0)
    single = Question(
        position=1,
        type="single",
        prompt="Pick",
        choices=[
            Choice(position=1, text="right", correct=True),
            Choice(position=2, text="wrong A"),
            Choice(position=3, text="wrong B"),
        ],
    )
    short = Question(
        position=2, type="short_text", prompt="Type", choices=[Choice(position=1, text="yes", correct=True)]
    )
    course.quiz.questions = [single, short]
    session.add(course)
    session.flush()
    return course


def _learner(session, course, n, *, units=0, answers=None, score=None, completed=False):
    user = User(email=f"l{n}@example.org", name=f"Learner {n:02d}", password_hash="x")
    session.add(user)
    session.flush()
    session.add(Enrollment(user_id=user.id, course_id=course.id, completed_at=utcnow() if completed else None))
    for unit in course.units[:units]:
        session.add(UnitProgress(user_id=user.id, unit_id=unit.id, completed_at=utcnow()))
    if answers is not None:
        session.add(
            Attempt(
                quiz_id=course.quiz.id,
                user_id=user.id,
                submitted_at=utcnow(),
                score=score,
                passed=score >= 50,
                answers=answers,
            )
        )
    session.flush()
    return user


def _answers(course, single_choice_text, typed):
    single, short = course.quiz.questions
    chosen = next(c.id for c in single.choices if c.text == single_choice_text)
    return {
        str(single.id): {
            "answer": [chosen],
            "score": 1.0 if single_choice_text == "right" else 0.0,
            "correct": single_choice_text == "right",
        },
        str(short.id): {
            "answer": typed,
            "score": 1.0 if typed.lower() == "yes" else 0.0,
            "correct": typed.lower() == "yes",
        },
    }


def test_course_report_figures(app):
    """Summary, learner rows and item analysis count what learners did; the top wrong answer wins by count."""
    with app.app_context():
        session = get_session()
        course = _course(session)
        _learner(session, course, 1, units=2, answers=_answers(course, "right", "Yes"), score=100, completed=True)
        _learner(session, course, 2, units=1, answers=_answers(course, "wrong B", "No "), score=0)
        _learner(session, course, 3, answers=_answers(course, "wrong B", "no"), score=0)
        _learner(session, course, 4)
        report = analytics.course_report(session, course.id)
    s = report.summary
    assert (s.enrolled, s.completed, s.in_progress, s.not_started) == (4, 1, 2, 1)
    assert s.completion_rate == 25 and s.average_best_score == 33.3 and s.scored_learners == 3
    first = report.learners[0]
    assert (first.name, first.units_done, first.units_total, first.best_score, first.attempts) == (
        "Learner 01",
        2,
        2,
        100,
        1,
    )
    pick, typed = report.items
    assert (pick.answered, pick.correct, pick.percent_correct, pick.top_wrong, pick.top_wrong_count) == (
        3,
        1,
        33,
        "wrong B",
        2,
    )
    assert (typed.top_wrong, typed.top_wrong_count) == ("No", 2)  # "No " and "no" are the same answer


def test_course_report_runs_a_fixed_number_of_queries(app, count_queries):
    """The report costs the same number of queries for 1 learner as for 12."""
    with app.app_context():
        session = get_session()
        course = _course(session)
        _learner(session, course, 1, units=1, answers=_answers(course, "right", "yes"), score=100)
        session.commit()
        session.expunge_all()
        with count_queries() as one:
            analytics.course_report(session, course.id)
        for n in range(2, 13):
            _learner(session, course, n, units=n % 3, answers=_answers(course, "wrong A", "x"), score=0)
        session.commit()
        session.expunge_all()
        with count_queries() as many:
            report = analytics.course_report(session, course.id)
        with count_queries() as streamed:
            rows = list(analytics.learner_rows(session, course.id))
    assert len(report.learners) == 12
    assert one.count == many.count == 7
    # The CSV's stream is the report's rows, in one query after the course's five.
    assert rows == report.learners and streamed.count == 6


def test_item_analysis_skips_removed_questions_and_choices(app):
    """Attempts for deleted questions or choices are not counted as anything."""
    with app.app_context():
        session = get_session()
        course = _course(session)
        single = course.quiz.questions[0]
        rows, attempts = analytics.item_analysis(
            course.quiz,
            [{str(single.id): {"answer": [999999], "correct": False}}, {"12345": {"answer": ["x"], "correct": False}}],
        )
    assert attempts == 2
    assert rows[0].answered == 1 and rows[0].top_wrong is None and rows[1].answered == 0
    assert rows[1].percent_correct is None


def test_csv_cell_neutralises_formulas():
    """Cells starting with = + - @ (or tab/CR) get a leading quote; other values are unchanged."""
    assert results_csv.csv_cell("=1+2") == "'=1+2"
    for text in ("+1", "-1", "@SUM(A1)", "\tx"):
        assert results_csv.csv_cell(text) == "'" + text
    assert results_csv.csv_cell("Sok Dara") == "Sok Dara"
    assert (
        results_csv.csv_cell(66.7) == "66.7"
        and results_csv.csv_cell(None) == ""
        and results_csv.csv_cell(True) == "yes"
    )


def test_items_csv_has_the_report_figures(app):
    """The item CSV rows are the report's figures, one per question."""
    with app.app_context():
        session = get_session()
        course = _course(session)
        _learner(session, course, 1, answers=_answers(course, "wrong A", "=cmd"), score=0)
        report = analytics.course_report(session, course.id)
    rows = list(
        csv.reader(
            io.StringIO("".join(results_csv.items_csv(report, ["n", "q", "a", "c", "p", "w", "k"])).lstrip("\ufeff"))
        )
    )
    assert rows[1] == ["1", "Pick", "1", "0", "0", "wrong A", "1"]
    assert rows[2] == ["2", "Type", "1", "0", "0", "'=cmd", "1"]
