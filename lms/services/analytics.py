"""Course results for trainers: who is enrolled, who is stuck, and which quiz questions mislead.

Plain functions over the session, in a fixed number of queries whatever the number of learners,
units, questions or attempts. The dashboard page, its tables and its CSV files all read the same
CourseReport, so they always show the same figures.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, selectinload

from lms.errors import NotFound
from lms.models import Attempt, Course, Enrollment, Question, Quiz, UnitProgress, User
from lms.questions import normalize_text


@dataclass
class Summary:
    enrolled: int = 0
    #: Enrolled, not complete, and started: a unit done or a quiz attempt submitted.
    in_progress: int = 0
    not_started: int = 0
    completed: int = 0
    #: Percent of enrolled learners who completed, rounded; None with nobody enrolled.
    completion_rate: int | None = None
    #: Mean of each learner's best quiz score (learners with a submitted attempt); None if none.
    average_best_score: float | None = None
    #: How many learners the average is over.
    scored_learners: int = 0


@dataclass
class LearnerRow:
    user_id: int
    name: str
    email: str
    enrolled_at: datetime
    units_done: int
    units_total: int
    best_score: float | None
    attempts: int
    passed: bool
    completed_at: datetime | None

    @property
    def status(self) -> str:
        if self.completed_at is not None:
            return "completed"
        return "in_progress" if self.units_done or self.attempts else "not_started"


@dataclass
class ItemRow:
    """One quiz question across every submitted attempt that answered it."""

    number: int
    question_id: int
    type: str
    title: str
    prompt: str
    answered: int = 0
    correct: int = 0
    #: The wrong answer chosen most often (choice text, or a typed answer), and how often.
    top_wrong: str | None = None
    top_wrong_count: int = 0

    @property
    def percent_correct(self) -> int | None:
        return round(100 * self.correct / self.answered) if self.answered else None


@dataclass
class CourseReport:
    course: Course
    summary: Summary
    learners: list[LearnerRow] = field(default_factory=list)
    items: list[ItemRow] = field(default_factory=list)
    #: Submitted attempts the item analysis is drawn from.
    attempts_counted: int = 0


def _load_course(session: Session, course_id: int) -> Course:
    course = session.scalars(
        select(Course)
        .where(Course.id == course_id)
        .options(
            selectinload(Course.units),
            selectinload(Course.quiz).selectinload(Quiz.questions).selectinload(Question.choices),
        )
    ).first()
    if course is None:
        raise NotFound()
    return course


def course_report(session: Session, course_id: int) -> CourseReport:
    """Everything the results page shows, in 9 queries at most."""
    course = _load_course(session, course_id)  # 5 queries: course, units, quiz, questions, choices
    unit_ids = [u.id for u in course.published_units()]
    quiz = course.quiz

    rows = session.execute(
        select(Enrollment.user_id, Enrollment.enrolled_at, Enrollment.completed_at, User.name, User.email)
        .join(User, User.id == Enrollment.user_id)
        .where(Enrollment.course_id == course.id)
        .order_by(User.name, User.email)
    ).all()
    user_ids = [r.user_id for r in rows]

    units_done: dict[int, int] = {}
    if unit_ids and user_ids:
        units_done = dict(
            session.execute(
                select(UnitProgress.user_id, func.count(UnitProgress.id))
                .where(
                    UnitProgress.unit_id.in_(unit_ids),
                    UnitProgress.completed_at.is_not(None),
                    UnitProgress.user_id.in_(select(Enrollment.user_id).where(Enrollment.course_id == course.id)),
                )
                .group_by(UnitProgress.user_id)
            ).all()
        )

    scores: dict[int, tuple[int, float | None, bool]] = {}
    answers: list[dict] = []
    if quiz is not None and user_ids:
        for user_id, count, best, passed in session.execute(
            # max() of a boolean is SQLite-only; PostgreSQL needs the flag as a number.
            select(
                Attempt.user_id,
                func.count(Attempt.id),
                func.max(Attempt.score),
                func.max(case((Attempt.passed.is_(True), 1), else_=0)),
            )
            .where(Attempt.quiz_id == quiz.id, Attempt.submitted_at.is_not(None))
            .group_by(Attempt.user_id)
        ):
            scores[user_id] = (count, best, bool(passed))
        answers = [
            a or {}
            for a in session.scalars(
                select(Attempt.answers).where(
                    Attempt.quiz_id == quiz.id,
                    Attempt.submitted_at.is_not(None),
                    Attempt.user_id.in_(select(Enrollment.user_id).where(Enrollment.course_id == course.id)),
                )
            )
        ]

    learners = []
    for r in rows:
        count, best, passed = scores.get(r.user_id, (0, None, False))
        learners.append(
            LearnerRow(
                user_id=r.user_id,
                name=r.name,
                email=r.email,
                enrolled_at=r.enrolled_at,
                units_done=units_done.get(r.user_id, 0),
                units_total=len(unit_ids),
                best_score=best,
                attempts=count,
                passed=passed,
                completed_at=r.completed_at,
            )
        )
    report = CourseReport(
        course=course,
        summary=summarise(learners),
        learners=learners,
        items=item_analysis(quiz, answers) if quiz is not None else [],
        attempts_counted=len(answers),
    )
    return report


def summarise(learners: list[LearnerRow]) -> Summary:
    summary = Summary(enrolled=len(learners))
    for learner in learners:
        setattr(summary, learner.status, getattr(summary, learner.status) + 1)
    if learners:
        summary.completion_rate = round(100 * summary.completed / len(learners))
    best = [learner.best_score for learner in learners if learner.best_score is not None]
    summary.scored_learners = len(best)
    if best:
        summary.average_best_score = round(sum(best) / len(best), 1)
    return summary


def item_analysis(quiz: Quiz, answers: list[dict]) -> list[ItemRow]:
    """Per question: how many answered, how many were right, and the most chosen wrong answer.

    ``answers`` are attempts' stored answers ({question id: {"answer", "score", "correct"}}).
    Questions added after an attempt are not in it, and choices since removed are not counted.
    """
    items = []
    for number, question in enumerate(quiz.questions, start=1):
        item = ItemRow(
            number=number, question_id=question.id, type=question.type, title=question.title, prompt=question.prompt
        )
        choices = {c.id: c for c in question.choices}
        wrong: Counter = Counter()
        typed: dict[str, str] = {}  # normalized → first spelling seen, for display
        for attempt_answers in answers:
            saved = attempt_answers.get(str(question.id))
            if not isinstance(saved, dict):
                continue
            item.answered += 1
            if saved.get("correct"):
                item.correct += 1
            given = saved.get("answer")
            if isinstance(given, list):
                for choice_id in given:
                    choice = choices.get(choice_id)
                    if choice is not None and not choice.correct:
                        wrong[choice_id] += 1
            elif isinstance(given, str) and not saved.get("correct"):
                key = normalize_text(given)
                typed.setdefault(key, given.strip())
                wrong[key] += 1
        if wrong:
            # Most chosen first; ties go to the earlier choice, or the alphabetically first answer.
            order = {c.id: c.position for c in question.choices}
            key, count = min(wrong.items(), key=lambda kv: (-kv[1], order.get(kv[0], 0), str(kv[0])))
            item.top_wrong = choices[key].text if key in choices else typed[key]
            item.top_wrong_count = count
        items.append(item)
    return items


# --- CSV -----------------------------------------------------------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value) -> str:
    """A cell that a spreadsheet will not run as a formula (OWASP: prefix a quote)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv(header: list[str], rows: list[list]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([csv_cell(h) for h in header])
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    # A byte order mark, so spreadsheet programs read Khmer and other non-Latin names as UTF-8.
    return "\ufeff" + out.getvalue()


def learners_csv(report: CourseReport, header: list[str]) -> str:
    """Name, email, units done, units total, best score, attempts, passed, completed on (ISO date)."""
    rows = [
        [
            r.name,
            r.email,
            r.units_done,
            r.units_total,
            r.best_score,
            r.attempts,
            r.passed,
            r.completed_at.date().isoformat() if r.completed_at else None,
        ]
        for r in report.learners
    ]
    return _csv(header, rows)


def items_csv(report: CourseReport, header: list[str]) -> str:
    """Number, question, answered, correct, percent correct, most chosen wrong answer, its count."""
    rows = [
        [i.number, i.title or i.prompt, i.answered, i.correct, i.percent_correct, i.top_wrong, i.top_wrong_count]
        for i in report.items
    ]
    return _csv(header, rows)
