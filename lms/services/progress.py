"""Where a learner is in a course, and when the course is complete."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from lms.db import find_or_add
from lms.models import Attempt, Course, Enrollment, Unit, UnitProgress, User
from lms.models._types import utcnow


@dataclass
class CourseProgress:
    units_total: int
    done_unit_ids: set[int] = field(default_factory=set)
    has_quiz: bool = False
    quiz_passed: bool = False
    best_score: float | None = None
    attempts_used: int = 0
    #: The unit to open on "Continue": the last one opened, else the first not done.
    resume_unit: Unit | None = None
    enrolled: bool = False

    @property
    def units_done(self) -> int:
        return len(self.done_unit_ids)

    @property
    def percent(self) -> int:
        parts = self.units_total + (1 if self.has_quiz else 0)
        done = self.units_done + (1 if self.quiz_passed else 0)
        return round(100 * done / parts) if parts else 0

    @property
    def complete(self) -> bool:
        return self.units_done >= self.units_total and (self.quiz_passed or not self.has_quiz)


def course_progress(
    session: Session, user: User | None, course: Course, enrollment: Enrollment | None = None
) -> CourseProgress:
    """Progress in one course, in a fixed number of queries whatever the number of units."""
    if user is None or not getattr(user, "is_authenticated", False) or enrollment is None:
        return _blank(course)
    return progress_of_enrollments(session, user, [enrollment])[0]


def _blank(course: Course) -> CourseProgress:
    return CourseProgress(
        units_total=len(course.published_units()), has_quiz=bool(course.quiz and course.quiz.questions)
    )


def progress_of_enrollments(session: Session, user: User, enrollments: list[Enrollment]) -> list[CourseProgress]:
    """Progress in each enrolled course: two queries for all of them, not two per course."""
    results = [_blank(e.course) for e in enrollments]
    unit_ids = [u.id for e in enrollments for u in e.course.published_units()]
    done: set[int] = set()
    if unit_ids:
        done = set(
            session.scalars(
                select(UnitProgress.unit_id).where(
                    UnitProgress.user_id == user.id,
                    UnitProgress.unit_id.in_(unit_ids),
                    UnitProgress.completed_at.is_not(None),
                )
            )
        )
    quiz_ids = [e.course.quiz.id for e in enrollments if e.course.quiz is not None]
    attempts = {}
    if quiz_ids:
        passed = func.max(case((Attempt.passed.is_(True), 1), else_=0))
        attempts = {
            quiz_id: (count, best, bool(ok))
            for quiz_id, count, best, ok in session.execute(
                select(Attempt.quiz_id, func.count(Attempt.id), func.max(Attempt.score), passed)
                .where(Attempt.quiz_id.in_(quiz_ids), Attempt.user_id == user.id, Attempt.submitted_at.is_not(None))
                .group_by(Attempt.quiz_id)
            )
        }
    for enrollment, progress in zip(enrollments, results, strict=False):
        units = enrollment.course.published_units()
        progress.enrolled = True
        progress.done_unit_ids = {u.id for u in units if u.id in done}
        if enrollment.course.quiz is not None:
            progress.attempts_used, progress.best_score, progress.quiz_passed = attempts.get(
                enrollment.course.quiz.id, (0, None, False)
            )
        by_id = {u.id: u for u in units}
        progress.resume_unit = by_id.get(enrollment.last_unit_id or 0) or next(
            (u for u in units if u.id not in progress.done_unit_ids), units[0] if units else None
        )
    return results


def find_unit_progress(session: Session, user: User, unit: Unit) -> UnitProgress | None:
    return session.scalars(
        select(UnitProgress).where(UnitProgress.user_id == user.id, UnitProgress.unit_id == unit.id)
    ).first()


def _unit_progress(session: Session, user: User, unit: Unit) -> UnitProgress:
    """The learner's row for the unit, inserted when missing. Two requests racing to insert it
    (a double-posted "Mark as done", or a position save beside it) do not fail: the first one's
    row is used (lms.db.find_or_add)."""
    return find_or_add(
        session,
        lambda: find_unit_progress(session, user, unit),
        lambda: UnitProgress(user_id=user.id, unit_id=unit.id, video_position=0.0),
    )


def record_visit(session: Session, enrollment: Enrollment, unit: Unit) -> None:
    """Remember the unit, so "Continue" brings the learner back to it."""
    enrollment.last_unit_id = unit.id


def mark_done(session: Session, user: User, unit: Unit) -> bool:
    """Mark a unit done; True if this changed anything (a second post changes nothing)."""
    row = _unit_progress(session, user, unit)
    if row.completed_at is not None:
        return False
    row.completed_at = utcnow()
    session.flush()
    return True


def save_position(session: Session, user: User, unit: Unit, seconds: float) -> None:
    duration = unit.video.duration if unit.video and unit.video.duration else None
    seconds = max(0.0, float(seconds))
    if duration:
        seconds = min(seconds, duration)
    _unit_progress(session, user, unit).video_position = seconds
    session.flush()


def video_position(session: Session, user: User, unit: Unit) -> float:
    return (
        session.scalar(
            select(UnitProgress.video_position).where(UnitProgress.user_id == user.id, UnitProgress.unit_id == unit.id)
        )
        or 0.0
    )


def neighbours(course: Course, unit: Unit) -> tuple[Unit | None, Unit | None]:
    units = course.published_units()
    index = next(i for i, u in enumerate(units) if u.id == unit.id)
    return (units[index - 1] if index > 0 else None, units[index + 1] if index + 1 < len(units) else None)


def complete_if_done(session: Session, user: User, course: Course, enrollment: Enrollment):
    """Mark the course complete and issue the certificate once every part is done."""
    from lms.services import certificates

    progress = course_progress(session, user, course, enrollment)
    if not progress.complete:
        return None
    if enrollment.completed_at is None:
        enrollment.completed_at = utcnow()
    return certificates.issue(session, user, course)
