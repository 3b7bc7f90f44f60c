"""Course zips in and out: who may import, into the database and the media folder, all or nothing.

The zip format itself (checks against traversal, links, bombs; the course folder layout) is
lms.content.archive; writing a course as a zip is lms.content.exporter. Functions flush; the
caller commits (the request, or the `lms import-course` command) and rolls back on any error.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, BinaryIO

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.content.archive import Limits, read_course_archive
from lms.content.exporter import export_course_zip
from lms.content.loader import CourseData
from lms.errors import NotAllowed, NotFound
from lms.models import Course, Unit, User
from lms.services.course_import import upsert_course
from lms.services.courses import loaded_course
from lms.services.publishing import publish_gaps
from lms.services.roles import can_edit, require_trainer


@dataclass
class ImportResult:
    """The imported course, and whether the import created it (False: an update)."""

    course: Course
    created: bool
    #: Units the zip marked as published that stay drafts: they fail the accessibility gate.
    held_back: list[Unit] = field(default_factory=list)


def _statuses(data: CourseData, course: Course, created: bool) -> list[Unit]:
    """Apply ``status: draft`` from course.yaml and unit front matter (see lms.content.exporter).

    A unit the zip marks as published goes live only if it passes the accessibility gate that
    manual publishing enforces (lms.services.publishing); otherwise it stays a draft, and is
    returned so the trainer can be told which units need captions or alt text first."""
    if created:
        course.status = "draft" if data.draft else "published"
    by_slug = {u.slug: u for u in course.units}
    held: list[Unit] = []
    for unit_data in data.units:
        unit = by_slug.get(unit_data.slug)
        if unit is None:
            continue
        if unit_data.draft:
            unit.status = "draft"
        elif publish_gaps(unit):
            unit.status = "draft"
            held.append(unit)
        else:
            unit.status = "published"
    return held


def import_course_archive(
    session: Session, source: BinaryIO, media_dir: Path, *, user: User | None = None, limits: Limits | None = None
) -> ImportResult:
    """Check, extract and load a course zip, then upsert it (flushed, not committed).

    ``user`` is the trainer or admin importing in the browser (None from the command line): a
    course that already exists is only updated if they may edit it (else NotAllowed), and a new
    one is theirs. Raises ArchiveError / ArchiveTooLarge (lms.content.archive) for a zip that
    cannot be imported. On any error nothing is kept: the caller rolls back, and the temporary
    folder and any media files this import added are removed.
    """
    if user is not None:
        require_trainer(user)
    media_dir = Path(media_dir)
    media_dir.mkdir(parents=True, exist_ok=True)
    with read_course_archive(source, limits or Limits()) as data:
        course = session.scalars(select(Course).where(Course.slug == data.slug)).first()
        if course is not None and user is not None and not can_edit(user, course):
            raise NotAllowed(
                _(
                    "A course with the address “%(slug)s” already exists and you cannot edit it, so "
                    "nothing was imported. Ask its owner or an admin to add you as a trainer.",
                    slug=data.slug,
                )
            )
        created = course is None
        before = set(os.listdir(media_dir))
        try:
            course = upsert_course(session, data, media_dir)
            session.flush()
            held = _statuses(data, course, created)
            if created and user is not None:
                course.owner_id = user.id
            session.flush()
        except BaseException:
            for name in set(os.listdir(media_dir)) - before:
                if not name.startswith("."):
                    (media_dir / name).unlink(missing_ok=True)
            raise
    return ImportResult(course, created, held)


def course_for_export(session: Session, course_id: int) -> Course:
    """The course with everything an export writes (units, their video and tracks, the quiz with
    its questions and choices) loaded in a fixed number of queries; NotFound if there is none."""
    course = loaded_course(session, Course.id == course_id)
    if course is None:
        raise NotFound()
    return course


def export_course(session: Session, course_id: int, media_dir: Path, out: BinaryIO | IO[bytes]) -> Course:
    """Write the course as a zip in the content/courses format to `out` (lms.content.exporter,
    which raises ExportError when the result would not import again); returns the course."""
    course = course_for_export(session, course_id)
    export_course_zip(course, Path(media_dir), out)
    return course
