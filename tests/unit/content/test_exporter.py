"""The exporter writes the content/courses format that the loader reads back."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from lms.content.exporter import ExportError, export_course_zip, write_course_folder
from lms.content.loader import load_course, split_front_matter
from lms.db import get_session
from lms.models import Choice, Course, Question, Quiz, Unit


def _seeded(session, slug="public-speaking") -> Course:
    return session.scalars(select(Course).where(Course.slug == slug)).one()


def test_exported_folder_loads_back_the_same(app, tmp_path):
    """Every unit, caption track, video and question of a shipped course survives export → load."""
    with app.app_context():
        course = _seeded(get_session())
        folder = write_course_folder(course, Path(app.config["MEDIA_DIR"]), tmp_path)
        data = load_course(folder)
        assert data.slug == course.slug and data.title == course.title and data.outcomes == course.outcomes
        assert [u.title for u in data.units] == [u.title for u in course.units]
        assert [u.body_md.strip() for u in data.units] == [u.body_md.strip() for u in course.units]
        for unit_data, unit in zip(data.units, course.units, strict=False):
            assert (
                unit_data.video_path.read_bytes() == (Path(app.config["MEDIA_DIR"]) / unit.video.filename).read_bytes()
            )
            assert [c.language for c in unit_data.captions] == [t.language for t in unit.caption_tracks]
        assert [(q.type, q.prompt, q.feedback) for q in data.quiz.questions] == [
            (q.type, q.prompt, q.feedback) for q in course.quiz.questions
        ]
        assert [[(c.text, c.correct, c.feedback) for c in q.choices] for q in data.quiz.questions] == [
            [(c.text, c.correct, c.feedback) for c in q.choices] for q in course.quiz.questions
        ]


def test_export_marks_drafts_and_keeps_feedback_only_short_answers(app, tmp_path):
    """Draft units carry status: draft; a short-answer wrong answer (weight 0) comes back for its
    feedback, and is still not accepted."""
    with app.app_context():
        session = get_session()
        course = Course(slug="drafty", title="Drafty", status="draft")
        course.units = [Unit(position=1, slug="one", title="One: a colon", body_md="Body\n", status="draft")]
        course.quiz = Quiz(
            title="Q",
            pass_mark=60,
            max_attempts=0,
            questions=[
                Question(
                    position=1,
                    type="short_text",
                    prompt="Say\nyes",
                    choices=[
                        Choice(position=1, text="yes", correct=True),
                        Choice(position=2, text="*", correct=False, weight=0.0, feedback="No."),
                    ],
                )
            ],
        )
        session.add(course)
        session.flush()
        folder = write_course_folder(course, Path(app.config["MEDIA_DIR"]), tmp_path)
    meta, body = split_front_matter(folder / "units" / "01-one.md")
    assert meta["status"] == "draft" and meta["title"] == "One: a colon" and body == "Body\n"
    assert "status: draft" in (folder / "course.yaml").read_text()
    quiz = load_course(folder).quiz
    assert quiz.max_attempts == 0 and quiz.pass_mark == 60
    assert quiz.questions[0].prompt == "Say\nyes"
    assert [(c.text, c.correct, c.weight, c.feedback) for c in quiz.questions[0].choices] == [
        ("yes", True, None, ""),
        ("*", False, 0.0, "No."),
    ]


GIFT_WITH_WEIGHTS = """::Pick two:: Which help a listener follow a talk? {
~%50%Signposts like "first" and "finally"#Yes.
~%50%A short summary at the end#Yes.
~%-100%Reading every slide aloud#No: they can read faster than you speak.
}

::Partial:: Which motive asks the council to act? {
=To persuade#Right.
~%50%To motivate#Close: motivating moves people, persuading asks for a decision.
~To inform
}

