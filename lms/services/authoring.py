"""Writing courses in the browser: courses, units, publishing, video, and caption tracks.

Plain functions on plain values: no request, no form. Problems a trainer can fix are raised as
FieldErrors (a message per form field), so views can show them next to the fields.
"""
from __future__ import annotations

import logging
import re
import secrets
import unicodedata
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO

from babel import Locale, UnknownLocaleError
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from lms.captions import (
    CaptionReport, Cue, Problem, detect_speech, media_duration, quality_check, read_captions, to_srt, to_vtt,
)
from lms.captions.quality import MAX_CHARS_PER_LINE, MAX_CPS, MAX_LINES, MAX_SECONDS, MIN_SECONDS, visible_lines
from lms.captions.timecode import format_vtt
from lms.text import SLUG_MAX, SLUG_RE, language_name, normalize_language, same_language, slugify, split_lines
from lms.content.sanitize import images_without_alt, render_markdown
from lms.errors import FieldErrors, LmsError, NotFound
from lms.models import CaptionTrack, Course, PendingCaption, Unit, User, Video
from lms.models._types import utcnow
from lms.models.media import CAPTION_KINDS
from lms.services.media import Stored, store_image, store_stream

log = logging.getLogger(__name__)

#: Problems the quality report lists; the validation list leaves these out, so none shows twice.
QUALITY_CODES = frozenset({
    "too-many-lines", "line-too-long", "too-short", "reading-rate", "too-long", "speech-coverage",
    "uncaptioned-speech",
})
#: Caption uploads not confirmed within this time are cleaned away.
PENDING_LIFETIME = timedelta(days=2)
#: Tags a WebVTT cue may carry; anything else a trainer types is shown as text, never as markup.
_VTT_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)?")
_VTT_TAGS = frozenset({"b", "i", "u", "c", "v", "lang", "ruby", "rt"})
_CLOCK = re.compile(r"^(\d{1,3}):(\d{2}):(\d{2})[.,](\d{3})$")


class PublishBlocked(LmsError):
    """The unit has accessibility gaps and no reason was given for publishing anyway."""

    status = 422

    def __init__(self, gaps: list[str]):
        super().__init__(_("This unit cannot be published yet: %(gaps)s", gaps=" ".join(gaps)))
        self.gaps = gaps


def parse_clock(text: str) -> float | None:
    """"00:01:05.250" → 65.25; None for anything else (negative, 00:61:00.000, missing parts)."""
    match = _CLOCK.match((text or "").strip())
    if not match:
        return None
    h, m, s, ms = (int(g) for g in match.groups())
    if m > 59 or s > 59:
        return None
    return h * 3600 + m * 60 + s + ms / 1000


