"""Importing a course zip (lms.services.course_archive): whole or not at all, with messages that
name the file inside the zip."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lms.content.archive import ArchiveError
from lms.db import get_session
from lms.models import Course
from lms.services.course_archive import import_course_archive

COURSE_YAML = "title: Tiny\nsummary: A tiny course.\nlanguage: en\n"
UNIT = "---\ntitle: One\nestimated_minutes: 5\n---\nHello.\n"


def make_zip(entries: dict[str, bytes | str]) -> io.BytesIO:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    out.seek(0)
    return out


def tiny(**extra) -> dict:
    entries = {"tiny/course.yaml": COURSE_YAML, "tiny/units/01-one.md": UNIT}
    entries.update(extra)
    return entries


def test_malformed_course_yaml_names_file_and_line(app):
    """A YAML error in course.yaml is reported with the file's name inside the zip and its line."""
    with app.app_context():
        session = get_session()
        with pytest.raises(ArchiveError) as err:
            import_course_archive(
                session,
                make_zip(tiny(**{"tiny/course.yaml": "title: Tiny\nsummary: [unclosed\n"})),
                Path(app.config["MEDIA_DIR"]),
            )
        assert err.value.message.startswith("tiny/course.yaml:") and "YAML" in err.value.message
        assert "/tmp" not in err.value.message
        with pytest.raises(ArchiveError, match=r"tiny/course.yaml \(title\): this field is required"):
            import_course_archive(
                session, make_zip(tiny(**{"tiny/course.yaml": "summary: no title\n"})), Path(app.config["MEDIA_DIR"])
            )


def test_failure_late_in_the_import_leaves_nothing(app, tmp_path):
    """A broken caption file of unit 2 (after unit 1's video was stored): no course and no new media files."""
    media = tmp_path / "media"
    video = next(Path(app.config["MEDIA_DIR"]).glob("*.webm")).read_bytes()
    entries = tiny(
        **{
            "tiny/units/01-one.md": "---\ntitle: One\nvideo: media/01-one.webm\n---\nHi\n",
            "tiny/media/01-one.webm": video,
            "tiny/units/02-two.md": "---\ntitle: Two\n---\nThere\n",
            "tiny/captions/02-two.en.vtt": "hello there\n00:00:01.000 --> 00:00:02.000\nHi\n",
        }
    )
    with app.app_context():
        session = get_session()
        with pytest.raises(ArchiveError) as err:
            import_course_archive(session, make_zip(entries), media)
        session.rollback()
        assert "tiny/captions/02-two.en.vtt" in err.value.message
        assert session.scalar(select(func.count(Course.id)).where(Course.slug == "tiny")) == 0
    assert list(media.iterdir()) == []


def test_export_of_a_missing_course_is_not_found(app):
    """Exporting a course id that does not exist raises NotFound and writes nothing."""
    from lms.errors import NotFound
    from lms.services.course_archive import export_course

    out = io.BytesIO()
    with app.app_context(), pytest.raises(NotFound):
        export_course(get_session(), 999_999, Path(app.config["MEDIA_DIR"]), out)
    assert out.getvalue() == b""