::Words:: Name the motive behind a talk that asks for a vote. {
=persuade
=%50%convince#Half marks: the word we used is "persuade".
=%0%inform#Informing shares facts; it asks for no decision.
}
"""


def test_gift_weights_and_feedback_survive_export_and_load(app, tmp_path):
    """A GIFT bank's partial credit (% weights) and per-answer feedback come back from a course
    folder exactly, so a course zip marks learners the same way on the other site."""
    from lms.questions.gift import parse_gift

    specs = parse_gift(GIFT_WITH_WEIGHTS)
    with app.app_context():
        course = _seeded(get_session())
        from lms.questions import fill_questions

        fill_questions(course.quiz, specs)
        get_session().flush()
        folder = write_course_folder(course, Path(app.config["MEDIA_DIR"]), tmp_path)
    loaded = load_course(folder).quiz.questions
    assert [(q.type, q.title, q.prompt) for q in loaded] == [(q.type, q.title, q.prompt) for q in specs]
    assert [[(c.text, c.correct, c.weight, c.feedback) for c in q.choices] for q in loaded] == [
        [(c.text, c.correct, c.weight, c.feedback) for c in q.choices] for q in specs
    ]
    assert any(c.weight == -100 for c in loaded[0].choices) and loaded[2].choices[2].correct is False


def test_export_zip_holds_one_course_folder(app):
    """The zip holds <slug>/course.yaml, units, media, captions and quiz.yaml, with fixed timestamps."""
    with app.app_context():
        course = _seeded(get_session())
        out = io.BytesIO()
        export_course_zip(course, Path(app.config["MEDIA_DIR"]), out)
    names = zipfile.ZipFile(out).namelist()
    assert "public-speaking/course.yaml" in names and "public-speaking/quiz.yaml" in names
    assert "public-speaking/units/01-why-we-speak.md" in names
    assert "public-speaking/media/01-why-we-speak.webm" in names
    assert "public-speaking/captions/01-why-we-speak.en.vtt" in names
    assert {n.split("/")[0] for n in names} == {"public-speaking"}


def test_export_refuses_what_cannot_be_read_back(app):
    """A course without units, or a quiz the loader would reject, is refused with a clear message."""
    with app.app_context():
        session = get_session()
        empty = Course(slug="empty", title="Empty")
        session.add(empty)
        session.flush()
        with pytest.raises(ExportError, match="has no units"):
            export_course_zip(empty, Path(app.config["MEDIA_DIR"]), io.BytesIO())
        course = Course(slug="bad-quiz", title="Bad quiz")
        course.units = [Unit(position=1, slug="one", title="One")]
        course.quiz = Quiz(
            title="Q",
            questions=[
                Question(
                    position=1,
                    type="multiple",
                    prompt="?",
                    choices=[
                        Choice(position=1, text="a", correct=True, weight=100.0),
                        Choice(position=2, text="b", weight=-100.0),
                    ],
                )
            ],
        )
        session.add(course)
        session.flush()
        with pytest.raises(ExportError, match="quiz.yaml"):
            export_course_zip(course, Path(app.config["MEDIA_DIR"]), io.BytesIO())


@pytest.mark.parametrize("slug", ["public-speaking", "public-speaking-km"])
def test_export_keeps_each_track_kind(app, tmp_path, slug):
    """Captions, subtitles and descriptions come back as the same (language, kind) pairs; the
    exported Khmer course carries its shared videos inside its own folder."""
    with app.app_context():
        course = _seeded(get_session(), slug)
        folder = write_course_folder(course, Path(app.config["MEDIA_DIR"]), tmp_path)
        data = load_course(folder)
        for unit_data, unit in zip(data.units, course.units, strict=True):
            assert sorted((c.language, c.kind) for c in unit_data.captions) == sorted(
                (t.language, t.kind) for t in unit.caption_tracks
            )
            assert folder.resolve() in unit_data.video_path.parents


def test_export_names_the_kind_the_loader_would_not_infer(app, tmp_path):
    """A captions track in a language other than the course's is written as <lang>.captions.vtt."""
    with app.app_context():
        course = _seeded(get_session())
        track = next(t for t in course.units[0].caption_tracks if t.language == "km")
        track.kind = "captions"
        folder = write_course_folder(course, Path(app.config["MEDIA_DIR"]), tmp_path)
        assert (folder / "captions" / "01-why-we-speak.km.captions.vtt").is_file()
        assert ("km", "captions") in {(c.language, c.kind) for c in load_course(folder).units[0].captions}
