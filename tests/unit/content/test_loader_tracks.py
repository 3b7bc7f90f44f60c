"""The loader names each caption file's kind and lets a translated course share its source's videos."""

from __future__ import annotations

import shutil

import pytest

from lms.content.loader import default_kind, load_course
from lms.errors import ContentError

VTT = "WEBVTT\n\n00:00:00.400 --> 00:00:03.000\nសួស្ដី\n"


def _kinds(unit) -> dict[tuple[str, str], str]:
    return {(c.language, c.kind): c.path.name for c in unit.captions}


def test_track_in_another_language_is_subtitles(course_copy):
    """A caption file in a language other than the course's is read as subtitles, the course's own as captions."""
    (course_copy / "captions" / "01-why-we-speak.km.vtt").write_text(VTT, encoding="utf-8")
    unit = load_course(course_copy).units[0]
    kinds = _kinds(unit)
    assert kinds[("km", "subtitles")] == "01-why-we-speak.km.vtt"
    assert kinds[("en", "captions")] == "01-why-we-speak.en.vtt"
    assert ("km", "captions") not in kinds


def test_kind_in_the_file_name_wins(course_copy):
    """An explicit kind in the name (…km.captions.vtt, …en.descriptions.vtt) is kept as written."""
    (course_copy / "captions" / "01-why-we-speak.km.captions.vtt").write_text(VTT, encoding="utf-8")
    (course_copy / "captions" / "01-why-we-speak.en.descriptions.vtt").write_text(VTT, encoding="utf-8")
    kinds = _kinds(load_course(course_copy).units[0])
    assert ("km", "captions") in kinds and ("en", "descriptions") in kinds


@pytest.mark.parametrize(
    ("track", "course", "kind"),
    [("en", "en", "captions"), ("en-GB", "en", "captions"), ("km", "en", "subtitles"), ("en", "km", "subtitles")],
)
def test_default_kind_compares_languages_not_regions(track, course, kind):
    """The default kind follows the language, whatever the region subtag."""
    assert default_kind(track, course) == kind


def _translation(course_copy, tmp_path):
    """A km course next to the English one, whose first unit names the English course's video."""
    km = tmp_path / "public-speaking-km"
    shutil.copytree(course_copy, km, ignore=shutil.ignore_patterns("media"))
    meta = (km / "course.yaml").read_text(encoding="utf-8").replace("language: en", "language: km")
    (km / "course.yaml").write_text(meta + "translation_of: public-speaking\n", encoding="utf-8")
    for unit in (km / "units").glob("*.md"):
        text = unit.read_text(encoding="utf-8").replace("video: media/", "video: ../public-speaking/media/")
        text = text.replace("audio_only: media/", "audio_only: ../public-speaking/media/")
        unit.write_text(text, encoding="utf-8")
    return km


def test_translation_uses_its_source_videos_from_a_content_folder(course_copy, tmp_path):
    """In a folder of courses, a course with translation_of reads videos from its source's media folder."""
    km = _translation(course_copy, tmp_path)
    data = load_course(km, siblings=True)
    assert data.translation_of == "public-speaking"
    assert data.units[0].video_path == (course_copy / "media" / "01-why-we-speak.webm").resolve()
    assert _kinds(data.units[0])[("en", "subtitles")] == "01-why-we-speak.en.vtt"


def test_translation_alone_cannot_reach_outside_its_folder(course_copy, tmp_path):
    """Without siblings (an uploaded zip), a path to another course's media is refused, naming the field."""
    km = _translation(course_copy, tmp_path)
    with pytest.raises(ContentError) as err:
        load_course(km)
    assert "(video)" in err.value.message


def test_shared_media_is_only_the_source_media_folder(course_copy, tmp_path):
    """A translation may name its source's media folder only, not any file next to it."""
    km = _translation(course_copy, tmp_path)
    unit = next((km / "units").glob("*.md"))
    text = unit.read_text(encoding="utf-8").replace("../public-speaking/media/", "../public-speaking/captions/")
    unit.write_text(text.replace(".webm", ".en.vtt", 1), encoding="utf-8")
    with pytest.raises(ContentError) as err:
        load_course(km, siblings=True)
    assert "(video)" in err.value.message


def test_translation_of_must_name_a_course_folder(course_copy, tmp_path):
    """translation_of that names no course folder next to this one is refused, naming the field."""
    km = _translation(course_copy, tmp_path)
    meta = (km / "course.yaml").read_text(encoding="utf-8")
    (km / "course.yaml").write_text(meta.replace("translation_of: public-speaking", "translation_of: nowhere"))
    with pytest.raises(ContentError) as err:
        load_course(km, siblings=True)
    assert "(translation_of)" in err.value.message
