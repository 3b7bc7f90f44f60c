"""Upsert loaded course data into the database. Idempotent: a second run updates in place and
never touches enrolments, progress, attempts or certificates."""
from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.captions import media_duration, read_captions, to_vtt
from lms.content.loader import CourseData, QuizData, UnitData, course_folders, load_course
from lms.content.sanitize import render_markdown
from lms.errors import ContentError
from lms.models import CaptionTrack, Choice, Course, Question, Quiz, Unit, Video
from lms.quiz.spec import QuestionSpec
from lms.text import language_name
from lms.services.media import store_file, store_image_file

log = logging.getLogger(__name__)


def import_all(session: Session, content_dir: Path, media_dir: Path) -> list[Course]:
    """Load every course folder first, so one broken course stops the import before any write."""
    data = [load_course(folder) for folder in course_folders(content_dir)]
    return [upsert_course(session, d, media_dir) for d in data]


def upsert_course(session: Session, data: CourseData, media_dir: Path) -> Course:
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
    duration = None
    if data.video_path is not None:
        try:
            filename, mime, size = store_file(data.video_path, media_dir)
        except ValueError:
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
    elif unit.video is not None:
        unit.video = None
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


def fill_question(question: Question, spec: QuestionSpec) -> None:
    """Write a spec onto a question, reusing its choice rows by position (their ids stay)."""
    question.type, question.title, question.prompt, question.feedback = spec.type, spec.title, spec.prompt, spec.feedback
    for position, choice_spec in enumerate(spec.choices, start=1):
        if position <= len(question.choices):
            choice = question.choices[position - 1]
        else:
            choice = Choice()
            question.choices.append(choice)
        choice.position, choice.text, choice.correct = position, choice_spec.text, choice_spec.correct
        choice.weight, choice.feedback = choice_spec.weight, choice_spec.feedback
    del question.choices[len(spec.choices):]


def fill_questions(quiz: Quiz, specs: list[QuestionSpec]) -> None:
    """Update questions in place by position, so the ids that attempts refer to stay put."""
    for position, spec in enumerate(specs, start=1):
        if position <= len(quiz.questions):
            question = quiz.questions[position - 1]
        else:
            question = Question()
            quiz.questions.append(question)
        question.position = position
        fill_question(question, spec)
    del quiz.questions[len(specs):]


def _fill_quiz(course: Course, data: QuizData) -> None:
    if course.quiz is None:
        course.quiz = Quiz(title=data.title)
    course.quiz.title = data.title
    course.quiz.pass_mark = data.pass_mark
    course.quiz.max_attempts = data.max_attempts
    fill_questions(course.quiz, data.questions)
