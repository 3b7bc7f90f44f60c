"""Put courses read from the content/courses format (lms.content.loader) into the database.

Idempotent: a second run updates rows in place (matched by course and unit slug, tracks by
language and kind, questions by position), so the ids that enrolments, progress, attempts and
certificates point at stay, and none of those is ever touched. Videos and posters are copied
into the media folder under their content hash (lms.services.media). Functions flush; the
caller commits (the `lms import-content` command, or the request).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.captions import media_duration, read_captions, to_vtt
from lms.content.loader import CourseData, QuizData, UnitData, course_folders, load_course
from lms.content.sanitize import render_markdown
from lms.errors import ContentError
from lms.models import CaptionTrack, Course, Quiz, Unit, Video
from lms.questions import fill_questions
from lms.services import renditions
from lms.services.media import store_file, store_image_file
from lms.text import language_name


def import_all(session: Session, content_dir: Path, media_dir: Path) -> list[Course]:
    """Import every course folder under `content_dir`. All are loaded first, so one broken course
    stops the import (ContentError naming file, line and field) before any write. A translated
    course may use its source course's videos (loader `siblings`); stored by content hash, they
    are kept once in the media folder."""
    data = [load_course(folder, siblings=True) for folder in course_folders(content_dir)]
    return [upsert_course(session, d, media_dir) for d in data]


def upsert_course(session: Session, data: CourseData, media_dir: Path) -> Course:
    """Create or update the course with `data.slug`. Units missing from `data` are kept as drafts
    at the end (learners' progress points at them). Raises ContentError for a video, poster or
    caption file that cannot be used."""
    course = session.scalars(select(Course).where(Course.slug == data.slug)).first()
    if course is None:
        course = Course(slug=data.slug, status="published")
        session.add(course)
    course.title = data.title
    course.summary = data.summary
    course.language = data.language
    course.trainer_name = data.trainer
    course.estimated_minutes = data.estimated_minutes
    course.outcomes = list(data.outcomes)
    course.credits = data.credits

    existing = {u.slug: u for u in course.units}
    wanted = set()
    for position, unit_data in enumerate(data.units, start=1):
        unit = existing.get(unit_data.slug)
        if unit is None:
            unit = Unit(slug=unit_data.slug, status="published")
            course.units.append(unit)
        wanted.add(unit_data.slug)
        _fill_unit(unit, unit_data, position, media_dir)
        if unit.video is not None:
            session.flush()  # the video row needs its id before its renditions
            if unit_data.audio_only_path is not None:
                try:
                    renditions.attach_ready(session, unit.video, "audio", unit_data.audio_only_path, media_dir)
                except ValueError:
                    raise ContentError(unit_data.audio_only_path, "this audio file cannot be played") from None
            renditions.plan(session, unit.video, media_dir)
    for slug, unit in existing.items():
        if slug not in wanted:
            # Keep the row (learners' progress points at it) but hide it from learners.
            unit.status = "draft"
            unit.position = len(data.units) + unit.position
    if data.quiz is not None:
        _fill_quiz(course, data.quiz)
    session.flush()
    return course


def _fill_unit(unit: Unit, data: UnitData, position: int, media_dir: Path) -> None:
    unit.position = position
    unit.title = data.title
    unit.summary = data.summary
    unit.estimated_minutes = data.estimated_minutes
    unit.body_md = data.body_md
    unit.body_html = render_markdown(data.body_md)
    duration = _fill_video(unit, data, media_dir)
    _fill_captions(unit, data, duration)


def _fill_video(unit: Unit, data: UnitData, media_dir: Path) -> float | None:
    """Store the unit's video and poster; the video's duration in seconds (None if unknown or no video)."""
    if data.video_path is None:
        if unit.video is not None:
            unit.video = None
        return None
    try:
        filename, mime, size = store_file(data.video_path, media_dir)
    except ValueError as err:
        if str(err) == "not-decodable":
            raise ContentError(
                data.video_path, "this video cannot be played to the end: it is cut off or damaged"
            ) from None
        raise ContentError(data.video_path, "this file is not a WebM, MP4, MP3 or M4A file") from None
    duration = media_duration(media_dir / filename)
    if unit.video is None:
        unit.video = Video(filename=filename, mime_type=mime, size_bytes=size)
    unit.video.filename, unit.video.mime_type, unit.video.size_bytes = filename, mime, size
    unit.video.duration = duration
    unit.video.description = data.video_description
    if data.poster_path is not None:
        try:
            poster = store_image_file(data.poster_path, media_dir)
        except ValueError:
            raise ContentError(data.poster_path, "this poster is not a PNG, JPEG or WebP image") from None
        unit.video.poster_filename, unit.video.poster_mime = poster.filename, poster.mime
        unit.video.poster_alt = data.poster_alt
    else:
        unit.video.poster_filename = unit.video.poster_mime = None
        unit.video.poster_alt = ""
    return duration


def _fill_captions(unit: Unit, data: UnitData, duration: float | None) -> None:
    """Replace the unit's tracks with the caption files of `data`, matched by (language, kind)."""
    tracks = {(t.language, t.kind): t for t in unit.caption_tracks}
    for cap in data.captions:
        report = read_captions(cap.path.read_bytes(), cap.path.name, video_duration=duration)
        if not report.accepted:
            first = report.errors[0]
            raise ContentError(cap.path, first.message, line=first.line)
        track = tracks.pop((cap.language, cap.kind), None)
        if track is None:
            track = CaptionTrack(language=cap.language, kind=cap.kind)
            unit.caption_tracks.append(track)
        track.label = language_name(cap.language)
        track.vtt = to_vtt(report.cues, language=cap.language, blocks=report.blocks)
        track.cue_count = len(report.cues)
    for stale in tracks.values():
        unit.caption_tracks.remove(stale)


def _fill_quiz(course: Course, data: QuizData) -> None:
    if course.quiz is None:
        course.quiz = Quiz(title=data.title)
    course.quiz.title = data.title
    course.quiz.pass_mark = data.pass_mark
    course.quiz.max_attempts = data.max_attempts
    fill_questions(course.quiz, data.questions)
