"""Courses a learner can see, and enrolment in them."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from lms.db import find_or_add
from lms.errors import NotEnrolled, NotFound
from lms.models import CaptionTrack, Course, Enrollment, Question, Quiz, Rendition, Unit, User, Video
from lms.services import roles
from lms.services.courses import loaded_course

#: The unit columns a list of units shows (title, summary, time, status, order), without the
#: unit's body: pages that list units never load the reading text of each one.
_UNIT_LISTED = (
    Unit.id,
    Unit.course_id,
    Unit.position,
    Unit.slug,
    Unit.title,
    Unit.summary,
    Unit.estimated_minutes,
    Unit.status,
)


def _listed_units():
    return selectinload(Course.units).load_only(*_UNIT_LISTED)


def visible_courses(session: Session) -> list[tuple[Course, int]]:
    """Published courses by title, each with its number of published units: one query, whatever
    the number of courses (the catalog shows the count, so no unit is loaded)."""
    units = (
        select(Unit.course_id, func.count(Unit.id).label("n"))
        .where(Unit.status == "published")
        .group_by(Unit.course_id)
        .subquery()
    )
    rows = session.execute(
        select(Course, func.coalesce(units.c.n, 0))
        .outerjoin(units, units.c.course_id == Course.id)
        .where(Course.status == "published")
        .order_by(Course.title)
    )
    return [(course, count) for course, count in rows]


def course_outline(session: Session, slug: str, *, user: User | None = None) -> Course:
    """A course as its page shows it, in six queries whatever its size; NotFound as get_course.

    Loaded: the units' listed columns, each unit's video length and caption tracks' kind and
    label, the quiz and the ids of its questions (the page shows how many). Not loaded: unit
    bodies, caption cues, question texts and choices, which the course page never shows.
    """
    units = _listed_units()
    course = session.scalars(
        select(Course)
        .where(Course.slug == slug)
        .options(
            units.selectinload(Unit.video).load_only(Video.id, Video.unit_id, Video.duration),
            units.selectinload(Unit.caption_tracks).load_only(
                CaptionTrack.id, CaptionTrack.unit_id, CaptionTrack.language, CaptionTrack.kind, CaptionTrack.label
            ),
            selectinload(Course.quiz).selectinload(Quiz.questions).load_only(Question.id, Question.quiz_id),
        )
    ).first()
    if course is None or (not course.is_published and not roles.can_edit(user, course)):
        raise NotFound()
    return course


def get_course(session: Session, slug: str, *, user: User | None = None, units: bool = True) -> Course:
    """A published course by slug (drafts only for those who may edit them), loaded with its quiz
    and, with `units`, its units' videos and tracks (lms.services.courses.loaded_course); NotFound
    otherwise."""
    course = loaded_course(session, Course.slug == slug, units=units)
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
    """Enrol once; enrolling again returns the existing enrolment, also when two requests race
    (lms.db.find_or_add), so a double-posted "Enrol" answers as the first did."""
    return find_or_add(
        session, lambda: get_enrollment(session, user, course), lambda: Enrollment(user_id=user.id, course_id=course.id)
    )


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
            .options(
                selectinload(Enrollment.course).selectinload(Course.units).load_only(*_UNIT_LISTED),
                selectinload(Enrollment.course)
                .selectinload(Course.quiz)
                .selectinload(Quiz.questions)
                .load_only(Question.id, Question.quiz_id),
            )
            .order_by(Enrollment.enrolled_at.desc())
        )
    )


def media_type_for(session: Session, user: User, filename: str) -> str:
    """The MIME type of a media file (a unit's video, its described version, one of its
    renditions, or its poster) the user may fetch.

    Files are named by their content, so several units may share one: the user may fetch it if
    they may edit any of those courses, or are enrolled in one where the unit is published.
    NotFound for unknown files and unpublished units; NotEnrolled when enrolling would help."""
    videos = list(
        session.scalars(
            select(Video)
            .where(
                or_(
                    Video.filename == filename,
                    Video.poster_filename == filename,
                    Video.described_filename == filename,
                    Video.renditions.any(Rendition.filename == filename),
                )
            )
            .options(selectinload(Video.unit).selectinload(Unit.course), selectinload(Video.renditions))
        )
    )
    if not videos:
        raise NotFound()
    first = videos[0]
    made = next((r for r in first.renditions if r.filename == filename), None)
    if first.filename == filename:
        mime = first.mime_type
    elif first.described_filename == filename:
        mime = first.described_mime or "application/octet-stream"
    elif made is not None:
        mime = made.mime_type or "application/octet-stream"
    else:
        mime = first.poster_mime or "application/octet-stream"
    if any(roles.can_edit(user, v.unit.course) for v in videos):
        return mime
    if any(
        v.unit.status == "published" and v.unit.course.is_published and get_enrollment(session, user, v.unit.course)
        for v in videos
    ):
        return mime
    require_enrollment(session, user, first.unit.course)
    raise NotFound()  # enrolled, but the unit is a draft
