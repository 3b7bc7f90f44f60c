"""Units of a course written in the browser: add, edit, reorder, delete.

A unit's reading text is kept twice: the Markdown the trainer wrote (`body_md`) and its
sanitized HTML (`body_html`, from lms.content.sanitize.render_markdown), so pages never render
Markdown per request. Problems a trainer can fix are raised as FieldErrors keyed by the unit
form's field names ("title", "slug"). Functions flush; the request commits.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from lms.content.sanitize import render_markdown
from lms.errors import FieldErrors, LmsError, NotFound
from lms.models import Course, Unit
from lms.services.courses import check_slug_format
from lms.services.editing import saving
from lms.text import SLUG_MAX, clean_name, slugify


@dataclass
class UnitFields:
    """What a trainer types on the unit form; `body_md` is Markdown."""

    title: str
    summary: str = ""
    body_md: str = ""
    slug: str = ""
    estimated_minutes: int = 0


def get_unit(session: Session, unit_id: int) -> Unit:
    """The unit, or NotFound."""
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise NotFound()
    return unit


def _unit_slug(course: Course, unit: Unit, slug: str, title: str) -> str:
    taken = {u.slug for u in course.units if u is not unit}
    if slug.strip():
        chosen = slug.strip().lower()
        check_slug_format(chosen)
        if chosen in taken:
            raise FieldErrors({"slug": _("Another unit of this course already uses “%(slug)s”.", slug=chosen)})
        return chosen
    base = slugify(title) or "unit"
    chosen, n = base, 2
    while chosen in taken:
        chosen = f"{base[: SLUG_MAX - 4]}-{n}"
        n += 1
    return chosen


def _fill_unit(course: Course, unit: Unit, data: UnitFields) -> None:
    if not (data.title or "").strip():
        raise FieldErrors({"title": _("Enter a title for the unit.")})
    # NFC, and no control or bidi-override characters: a title is printed on certificates too.
    title, problem = clean_name(data.title)
    if problem:
        raise FieldErrors({"title": problem})
    keep_slug = unit.slug if unit.slug and not data.slug.strip() else None
    unit.slug = keep_slug or _unit_slug(course, unit, data.slug, title)
    unit.title = title
    unit.summary = (data.summary or "").strip()
    unit.body_md = data.body_md or ""
    unit.body_html = render_markdown(unit.body_md)
    unit.estimated_minutes = max(0, int(data.estimated_minutes or 0))


def create_unit(session: Session, course: Course, data: UnitFields) -> Unit:
    """A new draft unit at the end of the course. Raises FieldErrors ("title", "slug")."""
    unit = Unit(status="draft", position=max((u.position for u in course.units), default=0) + 1, slug="")
    _fill_unit(course, unit, data)
    course.units.append(unit)
    session.flush()
    return unit


def update_unit(session: Session, unit: Unit, data: UnitFields, *, version: int | None) -> Unit:
    """Save the unit form onto `unit`; an empty slug keeps the unit's address. `version` is the
    unit's version the form was opened at. Raises EditConflict (someone saved since), FieldErrors."""
    with saving(session, unit, version, "title"):
        _fill_unit(unit.course, unit, data)
    return unit


def _renumber(course: Course) -> None:
    for position, unit in enumerate(sorted(course.units, key=lambda u: u.position), start=1):
        unit.position = position


def delete_unit(session: Session, unit: Unit) -> None:
    """Delete a unit with its video link, captions and learners' progress in it."""
    course = unit.course
    course.units.remove(unit)
    session.flush()
    _renumber(course)
    session.flush()


def move_unit(session: Session, unit: Unit, direction: str) -> bool:
    """Swap the unit with its neighbour ("up" or "down"); False when it is already at that end."""
    if direction not in ("up", "down"):
        raise LmsError(_("Choose to move the unit up or down."))
    ordered = sorted(unit.course.units, key=lambda u: u.position)
    index = ordered.index(unit)
    other = index - 1 if direction == "up" else index + 1
    if other < 0 or other >= len(ordered):
        return False
    ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, u in enumerate(ordered, start=1):
        u.position = position
    session.flush()
    session.expire(unit.course, ["units"])
    return True
