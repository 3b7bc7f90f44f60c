"""Importing course folders (lms.services.course_import): idempotent, never touching learner
progress, and refusing media the format names but cannot use."""

from pathlib import Path

import pytest
from sqlalchemy import func, select

from lms.content.loader import load_course
from lms.errors import ContentError
from lms.models import Choice, Course, Enrollment, Question, Unit, UnitProgress, User
from lms.services.course_import import import_all, upsert_course

CONTENT = Path(__file__).resolve().parents[3] / "content" / "courses"


def test_second_import_updates_without_duplicates_or_touching_progress(app, db):
    """Running the import again keeps row counts, ids and a learner's progress."""
    course = db.scalars(select(Course)).first()
    user = User(email="l@example.org", name="L", password_hash="x")
    db.add(user)
    db.flush()
    db.add(Enrollment(user_id=user.id, course_id=course.id))
    db.add(UnitProgress(user_id=user.id, unit_id=course.units[0].id, video_position=12.0))
    db.commit()
    counts = [db.scalar(select(func.count(m.id))) for m in (Course, Unit, Question, Choice)]
    unit_ids = sorted(db.scalars(select(Unit.id)))
    import_all(db, CONTENT, Path(app.config["MEDIA_DIR"]))
    db.commit()
    assert [db.scalar(select(func.count(m.id))) for m in (Course, Unit, Question, Choice)] == counts
    assert sorted(db.scalars(select(Unit.id))) == unit_ids
    assert db.scalar(select(func.count(Enrollment.id))) == 1
    assert db.scalars(select(UnitProgress)).one().video_position == 12.0


def test_import_refuses_a_poster_that_is_not_an_image(app, course_copy, tmp_path):
    """The importer checks the poster's content: a text file named .png is refused, naming that file."""
    from lms.db import get_session

    (course_copy / "media" / "01-why-we-speak.poster.png").write_text("not a picture\n")
    unit = course_copy / "units" / "01-why-we-speak.md"
    text = unit.read_text(encoding="utf-8")
    assert text.startswith("---\n")
    unit.write_text("---\nposter: media/01-why-we-speak.poster.png\nposter_alt: A hall.\n" + text[4:], encoding="utf-8")
    data = load_course(course_copy)
    with app.app_context():
        session = get_session()
        with pytest.raises(ContentError) as err:
            upsert_course(session, data, tmp_path / "media")
        session.rollback()
    assert "01-why-we-speak.poster.png" in str(err.value) and "not a PNG, JPEG or WebP image" in str(err.value)


def test_khmer_course_imports_with_its_tracks_and_shared_videos(app, db):
    """The Khmer course imports as language km with Khmer captions, English subtitles and Khmer
    descriptions, on the very video files of the English course (stored once, by content hash)."""
    courses = {c.slug: c for c in db.scalars(select(Course))}
    khmer, english = courses["public-speaking-km"], courses["public-speaking"]
    assert khmer.language == "km" and khmer.title == "ការនិយាយជាសាធារណៈ"
    assert len(khmer.quiz.questions) == len(english.quiz.questions)
    for km_unit, en_unit in zip(khmer.units, english.units, strict=True):
        assert {(t.language, t.kind) for t in km_unit.caption_tracks} == {
            ("km", "captions"),
            ("en", "subtitles"),
            ("km", "descriptions"),
        }
        assert {(t.language, t.kind) for t in en_unit.caption_tracks} == {
            ("en", "captions"),
            ("km", "subtitles"),
            ("en", "descriptions"),
        }
        assert km_unit.video.filename == en_unit.video.filename
        assert km_unit.video.description != en_unit.video.description
