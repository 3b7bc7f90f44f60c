"""Front matter `poster:` and `poster_alt:`: a poster needs alt text and must lie inside the course folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from lms.content.loader import load_course
from lms.errors import ContentError

PNG_HEAD = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
UNIT = "01-why-we-speak.md"


@pytest.fixture
def course_copy(course_copy):
    """The shared course copy, plus a poster image for the first unit."""
    (course_copy / "media" / "01-why-we-speak.poster.png").write_bytes(PNG_HEAD)
    return course_copy


def add_front_matter(folder: Path, lines: str, unit: str = UNIT) -> Path:
    path = folder / "units" / unit
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\n")
    path.write_text("---\n" + lines + text[4:], encoding="utf-8")
    return path


def test_poster_with_alt_loads(course_copy):
    """poster and poster_alt give the unit a poster path and its (trimmed) text."""
    add_front_matter(course_copy, "poster: media/01-why-we-speak.poster.png\nposter_alt: '  A full hall.  '\n")
    unit = load_course(course_copy).units[0]
    assert unit.poster_path == (course_copy / "media" / "01-why-we-speak.poster.png").resolve()
    assert unit.poster_alt == "A full hall."
    assert all(u.poster_path is None and u.poster_alt == "" for u in load_course(course_copy).units[1:])


@pytest.mark.parametrize("alt_line", ["", "poster_alt:\n", "poster_alt: '   '\n", "poster_alt: [a, list]\n"])
def test_poster_without_alt_is_refused_naming_file_and_field(course_copy, alt_line):
    """No (or empty, or non-text) poster_alt: the error names the unit file, the field and the poster."""
    path = add_front_matter(course_copy, "poster: media/01-why-we-speak.poster.png\n" + alt_line)
    with pytest.raises(ContentError) as err:
        load_course(course_copy)
    assert err.value.field == "poster_alt" and Path(err.value.path) == path
    message = str(err.value)
    assert UNIT in message and "(poster_alt)" in message and "media/01-why-we-speak.poster.png" in message


@pytest.mark.parametrize(
    "poster", ["../outside.png", "/etc/hostname", "media/../../outside.png", "units/../../outside.png"]
)
def test_poster_outside_the_course_folder_is_refused(course_copy, poster):
    """A path leaving the course folder is refused on the poster field, even when the file exists."""
    (course_copy.parent / "outside.png").write_bytes(PNG_HEAD)
    add_front_matter(course_copy, f"poster: {poster}\nposter_alt: A hall.\n")
    with pytest.raises(ContentError) as err:
        load_course(course_copy)
    assert err.value.field == "poster" and "inside the course folder" in str(err.value) and poster in str(err.value)


def test_missing_poster_file_and_poster_without_video_are_refused(course_copy, tmp_path):
    """A poster that is not there, or a poster on a unit with no video, names the poster field."""
    add_front_matter(course_copy, "poster: media/nothing.png\nposter_alt: A hall.\n")
    with pytest.raises(ContentError) as err:
        load_course(course_copy)
    assert err.value.field == "poster" and "poster file not found: media/nothing.png" in str(err.value)

    other = tmp_path / "second" / "public-speaking"
    shutil.copytree(course_copy, other)
    path = other / "units" / UNIT
    text = path.read_text(encoding="utf-8")
    lines = [
        line
        for line in text.splitlines(keepends=True)
        if not line.startswith(("video:", "video_alt:", "audio_only:", "poster"))
    ]
    path.write_text("".join(lines), encoding="utf-8")
    add_front_matter(other, "poster: media/01-why-we-speak.poster.png\nposter_alt: A hall.\n")
    with pytest.raises(ContentError) as err:
        load_course(other)
    assert err.value.field == "poster" and "no video" in str(err.value)
