"""Course results for trainers: who is enrolled, who is stuck, and which quiz questions mislead.

Plain functions over the session, in a fixed number of queries whatever the number of learners,
units, questions or attempts. The dashboard page, its tables and its CSV files all read the same
CourseReport, so they always show the same figures.
"""

from __future__ import annotations

import copy
import threading
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import case, func, literal, null, select
from sqlalchemy.orm import Session, selectinload

from lms.errors import NotFound
from lms.models import Attempt, Course, Enrollment, Question, Quiz, UnitProgress, User
from lms.questions import normalize_text
from lms.services import publication


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
    #: The learners of the page asked for (every learner when no page was asked for), by name.
    learners: list[LearnerRow] = field(default_factory=list)
    items: list[ItemRow] = field(default_factory=list)
    #: Submitted attempts the item analysis is drawn from.
    attempts_counted: int = 0
    #: The page shown (1-based) and how many there are, of `per_page` learners each.
    page: int = 1
    pages: int = 1
    per_page: int = 0

    @property
    def first_shown(self) -> int:
        """The position (1-based) of the page's first learner among all enrolled; 0 when none."""
        return (self.page - 1) * self.per_page + 1 if self.learners else 0


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


class ReportMemo:
    """Results pages kept by one worker: a cachetools LRU map (MIT) of `maxsize` pages behind a
    lock, since gthread workers serve several requests at once. When several requests want a page
    that is not kept, one computes it while the others wait for it (reading 10,000 learners at
    once in every thread would multiply the time and the memory)."""

    def __init__(self, maxsize: int) -> None:
        from cachetools import LRUCache  # on first use: kept out of start-up (pyld's dependency)

        self._kept: LRUCache[Hashable, tuple[Hashable, CourseReport]] = LRUCache(maxsize=maxsize)
        self._lock = threading.Lock()
        self._making: dict = {}

    def _fresh(self, key, stamp):  # noqa: ANN001, ANN202
        with self._lock:
            entry = self._kept.get(key)
        return entry[1] if entry is not None and entry[0] == stamp else None

    def kept(self, key, stamp, make: Callable[[], CourseReport]) -> CourseReport:  # noqa: ANN001
        """The page kept under `key` if it was made at `stamp`, else `make()` (kept at `stamp`)."""
        report = self._fresh(key, stamp)
        if report is not None:
            return report
        with self._lock:
            making = self._making.setdefault(key, threading.Lock())
        with making:
            report = self._fresh(key, stamp)  # made by the request this one waited for
            if report is None:
                report = make()
                with self._lock:
                    self._kept[key] = (stamp, report)
        with self._lock:
            if self._making.get(key) is making:
                del self._making[key]
        return report


def results_fingerprint(session: Session, course_id: int) -> tuple:
    """What a course's results are drawn from, in one aggregate query: its enrolments (how many,
    and the sum and greatest of their ids) and the sum of the enrolled people's page versions
    (lms.services.page_versions), which grows with any change to one of their enrolments, units
    done, attempts, certificates or names, whoever makes it. Equal fingerprints (with an equal
    publication version, for the course itself) mean equal results."""
    return tuple(
        session.execute(
            select(
                func.count(Enrollment.id),
                func.coalesce(func.sum(Enrollment.id), 0),
                func.coalesce(func.max(Enrollment.id), 0),
                func.coalesce(func.sum(User.page_version), 0),
            )
            .join(User, User.id == Enrollment.user_id)
            .where(Enrollment.course_id == course_id)
        ).one()
    )


