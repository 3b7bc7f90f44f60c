"""The content loader reads course folders and names file, line and field on errors."""

from __future__ import annotations

from pathlib import Path

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
        "title: Q\nquestions:\n  - type: single\n    prompt: P\n    choices:\n      - text: a\n      - text: b\n"
    )
    with pytest.raises(ContentError) as err:
        load_course(course_copy)
    assert "questions[0]" in err.value.message


@pytest.mark.parametrize(
    "answers, problem",
    [
        ("[{weight: 50}]", "answers[0]"),
        ("[{text: a, weight: 150}]", "answers[0].weight"),
        ("[{text: a, weight: heavy}]", "answers[0].weight"),
        ("[{text: a, weight: 0, feedback: no}]", "at least one accepted answer"),
        ("['']", "answers[0]"),
    ],
)
def test_bad_short_answers_are_refused_by_field(course_copy, answers, problem):
    """A short answer without text, a weight outside -100..100 or not a number, or no answer
    that is accepted at all, is refused and named."""
    (course_copy / "quiz.yaml").write_text(
        f"title: Q\nquestions:\n  - type: short_text\n    prompt: P\n    answers: {answers}\n"
    )
    with pytest.raises(ContentError) as err:
        load_course(course_copy)
    assert problem in err.value.message


def test_choice_weight_must_be_a_percentage(course_copy):
    """A choice weight of true (YAML for yes) is not a number and is refused."""
    (course_copy / "quiz.yaml").write_text(
        "title: Q\nquestions:\n  - type: single\n    prompt: P\n    choices:\n"
        "      - {text: a, correct: true}\n      - {text: b, weight: true}\n"
    )
    with pytest.raises(ContentError) as err:
        load_course(course_copy)
    assert "choices[1].weight" in err.value.message


def test_documented_quiz_example_loads(tmp_path):
    """The quiz.yaml example in docs/content-format.md is valid, weights and answer mappings included."""
    import re
    import textwrap

    from lms.content.loader import load_quiz

    doc = (Path(__file__).parents[3] / "docs" / "content-format.md").read_text()
    quiz_block = doc.split("## quiz.yaml", 1)[1]
    example, answers = re.findall(r"```yaml\n(.*?)```", quiz_block, re.S)[:2]
    (tmp_path / "quiz.yaml").write_text(example)
    quiz = load_quiz(tmp_path / "quiz.yaml")
    assert [q.type for q in quiz.questions] == ["single", "true_false", "short_text"]
    (tmp_path / "quiz.yaml").write_text(
        "title: Q\nquestions:\n  - type: short_text\n    prompt: P\n"
        + textwrap.indent(textwrap.dedent(answers), "    ")
    )
    choices = load_quiz(tmp_path / "quiz.yaml").questions[0].choices
    assert [(c.text, c.correct, c.weight) for c in choices] == [
        ("persuade", True, None),
        ("convince", True, 50.0),
        ("inform", False, 0.0),
    ]
