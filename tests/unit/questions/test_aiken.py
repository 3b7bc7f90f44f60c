"""Aiken import: Moodle's own test expectations, problems by line, encodings."""

from __future__ import annotations

from pathlib import Path

import pytest

from lms.questions.aiken import AikenError, parse_aiken, read_aiken, scan_aiken

MOODLE = Path(__file__).resolve().parents[2] / "data" / "moodle"


def test_moodle_questions_fixture():
    """questions.aiken.txt: two single-choice questions, the right option marked, text as written."""
    first, second = parse_aiken((MOODLE / "questions.aiken.txt").read_bytes())
    assert first.type == "single" and first.prompt == "The Moodle project was started by:"
    assert [c.text for c in first.choices] == ["Petr Skoda", "Martin Dougiamas", "Eloy Lafuente", "Tim Hunt"]
    assert [c.correct for c in first.choices] == [False, True, False, False]
    assert (
        second.prompt == 'Moodle\'s abilities include handling user input that includes <html class="cool"> & images:'
    )
    assert [(c.text, c.correct) for c in second.choices] == [("True", True), ("False", False)]


def test_moodle_errors_fixture():
    """aiken_errors.txt: Moodle's problems on lines 3, 5, 7 and 18, and its two good questions."""
    questions, problems = scan_aiken((MOODLE / "aiken_errors.txt").read_text(encoding="utf-8"))
    assert [p.line for p in problems] == [3, 5, 7, 18]
    assert "fewer than two options" in problems[0].message
    good, second = questions
    assert good.prompt == "A good question" and [(c.text, c.correct) for c in good.choices] == [
        ("Correct", True),
        ("Incorrect", False),
    ]
    assert [(c.text, c.correct) for c in second.choices] == [
        ("Incorrect (No space)", False),
        ("Correct (No space)", True),
    ]
    with pytest.raises(AikenError) as caught:
        parse_aiken((MOODLE / "aiken_errors.txt").read_bytes())
    assert [p.line for p in caught.value.problems] == [3, 5, 7, 18]
    assert all(p.message.startswith(f"Line {p.line}: ") for p in caught.value.problems)


@pytest.mark.parametrize(
    "text, line, words",
    [
        ("Q?\nA. One\nB. Two\nANSWER: C\n", 4, "not one of the options"),
        ("Q?\nA. One\nB. Two\n", 1, "no ANSWER line"),
        ("", 1, "no questions"),
    ],
)
def test_problems_by_line(text, line, words):
    """A wrong ANSWER letter, a missing ANSWER line and an empty file are each reported by line."""
    with pytest.raises(AikenError) as caught:
        parse_aiken(text)
    (problem,) = caught.value.problems
    assert problem.line == line and words in problem.message


def test_dot_options_and_windows_1252():
    """Options written "A." read like "A)"; a Windows-1252 file is read with a warning."""
    raw = "Café “menu”?\r\nA. Oui\r\nB. Non\r\nANSWER: a\r\n".encode("cp1252")
    result = read_aiken(raw)
    (question,) = result.questions
    assert question.prompt == "Café “menu”?" and question.choices[0].correct
    assert len(result.warnings) == 1 and "Windows-1252" in result.warnings[0]