def course_report(
    session: Session,
    course_id: int,
    *,
    page: int | None = None,
    per_page: int = 50,
    memo: ReportMemo | None = None,
) -> CourseReport:
    """Everything the results page shows, in 7 queries whatever the number of learners.

    :param page: keep only this page (1-based, `per_page` learners each, clamped to the pages
        there are) of the learner rows; None keeps every learner (the CSV file streams them
        instead: :func:`learner_rows`). The summary and the
        item analysis are over every learner either way. Rows and attempts' answers are streamed
        (SQLAlchemy ``yield_per``), so memory stays bounded by the page, not the course.
    :param memo: a worker's :class:`ReportMemo`, where the figures of a page are kept with the
        course's publication version and :func:`results_fingerprint`; a view whose two numbers
        are unchanged reuses them, in 7 queries (the course, the version, the fingerprint)
        instead of reading every learner and attempt.
    """
    course = _load_course(session, course_id)  # 5 queries: course, units, quiz, questions, choices
    if memo is None:
        return _report(session, course, page, per_page)
    stamp = (publication.current(session), results_fingerprint(session, course_id))
    report = copy.copy(memo.kept((course_id, page, per_page), stamp, lambda: _report(session, course, page, per_page)))
    report.course = course  # the kept one may come from another request's session
    return report


