"""Courses a learner can see, and enrolment in them."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from lms.errors import NotEnrolled, NotFound
from lms.models import Course, Enrollment, Question, Quiz, Unit, User
from lms.services import roles


def visible_courses(session: Session) -> list[Course]:
    return list(
        session.scalars(
            select(Course)
            .where(Course.status == "published")
            .options(selectinload(Course.units))
            .order_by(Course.title)
        )
    )


def get_course(session: Session, slug: str, *, user: User | None = None) -> Course:
    """A published course by slug (drafts only for those who may edit them); NotFound otherwise."""
    course = session.scalars(
        select(Course)
        .where(Course.slug == slug)
        .options(
            selectinload(Course.units).selectinload(Unit.video),
            selectinload(Course.units).selectinload(Unit.caption_tracks),
            selectinload(Course.quiz).selectinload(Quiz.questions).selectinload(Question.choices),
        )
    ).first()
    if course is None or (not course.is_published and not roles.can_edit(user, course)):
        raise NotFound()
    return course


def get_enrollment(session: Session, user: User | None, course: Course) -> Enrollment | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return session.scalars(
        select(Enrollment).where(Enrollment.user_id == user.id, Enrollment.course_id == course.id)
    ).first()


def enroll(session: Session, user: User, course: Course) -> Enrollment:
    """Enrol once; enrolling again returns the existing enrolment."""
    existing = get_enrollment(session, user, course)
    if existing is not None:
        return existing
    enrollment = Enrollment(user_id=user.id, course_id=course.id)
    session.add(enrollment)
    session.flush()
    return enrollment


def require_enrollment(session: Session, user: User, course: Course) -> Enrollment:
    enrollment = get_enrollment(session, user, course)
    if enrollment is None:
        raise NotEnrolled(course)
    return enrollment


def enrollments_of(session: Session, user: User) -> list[Enrollment]:
    return list(
        session.scalars(
            select(Enrollment)
            .where(Enrollment.user_id == user.id)
            .options(selectinload(Enrollment.course).selectinload(Course.units),
                     selectinload(Enrollment.course).selectinload(Course.quiz).selectinload(Quiz.questions))
            .order_by(Enrollment.enrolled_at.desc())
        )
    )
