"""Course zips from any machine: OS litter is skipped wherever it is, the top folder may have any
name, and the course language must be a real BCP 47 tag."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from lms.content.archive import ArchiveError, extract, read_course_archive
from tests.factories import COURSE_YAML, UNIT, make_zip, tiny

FIELD = Path(__file__).resolve().parents[3].parent / "shared" / "field" / "appledouble-course.zip"


@pytest.mark.parametrize(
    "litter",
    [
        "tiny/._course.yaml",
        "tiny/units/._01-one.md",
        "._tiny",
        "tiny/Thumbs.db",
        "tiny/units/desktop.ini",
        "tiny/media/.DS_Store",
        "__MACOSX/tiny/._course.yaml",
        "tiny/__MACOSX/x",
        "tiny/THUMBS.DB",
    ],
)
def test_os_litter_is_skipped_wherever_it_is(tmp_path, litter):
    """AppleDouble ._ files, __MACOSX/, .DS_Store, Thumbs.db and desktop.ini are never extracted."""
    folder = extract(make_zip(tiny(**{litter: b"\x00\x05\x16\x07 resource fork"})), tmp_path)
    extracted = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert extracted == {"course.yaml", "units/01-one.md"}


@pytest.mark.parametrize(
    "folder, slug",
    [
        ("Tiny Course", "tiny-course"),
        ("tiny (2)", "tiny-2"),
        ("Export_2024-05", "export-2024-05"),
    ],
)
def test_a_top_folder_of_any_name_becomes_a_slug(tmp_path, folder, slug):
    """A file manager's folder name is read as the course's web address."""
    data = make_zip({f"{folder}/course.yaml": COURSE_YAML, f"{folder}/units/01-one.md": UNIT})
    with read_course_archive(data) as course:
        assert course.slug == slug


def test_a_top_folder_without_latin_letters_is_refused_clearly(tmp_path):
    """A name with nothing to make an address from gets a message, not a crash."""
    data = make_zip({"វគ្គ/course.yaml": COURSE_YAML, "វគ្គ/units/01-one.md": UNIT})
    with pytest.raises(ArchiveError, match="Latin letters"):
        extract(data, tmp_path)


@pytest.mark.parametrize("language", ['en"', "english", "x", "en-", "<km>"])
def test_course_language_must_be_a_bcp47_tag(language):
    """A language that is not a BCP 47 tag is refused with the file and field named."""
    data = make_zip(
        {"tiny/course.yaml": f"title: Tiny\nlanguage: '{language}'\n".replace("''", "'"), "tiny/units/01-one.md": UNIT}
    )
    with pytest.raises(ArchiveError) as err, read_course_archive(data):
        pass
    assert "course.yaml" in str(err.value.message) and "language" in str(err.value.message)


@pytest.mark.skipif(not FIELD.exists(), reason=f"shared field cases not found at {FIELD}")
def test_the_shared_appledouble_course_zip_imports(tmp_path):
    """The field case made on a Mac: 2 units and the quiz; its ._ files ignored."""
    with read_course_archive(io.BytesIO(FIELD.read_bytes())) as course:
        assert len(course.units) == 2 and course.quiz is not None
    with zipfile.ZipFile(FIELD) as zf:
        assert any(n.rsplit("/", 1)[-1].startswith("._") for n in zf.namelist())