def _report(session: Session, course: Course, page: int | None, per_page: int) -> CourseReport:
    items: list[ItemRow] = []
    attempts_counted = 0
    if course.quiz is not None:
        enrolled = select(Enrollment.user_id).where(Enrollment.course_id == course.id)
        answers = session.scalars(
            select(Attempt.answers)
            .where(Attempt.quiz_id == course.quiz.id, Attempt.submitted_at.is_not(None), Attempt.user_id.in_(enrolled))
            .execution_options(yield_per=_STREAM_ROWS)
        )
        items, attempts_counted = item_analysis(course.quiz, (a or {} for a in answers))

    wanted = None if page is None else max(page, 1)
    tally = _Tally()
    learners: list[LearnerRow] = []
    for position, learner in enumerate(_learner_rows(session, course)):
        tally.add(learner)
        if wanted is None:
            learners.append(learner)
        elif position // per_page < wanted:
            # Only the page being read is kept; a page past the last ends on the last one.
            if position % per_page == 0:
                learners = []
            learners.append(learner)
    summary = tally.summary()
    pages = max(1, -(-summary.enrolled // per_page))
    return CourseReport(
        course=course,
        summary=summary,
        learners=learners,
        items=items,
        attempts_counted=attempts_counted,
        page=1 if wanted is None else min(wanted, pages),
        pages=1 if wanted is None else pages,
        per_page=per_page if wanted is not None else max(summary.enrolled, 1),
    )


def learner_rows(session: Session, course_id: int) -> Iterator[LearnerRow]:
    """Every learner enrolled in the course, by name then email, one at a time (the CSV file).

    Streamed from one query (:func:`_learner_rows`), so a course of 10,000 learners costs the
    memory of a few hundred rows, not of all of them.
    :raises NotFound: no such course.
    """
    return _learner_rows(session, _load_course(session, course_id))


def _learner_rows(session: Session, course: Course) -> Iterator[LearnerRow]:
    """The enrolled learners with their units done and quiz results, joined by the database.

    One statement: each enrolment with its user, outer-joined to the count of published units the
    learner completed and to their submitted attempts at the quiz (count, best score, passed),
    both aggregated per learner in subqueries. Rows are fetched ``_STREAM_ROWS`` at a time.
    """
    unit_ids = [u.id for u in course.published_units()]
    columns = [Enrollment.user_id, Enrollment.enrolled_at, Enrollment.completed_at, User.name, User.email]
    query = select(*columns).join(User, User.id == Enrollment.user_id).where(Enrollment.course_id == course.id)
    if unit_ids:
        done = (
            select(UnitProgress.user_id, func.count(UnitProgress.id).label("units_done"))
            .where(UnitProgress.unit_id.in_(unit_ids), UnitProgress.completed_at.is_not(None))
            .group_by(UnitProgress.user_id)
            .subquery()
        )
        query = query.outerjoin(done, done.c.user_id == Enrollment.user_id).add_columns(done.c.units_done)
    else:
        query = query.add_columns(literal(0).label("units_done"))
    if course.quiz is not None:
        tried = (
            select(
                Attempt.user_id,
                func.count(Attempt.id).label("attempts"),
                func.max(Attempt.score).label("best"),
                # max() of a boolean is SQLite-only; PostgreSQL needs the flag as a number.
                func.max(case((Attempt.passed.is_(True), 1), else_=0)).label("passed"),
            )
            .where(Attempt.quiz_id == course.quiz.id, Attempt.submitted_at.is_not(None))
            .group_by(Attempt.user_id)
            .subquery()
        )
        query = query.outerjoin(tried, tried.c.user_id == Enrollment.user_id).add_columns(
            tried.c.attempts, tried.c.best, tried.c.passed
        )
    else:
        query = query.add_columns(literal(0).label("attempts"), null().label("best"), literal(0).label("passed"))
    rows = session.execute(query.order_by(User.name, User.email).execution_options(yield_per=_STREAM_ROWS))
    try:
        yield from (_learner(r, len(unit_ids)) for r in rows)
    finally:
        # A download stopped half-way (the client left) must not leave PostgreSQL's server-side
        # cursor open until the garbage collector finds it.
        rows.close()


def _learner(r, units_total: int) -> LearnerRow:  # noqa: ANN001 - a row of _learner_rows's query
    return LearnerRow(
        user_id=r.user_id,
        name=r.name,
        email=r.email,
        enrolled_at=r.enrolled_at,
        units_done=r.units_done or 0,
        units_total=units_total,
        best_score=r.best,
        attempts=r.attempts or 0,
        passed=bool(r.passed),
        completed_at=r.completed_at,
    )


#: Rows fetched from the database at a time when streaming learners or attempts.
_STREAM_ROWS = 500


class _Tally:
    """A Summary built one learner at a time, so no list of every learner is needed."""

    def __init__(self) -> None:
        self.learners = Summary()
        self.best_total = 0.0

    def add(self, learner: LearnerRow) -> None:
        summary = self.learners
        summary.enrolled += 1
        setattr(summary, learner.status, getattr(summary, learner.status) + 1)
        if learner.best_score is not None:
            summary.scored_learners += 1
            self.best_total += learner.best_score

    def summary(self) -> Summary:
        summary = self.learners
        if summary.enrolled:
            summary.completion_rate = round(100 * summary.completed / summary.enrolled)
        if summary.scored_learners:
            summary.average_best_score = round(self.best_total / summary.scored_learners, 1)
        return summary


def item_analysis(quiz: Quiz, answers: Iterable[dict]) -> tuple[list[ItemRow], int]:
    """Per question: how many answered, how many were right, and the most chosen wrong answer;
    and how many attempts were read. One pass over ``answers``, so they may be streamed.

    ``answers`` are attempts' stored answers ({question id: {"answer", "score", "correct"}}).
    Questions added after an attempt are not in it, and choices since removed are not counted.
    """
    items = [
        ItemRow(number=n, question_id=q.id, type=q.type, title=q.title, prompt=q.prompt)
        for n, q in enumerate(quiz.questions, start=1)
    ]
    keys = [str(q.id) for q in quiz.questions]
    choices = [{c.id: c for c in q.choices} for q in quiz.questions]
    wrong: list[Counter] = [Counter() for _ in items]
    typed: list[dict[str, str]] = [{} for _ in items]  # normalized → first spelling seen, for display
    attempts = 0
    for attempt_answers in answers:
        attempts += 1
        for i, item in enumerate(items):
            saved = attempt_answers.get(keys[i])
            if not isinstance(saved, dict):
                continue
            item.answered += 1
            if saved.get("correct"):
                item.correct += 1
            given = saved.get("answer")
            if isinstance(given, list):
                for choice_id in given:
                    choice = choices[i].get(choice_id)
                    if choice is not None and not choice.correct:
                        wrong[i][choice_id] += 1
            elif isinstance(given, str) and not saved.get("correct"):
                key = normalize_text(given)
                typed[i].setdefault(key, given.strip())
                wrong[i][key] += 1
    for i, (item, question) in enumerate(zip(items, quiz.questions, strict=True)):
        if wrong[i]:
            # Most chosen first; ties go to the earlier choice, or the alphabetically first answer.
            order = {c.id: c.position for c in question.choices}
            key, count = min(wrong[i].items(), key=lambda kv: (-kv[1], order.get(kv[0], 0), str(kv[0])))
            item.top_wrong = choices[i][key].text if key in choices[i] else typed[i][key]
            item.top_wrong_count = count
    return items, attempts