def safe_cue_text(text: str) -> str:
    """A trainer's cue text as a WebVTT payload: cue tags (b, i, u, v, lang…) kept, any other
    "<" written as a character reference, so "<script>" shows as text in every player."""
    text = "\n".join(line.strip() for line in (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    text = re.sub(r"\n{2,}", "\n", text).strip()
    text = re.sub(r"&(?!#\d+;|#x[0-9a-fA-F]+;|[A-Za-z]+;)", "&amp;", text)

    def keep_or_escape(match: re.Match[str]) -> str:
        name = (match.group(2) or "").lower()
        return match.group(0) if name in _VTT_TAGS else "&lt;" + match.group(0)[1:]

    return _VTT_TAG.sub(keep_or_escape, text)


# --- Courses -------------------------------------------------------------------------------------

@dataclass
class CourseFields:
    title: str
    summary: str = ""
    language: str = "en"
    slug: str = ""
    outcomes: list[str] = field(default_factory=list)
    estimated_minutes: int = 0


def _check_slug_format(slug: str) -> None:
    if len(slug) > SLUG_MAX or not SLUG_RE.match(slug):
        raise FieldErrors({"slug": _("Use only lower-case letters a–z, digits and single hyphens, at most %(n)d characters, e.g. first-aid.", n=SLUG_MAX)})


def _check_slug(session: Session, slug: str, title: str, exclude_id: int | None) -> str:
    chosen = (slug or "").strip().lower() or slugify(title)
    if not chosen:
        raise FieldErrors({"slug": _("Enter a web address name using a–z, 0–9 and hyphens, e.g. first-aid.")})
    _check_slug_format(chosen)
    clash = session.scalars(select(Course.id).where(Course.slug == chosen)).first()
    if clash is not None and clash != exclude_id:
        raise FieldErrors({"slug": _("Another course already uses “%(slug)s”. Choose another web address name.", slug=chosen)})
    return chosen


def _fill_course(session: Session, course: Course, data: CourseFields) -> None:
    title = (data.title or "").strip()
    if not title:
        raise FieldErrors({"title": _("Enter a title for the course.")})
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
    """A new draft course owned by its creator."""
    course = Course(status="draft", owner_id=owner.id, trainer_name=owner.name, credits="")
    _fill_course(session, course, data)
    session.add(course)
    session.flush()
    return course


def update_course(session: Session, course: Course, data: CourseFields) -> Course:
    _fill_course(session, course, data)
    session.flush()
    return course


def get_course(session: Session, course_id: int, *, with_units: bool = False) -> Course:
    """The course; with_units also loads each unit's video and caption tracks, in a fixed number of
    queries, for pages that list the units."""
    if with_units:
        course = session.scalars(select(Course).where(Course.id == course_id).options(
            selectinload(Course.units).selectinload(Unit.video),
            selectinload(Course.units).selectinload(Unit.caption_tracks),
        )).first()
    else:
        course = session.get(Course, course_id)
    if course is None:
        raise NotFound()
    return course


def set_course_status(session: Session, course: Course, status: str) -> None:
    """Publish or withdraw a course. Learners only see a course with at least one published unit."""
    if status not in ("draft", "published"):
        raise LmsError(_("Choose draft or published."))
    if status == "published" and not course.published_units():
        raise FieldErrors({"status": _("Publish at least one unit first: learners would find an empty course.")})
    course.status = status
    session.flush()


# --- Units ---------------------------------------------------------------------------------------

@dataclass
class UnitFields:
    title: str
    summary: str = ""
    body_md: str = ""
    slug: str = ""
    estimated_minutes: int = 0


def get_unit(session: Session, unit_id: int) -> Unit:
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise NotFound()
    return unit


def _unit_slug(course: Course, unit: Unit, slug: str, title: str) -> str:
    taken = {u.slug for u in course.units if u is not unit}
    if slug.strip():
        chosen = slug.strip().lower()
        _check_slug_format(chosen)
        if chosen in taken:
            raise FieldErrors({"slug": _("Another unit of this course already uses “%(slug)s”.", slug=chosen)})
        return chosen
    base = slugify(title) or "unit"
    chosen, n = base, 2
    while chosen in taken:
        chosen = f"{base[:SLUG_MAX - 4]}-{n}"
        n += 1
    return chosen


def _fill_unit(course: Course, unit: Unit, data: UnitFields) -> None:
    title = (data.title or "").strip()
    if not title:
        raise FieldErrors({"title": _("Enter a title for the unit.")})
    keep_slug = unit.slug if unit.slug and not data.slug.strip() else None
    unit.slug = keep_slug or _unit_slug(course, unit, data.slug, title)
    unit.title = title
    unit.summary = (data.summary or "").strip()
    unit.body_md = data.body_md or ""
    unit.body_html = render_markdown(unit.body_md)
    unit.estimated_minutes = max(0, int(data.estimated_minutes or 0))


def create_unit(session: Session, course: Course, data: UnitFields) -> Unit:
    """A new draft unit at the end of the course."""
    unit = Unit(status="draft", position=max((u.position for u in course.units), default=0) + 1, slug="")
    _fill_unit(course, unit, data)
    course.units.append(unit)
    session.flush()
    return unit


def update_unit(session: Session, unit: Unit, data: UnitFields) -> Unit:
    _fill_unit(unit.course, unit, data)
    session.flush()
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


# --- The accessibility gate -----------------------------------------------------------------------

def has_captions(unit: Unit, language: str | None = None) -> bool:
    language = language or unit.course.language
    return any(t.kind in ("captions", "subtitles") and t.cue_count and same_language(t.language, language)
               for t in unit.caption_tracks)


def publish_gaps(unit: Unit) -> list[str]:
    """What stops the unit from being published: captions for its video, alt text for its images."""
    gaps = []
    if unit.video is not None and not has_captions(unit):
        gaps.append(_("The video has no captions in the course language (%(language)s).",
                      language=language_name(unit.course.language)))
    missing = images_without_alt(unit.body_html or "")
    if missing:
        gaps.append(ngettext(
            "%(num)d image in the text has no alt text. Write what it shows, like ![A trainer at a flip chart](picture.png).",
            "%(num)d images in the text have no alt text. Write what each shows, like ![A trainer at a flip chart](picture.png).",
            missing))
    return gaps


def set_unit_status(session: Session, unit: Unit, status: str, reason: str = "") -> None:
    """Publish or withdraw a unit. Publishing with gaps needs a reason, which is kept and shown."""
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


# --- Video ---------------------------------------------------------------------------------------

class MediaRejected(LmsError):
    status = 422


def _safe_duration(path: Path) -> float | None:
    try:
        return media_duration(path)
    except Exception:  # ffmpeg missing or confused: the length is shown when known, that is all
        log.warning("could not measure %s", path, exc_info=True)
        return None


def attach_video(session: Session, unit: Unit, stream: BinaryIO, media_dir: Path, *, description: str = "",
                 max_bytes: int | None = None) -> Video:
    """Store an upload under its content hash and make it the unit's video. The client's file name is
    never used; the type comes from the file's first bytes."""
    try:
        filename, mime, size = store_stream(stream, Path(media_dir), max_bytes=max_bytes)
    except ValueError as err:
        if str(err) == "too-large":
            raise MediaRejected(_("The file is larger than this site accepts.")) from None
        raise MediaRejected(_("This file is not a WebM, MP4, MP3 or M4A file. Check you chose the video itself, not a link or a project file.")) from None
    if size == 0:
        raise MediaRejected(_("The file is empty."))
    if unit.video is None:
        unit.video = Video(filename=filename, mime_type=mime, size_bytes=size)
    unit.video.filename, unit.video.mime_type, unit.video.size_bytes = filename, mime, size
    unit.video.duration = _safe_duration(Path(media_dir) / filename)
    unit.video.description = (description or "").strip()
    session.flush()
    return unit.video


#: Posters larger than this are refused unless the site sets POSTER_MAX_BYTES.
POSTER_MAX_BYTES = 5 * 1024 * 1024
POSTER_ALT_MAX = 1000


def size_text(n: int) -> str:
    """A size limit as people read it: "5 MB", "1.5 MB", "64 KB"."""
    if n >= 1024 * 1024:
        return _("%(n)s MB", n=f"{n / (1024 * 1024):g}")
    return _("%(n)d KB", n=n // 1024)


def check_poster_alt(unit: Unit, alt: str, *, new_poster: bool) -> str:
    """The poster's alt text, cleaned, if it may be saved with the poster the video will have.
    A poster always needs alt text; alt text with no poster is a forgotten file."""
    alt = (alt or "").strip()
    has_poster = new_poster or (unit.video is not None and unit.video.poster_filename is not None)
    if len(alt) > POSTER_ALT_MAX:
        raise FieldErrors({"poster_alt": _("Keep the poster description to %(n)d characters or fewer.", n=POSTER_ALT_MAX)})
    if has_poster and not alt:
        raise FieldErrors({"poster_alt": _("Describe the poster image for people who cannot see it.")})
    if alt and not has_poster:
        raise FieldErrors({"poster": _("Choose the poster image this description is for, or leave the description empty.")})
    return alt


def store_poster(stream: BinaryIO, media_dir: Path, *, max_bytes: int | None = POSTER_MAX_BYTES) -> Stored:
    """Store a poster image by its content hash; the client's file name is never used."""
    try:
        return store_image(stream, Path(media_dir), max_bytes=max_bytes)
    except ValueError as err:
        if str(err) == "too-large":
            raise FieldErrors({"poster": _("The poster image is larger than the limit of %(limit)s, so nothing was "
                                           "saved. Make it smaller, for example 1280 by 720 pixels.",
                                           limit=size_text(max_bytes or 0))}) from None
        raise FieldErrors({"poster": _("This file is not a PNG, JPEG or WebP image. Choose a still picture "
                                       "for the poster.")}) from None


def _forget(media_dir: Path, stored: Stored | None) -> None:
    """Delete a file this request added, when what it was for was refused."""
    if stored is not None and stored.created:
        (Path(media_dir) / stored.filename).unlink(missing_ok=True)


def save_video(session: Session, unit: Unit, media_dir: Path, *, video: BinaryIO | None = None,
               description: str = "", poster: BinaryIO | None = None, poster_alt: str = "",
               max_bytes: int | None = None, poster_max_bytes: int | None = POSTER_MAX_BYTES) -> Video:
    """The Teach video page in one step: an optional new video file, an optional new poster, and
    their texts. Without a new video file the unit must have one already (its file is kept).

    Every check runs before anything is kept: the poster is stored first and deleted again if the
    video is refused, so a rejected form leaves no new file behind. Raises MediaRejected (the video
    file) or FieldErrors ("poster", "poster_alt")."""
    if video is None and unit.video is None:
        raise MediaRejected(_("Choose a video or audio file to upload."))
    alt = check_poster_alt(unit, poster_alt, new_poster=poster is not None)
    stored = store_poster(poster, media_dir, max_bytes=poster_max_bytes) if poster is not None else None
    try:
        if video is not None:
            attach_video(session, unit, video, media_dir, description=description, max_bytes=max_bytes)
        else:
            unit.video.description = (description or "").strip()
    except BaseException:
        _forget(media_dir, stored)
        raise
    if stored is not None:
        unit.video.poster_filename, unit.video.poster_mime = stored.filename, stored.mime
    unit.video.poster_alt = alt
    session.flush()
    return unit.video


def remove_poster(session: Session, unit: Unit) -> None:
    """Take the poster off the unit's video; the file stays, as another video may share it."""
    if unit.video is None or unit.video.poster_filename is None:
        raise NotFound()
    unit.video.poster_filename = unit.video.poster_mime = None
    unit.video.poster_alt = ""
    session.flush()


def remove_video(session: Session, unit: Unit) -> None:
    """Unlink the video from the unit; the file stays, as another unit may share it."""
    if unit.video is None:
        raise NotFound()
    unit.video = None
    session.flush()


# --- Captions ------------------------------------------------------------------------------------

def _problem_dict(p: Problem) -> dict:
    return {"line": p.line, "message": p.message, "severity": p.severity, "code": p.code}


def build_report(report: CaptionReport, video_duration: float | None,
                 speech: list[tuple[float, float]] | None) -> dict:
    """The validation list and the quality figures, as plain JSON for the report page."""
    quality = quality_check(report.cues, video_duration=video_duration, speech=speech)
    durations = [c.end - c.start for c in report.cues if c.end > c.start]
    return {
        "format": report.source_format,
        "encoding": report.encoding,
        "errors": [_problem_dict(p) for p in report.errors],
        "warnings": [_problem_dict(p) for p in report.warnings if p.code not in QUALITY_CODES],
        "quality": {
            "warnings": [_problem_dict(p) for p in quality.warnings],
            "cues": len(report.cues),
            "max_chars_per_line": quality.max_chars_per_line,
            "max_lines": quality.max_lines,
            "max_cps": quality.max_cps,
            "shortest": round(min(durations), 3) if durations else None,
            "longest": round(max(durations), 3) if durations else None,
            "share_of_speech": quality.share_of_speech_captioned,
            "speech_checked": speech is not None,
        },
        "limits": {"chars": MAX_CHARS_PER_LINE, "lines": MAX_LINES, "cps": MAX_CPS, "min": MIN_SECONDS,
                   "max": MAX_SECONDS},
    }


def _speech(unit: Unit, media_dir: Path) -> list[tuple[float, float]] | None:
    if unit.video is None:
        return None
    try:
        return detect_speech(Path(media_dir) / unit.video.filename)
    except Exception:  # no ffmpeg, or the file went missing: the report says speech was not checked
        log.warning("speech detection failed for %s", unit.video.filename, exc_info=True)
        return None


@dataclass
class CaptionCheck:
    report: dict
    pending: PendingCaption | None

    @property
    def accepted(self) -> bool:
        return self.pending is not None


def check_captions(session: Session, unit: Unit, user: User, data: bytes, filename: str, *,
                   language: str, kind: str, media_dir: Path) -> CaptionCheck:
    """Read an upload and report on it. A file without errors is kept as pending (not live); a
    rejected file is not stored at all."""
    if kind not in CAPTION_KINDS:
        raise FieldErrors({"kind": _("Choose what the track contains.")})
    try:
        language = normalize_language(language)
    except ValueError as err:
        raise FieldErrors({"language": str(err)}) from None
    duration = unit.video.duration if unit.video else None
    result = read_captions(data, filename or "", video_duration=duration)
    if result.accepted and not result.cues:
        # A browser accepts such a file and shows nothing: report it as it is, but it cannot go live.
        result.warnings.append(Problem(0, _("This file holds no caption a player would show, so it cannot be used. "
                                            "Fix the lines named above and upload it again."), "warning", "no-cues"))
    speech = _speech(unit, media_dir) if result.accepted else None
    report = build_report(result, duration, speech)
    report["filename"] = (filename or "")[-200:]
    if not result.accepted:
        return CaptionCheck(report, None)
    _drop_stale_pending(session)
    pending = PendingCaption(
        token=secrets.token_urlsafe(32), unit_id=unit.id, user_id=user.id, language=language, kind=kind,
        original_name=(filename or "")[-200:], vtt=to_vtt(result.cues, language=language, blocks=result.blocks),
        cue_count=len(result.cues), report=report,
    )
    session.add(pending)
    session.flush()
    return CaptionCheck(report, pending)


def _drop_stale_pending(session: Session) -> None:
    session.execute(delete(PendingCaption).where(PendingCaption.created_at < utcnow() - PENDING_LIFETIME))


def get_pending(session: Session, unit: Unit, token: str) -> PendingCaption:
    pending = session.scalars(select(PendingCaption).where(PendingCaption.token == token)).first()
    if pending is None or pending.unit_id != unit.id:
        raise NotFound(_("These captions are no longer waiting: they were used, discarded or expired. Upload the file again."))
    return pending


def confirm_captions(session: Session, pending: PendingCaption) -> CaptionTrack:
    """Make pending captions live, replacing the unit's track of the same language and kind."""
    if not pending.cue_count:
        raise LmsError(_("These captions hold no cue a player would show, so they cannot go live. "
                         "Upload a corrected file."))
    unit = pending.unit
    track = next((t for t in unit.caption_tracks if t.language == pending.language and t.kind == pending.kind), None)
    if track is None:
        track = CaptionTrack(language=pending.language, kind=pending.kind)
        unit.caption_tracks.append(track)
    track.label = language_name(pending.language)
    track.vtt = pending.vtt
    track.cue_count = pending.cue_count
    session.delete(pending)
    session.flush()
    return track


def discard_pending(session: Session, pending: PendingCaption) -> None:
    session.delete(pending)
    session.flush()


def get_track(session: Session, track_id: int) -> CaptionTrack:
    track = session.get(CaptionTrack, track_id)
    if track is None:
        raise NotFound()
    return track


def cues_of(vtt: str) -> list[Cue]:
    return read_captions(vtt.encode("utf-8"), "track.vtt").cues


def cue_plain_text(cue: Cue) -> str:
    return "\n".join(visible_lines(cue.text))


def update_cue(session: Session, track: CaptionTrack, number: int, start: str, end: str, text: str) -> Cue:
    """Change one cue (numbered from 1 in time order). FieldErrors names every problem at once."""
    cues = cues_of(track.vtt)
    if not 1 <= number <= len(cues):
        raise NotFound()
    errors: dict[str, str] = {}
    start_s, end_s = parse_clock(start), parse_clock(end)
    if start_s is None:
        errors["start"] = _("Enter the start time as hours, minutes, seconds and milliseconds, like 00:01:05.250.")
    if end_s is None:
        errors["end"] = _("Enter the end time as hours, minutes, seconds and milliseconds, like 00:01:08.000.")
    if start_s is not None and end_s is not None and end_s <= start_s:
        errors["end"] = _("The end time must be after the start time (%(start)s).", start=format_vtt(start_s))
    payload = safe_cue_text(text)
    if not payload:
        errors["text"] = _("Enter the caption text.")
    if errors:
        raise FieldErrors(errors)
    old = cues[number - 1]
    cues[number - 1] = Cue(start=start_s, end=end_s, text=payload, identifier=old.identifier, settings=old.settings)
    track.vtt = to_vtt(cues, language=track.language, blocks=read_captions(track.vtt.encode("utf-8"), "track.vtt").blocks)
    track.cue_count = len(cues)
    session.flush()
    return cues[number - 1]


def delete_track(session: Session, track: CaptionTrack) -> None:
    track.unit.caption_tracks.remove(track)
    session.flush()


def track_download(track: CaptionTrack, fmt: str) -> tuple[str, str]:
    """(text, mime type) of the track as WebVTT or SubRip."""
    if fmt == "vtt":
        return track.vtt, "text/vtt"
    if fmt == "srt":
        return to_srt(cues_of(track.vtt)), "application/x-subrip"
    raise NotFound()


# --- The author dashboard -----------------------------------------------------------------------------

@dataclass
class UnitState:
    unit: Unit
    captions: bool
    gaps: list[str]


def unit_states(course: Course) -> list[UnitState]:
    return [UnitState(u, has_captions(u, course.language), publish_gaps(u))
            for u in sorted(course.units, key=lambda u: u.position)]
