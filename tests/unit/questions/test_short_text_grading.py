"""Short-answer grading only accepts answers marked correct; weights give partial credit."""

from __future__ import annotations

import pytest

from lms.models import Choice, Question
from lms.questions.base import normalize_text
from lms.questions.registry import REGISTRY


def _question(choices):
    q = Question(id=1, type="short_text", prompt="?", feedback="")
    q.choices = [
        Choice(id=i + 10, position=i, text=t, correct=c, weight=w, feedback=f) for i, (t, c, w, f) in enumerate(choices)
    ]
    return q


def test_short_text_wrong_answer_with_feedback_scores_nothing():
    """A GIFT answer weighted 0 (correct=False) matches for its feedback but scores 0."""
    q = _question([("persuade", True, None, ""), ("inform", False, 0.0, "That is another motive.")])
    graded = REGISTRY["short_text"].grade(q, "Inform")
    assert graded.score == 0.0 and not graded.correct
    assert graded.feedback == ["That is another motive."]


def test_short_text_weight_gives_partial_credit():
    """An accepted answer weighted 50 % scores half and is not fully correct."""
    q = _question([("persuade", True, None, ""), ("persuasion", True, 50.0, "")])
    t = REGISTRY["short_text"]
    assert t.grade(q, "persuade").score == 1.0 and t.grade(q, "persuade").correct
    half = t.grade(q, "PERSUASION")
    assert half.score == 0.5 and not half.correct


def test_short_text_correct_answer_lists_only_accepted_answers():
    """The correct answer shown to learners leaves out the answers marked wrong."""
    q = _question([("persuade", True, None, ""), ("inform", False, 0.0, "")])
    assert REGISTRY["short_text"].correct_answer(q) == "persuade"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("ស្ដាប់អ្នកដទៃ", "ស្តាប់ អ្នកដទៃ"),  # subscript DA for TA, and a phrase space
        ("ស្តាប់\u200bអ្នក\u200bដទៃ", "ស្តាប់អ្នកដទៃ"),  # an author's zero-width spaces
        ("ឆ្នាំ ២០២២", "ឆ្នាំ2022"),  # Khmer digits
    ],
)
def test_khmer_answers_match_however_they_are_spaced_or_spelled(typed, stored):
    """Khmer answers compare without word spaces, zero-width spaces, digit script or subscript DA/TA."""
    assert normalize_text(typed) == normalize_text(stored)


def test_khmer_answers_that_differ_in_letters_still_differ():
    """Only invisible and look-alike differences are forgiven: another word is another answer."""
    assert normalize_text("ស្តាប់") != normalize_text("និយាយ")
