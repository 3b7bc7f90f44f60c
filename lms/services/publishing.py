"""The accessibility gate: what stops a unit from being published, and publishing it anyway.

A unit may go live when its video has captions in the course language and every image in its
reading text has alt text (WCAG 2.2 SC 1.2.2 Captions and 1.1.1 Non-text Content). A trainer
may publish with gaps only by writing why; the reason is kept and shown on the Teach pages.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.orm import Session

from lms.content.sanitize import images_without_alt
from lms.errors import LmsError
from lms.models import Course, Unit
from lms.text import language_name, same_language


class PublishBlocked(LmsError):
    """The unit has accessibility gaps and no reason was given for publishing anyway."""

    status = 422

    def __init__(self, gaps: list[str]):
        super().__init__(_("This unit cannot be published yet: %(gaps)s", gaps=" ".join(gaps)))
        self.gaps = gaps


def has_captions(unit: Unit, language: str | None = None) -> bool:
    """True when the unit has a captions or subtitles track with cues in `language` (by default
    the course's), matched by primary language subtag (lms.text.same_language)."""
    language = language or unit.course.language
    return any(
        t.kind in ("captions", "subtitles") and t.cue_count and same_language(t.language, language)
        for t in unit.caption_tracks
    )


def publish_gaps(unit: Unit) -> list[str]:
    """What stops the unit from being published, one sentence each: captions for its video, alt
    text for its images. Empty when it may be published."""
    gaps = []
    if unit.video is not None and not has_captions(unit):
        gaps.append(
            _(
                "The video has no captions in the course language (%(language)s).",
                language=language_name(unit.course.language),
            )
        )
    missing = images_without_alt(unit.body_html or "")
    if missing:
        gaps.append(
            ngettext(
                "%(num)d image in the text has no alt text. Write what it shows, like ![A trainer at a flip chart](picture.png).",
                "%(num)d images in the text have no alt text. Write what each shows, like ![A trainer at a flip chart](picture.png).",
                missing,
            )
        )
    return gaps


def set_unit_status(session: Session, unit: Unit, status: str, reason: str = "") -> None:
    """Publish or withdraw a unit ("published" or "draft"). Publishing with gaps needs a reason,
    which is kept and shown; without one, raises PublishBlocked."""
    if status not in ("draft", "published"):
        raise LmsError(_("Choose draft or published."))
    if status == "published":
        gaps = publish_gaps(unit)
        reason = (reason or "").strip()
        if gaps and not reason:
            raise PublishBlocked(gaps)
        unit.publish_override_reason = reason if gaps else ""
    else:
        unit.publish_override_reason = ""
    unit.status = status
    session.flush()


@dataclass
class UnitState:
    """One row of the Teach dashboard and course page: the unit, whether it has captions in the
    course language, and its publishing gaps."""

    unit: Unit
    captions: bool
    gaps: list[str]


def unit_states(course: Course) -> list[UnitState]:
    """The gate's view of every unit of the course, in course order."""
    return [
        UnitState(u, has_captions(u, course.language), publish_gaps(u))
        for u in sorted(course.units, key=lambda u: u.position)
    ]
