"""The content loader reads course folders and names file, line and field on errors."""
from __future__ import annotations

import pytest

from lms.content.loader import load_course
from lms.errors import ContentError


def test_real_course_loads(course_copy):
    """The shipped course loads with its units in order, captions and a quiz."""
    data = load_course(course_copy)
    assert data.title == "Public Speaking"
    assert [u.position for u in data.units] == sorted(u.position for u in data.units)
    assert all(u.captions and u.captions[0].language == "en" for u in data.units)
    assert 3 <= len(data.quiz.questions) <= 6


def test_yaml_syntax_error_names_the_line(course_copy):
    """A YAML error names the file and its line."""
    (course_copy / "course.yaml").write_text("title: Ok\nsummary: [unclosed\n")
    with pytest.raises(ContentError) as err:
        load_course(course_copy)
    assert "course.yaml:" in err.value.message and "YAML" in err.value.message


def test_missing_title_names_the_field(course_copy):
    """A missing required field is named."""
    (course_copy / "course.yaml").write_text("summary: no title\n")
    with pytest.raises(ContentError) as err:
        load_course(course_copy)
    assert "(title)" in err.value.message


def test_unit_without_front_matter_is_refused(course_copy):
    """A unit file must start with front matter."""
    unit = next((course_copy / "units").glob("*.md"))
    unit.write_text("# just text\n")
    with pytest.raises(ContentError) as err:
        load_course(course_copy)
    assert unit.name in err.value.message and ":1" in err.value.message


def test_video_outside_the_course_folder_is_refused(course_copy):
    """A unit cannot point its video outside its course folder."""
    unit = next((course_copy / "units").glob("*.md"))
    text = unit.read_text().replace("video: media/", "video: ../../../etc/", 1)
    unit.write_text(text)
    with pytest.raises(ContentError) as err:
        load_course(course_copy)
    assert "(video)" in err.value.message


def test_quiz_without_correct_choice_is_refused(course_copy):
    """A choice question with no correct choice is named by its index."""
    (course_copy / "quiz.yaml").write_text(
        "title: Q\nquestions:\n  - type: single\n    prompt: P\n    choices:\n      - text: a\n      - text: b\n")
    with pytest.raises(ContentError) as err:
        load_course(course_copy)
    assert "questions[0]" in err.value.message
