"""Courses written in the browser: create, edit, find, publish.

Plain functions on plain values: no request, no form. Problems a trainer can fix are raised as
`lms.errors.FieldErrors` keyed by the Teach course form's field names ("title", "slug",
"language", "status"). Functions flush; the request (lms.db) commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session, joinedload, selectinload

from lms.errors import FieldErrors, LmsError, NotFound
from lms.models import Course, Question, Quiz, Unit, User
from lms.services.editing import saving
from lms.text import SLUG_MAX, SLUG_RE, clean_name, normalize_language, slugify


@dataclass
class CourseFields:
    """What a trainer types on the course form; `outcomes` is one outcome per list item."""

    title: str
    summary: str = ""
    language: str = "en"
    slug: str = ""
    outcomes: list[str] = field(default_factory=list)
    estimated_minutes: int = 0


def check_slug_format(slug: str) -> None:
    """Raise FieldErrors({"slug": …}) unless `slug` is a web address name (lms.text.SLUG_RE, at
    most SLUG_MAX characters). Courses and units share the rule."""
    if len(slug) > SLUG_MAX or not SLUG_RE.match(slug):
        raise FieldErrors(
            {
                "slug": _(
                    "Use only lower-case letters a–z, digits and single hyphens, at most %(n)d characters, e.g. first-aid.",
                    n=SLUG_MAX,
                )
            }
        )


def _check_slug(session: Session, slug: str, title: str, exclude_id: int | None) -> str:
    chosen = (slug or "").strip().lower() or slugify(title)
    if not chosen:
        raise FieldErrors({"slug": _("Enter a web address name using a–z, 0–9 and hyphens, e.g. first-aid.")})
    check_slug_format(chosen)
    clash = session.scalars(select(Course.id).where(Course.slug == chosen)).first()
    if clash is not None and clash != exclude_id:
        raise FieldErrors(
            {"slug": _("Another course already uses “%(slug)s”. Choose another web address name.", slug=chosen)}
        )
    return chosen


def _fill_course(session: Session, course: Course, data: CourseFields) -> None:
    if not (data.title or "").strip():
        raise FieldErrors({"title": _("Enter a title for the course.")})
    # NFC, and no control or bidi-override characters: a title is printed on certificates too.
    title, problem = clean_name(data.title)
    if problem:
        raise FieldErrors({"title": problem})
    try:
        language = normalize_language(data.language)
    except ValueError as err:
        raise FieldErrors({"language": str(err)}) from None
    course.slug = _check_slug(session, data.slug, title, course.id)
    course.title = title
    course.summary = (data.summary or "").strip()
    course.language = language
    course.outcomes = [o for o in data.outcomes if o]
    course.estimated_minutes = max(0, int(data.estimated_minutes or 0))


def create_course(session: Session, owner: User, data: CourseFields) -> Course:
    """A new draft course owned by its creator. Raises FieldErrors ("title", "slug", "language")."""
    course = Course(status="draft", owner_id=owner.id, trainer_name=owner.name, credits="")
    _fill_course(session, course, data)
    session.add(course)
    session.flush()
    return course


def update_course(session: Session, course: Course, data: CourseFields, *, version: int | None) -> Course:
    """Save the course form onto `course`; `version` is the course's version the form was opened
    at. Raises EditConflict (someone saved since), FieldErrors ("title", "slug", "language")."""
    with saving(session, course, version, "title"):
        _fill_course(session, course, data)
    return course


def loaded_course(
    session: Session, *where: ColumnElement[bool], quiz: bool = True, units: bool = True
) -> Course | None:
    """The first course matching `where`, or None, with (`units`) its units and each unit's video
    and caption tracks loaded, and with `quiz` its quiz's questions and their choices: a fixed
    number of queries whatever the course's size. Without `units` they load when first used."""
    options = []
    if units:
        with_units = selectinload(Course.units)
        options += [with_units.selectinload(Unit.video), with_units.selectinload(Unit.caption_tracks)]
    if quiz:
        # The quiz joins the course's row (one each) and the choices their question's: two queries
        # fewer than loading each level on its own, which a quiz submission felt (bench/RESULTS.md).
        options.append(joinedload(Course.quiz).selectinload(Quiz.questions).joinedload(Question.choices))
    return session.scalars(select(Course).where(*where).options(*options)).first()


def get_course(session: Session, course_id: int, *, with_units: bool = False) -> Course:
    """The course, or NotFound, with its trainers (in the same query: every caller asks
    roles.require_edit next); with_units also loads each unit's video and caption tracks, in a
    fixed number of queries, for pages that list the units."""
    if with_units:
        course = loaded_course(session, Course.id == course_id, quiz=False)
    else:
        course = session.get(Course, course_id, options=[joinedload(Course.trainers)])
    if course is None:
        raise NotFound()
    return course


def set_course_status(session: Session, course: Course, status: str) -> None:
    """Publish or withdraw a course ("draft" or "published"). Learners only see a course with at
    least one published unit, so publishing an empty one raises FieldErrors({"status": …})."""
    if status not in ("draft", "published"):
        raise LmsError(_("Choose draft or published."))
    if status == "published" and not course.published_units():
        raise FieldErrors({"status": _("Publish at least one unit first: learners would find an empty course.")})
    course.status = status
    session.flush()
