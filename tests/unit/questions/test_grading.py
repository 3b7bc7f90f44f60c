"""Question types grade answers without a request."""

from __future__ import annotations

import pytest

from lms.models import Choice, Question
from lms.questions import InvalidAnswer, normalize_text
from lms.questions.registry import REGISTRY


def question(qtype, choices):
    q = Question(id=1, type=qtype, prompt="?", feedback="")
    q.choices = [
        Choice(id=i + 10, position=i, text=t, correct=c, weight=w, feedback=f"fb {t}")
        for i, (t, c, w) in enumerate(choices)
    ]
    return q


def test_single_choice_scores_the_right_choice():
    """A single-choice question scores 1 for the correct choice and shows its feedback."""
    q = question("single", [("a", True, None), ("b", False, None)])
    t = REGISTRY["single"]
    assert t.grade(q, t.parse(q, ["10"])).score == 1.0
    graded = t.grade(q, t.parse(q, ["11"]))
    assert graded.score == 0.0 and graded.feedback == ["fb b"]


def test_multiple_choice_needs_exactly_the_correct_set():
    """Without weights, only the exact set of correct choices scores."""
    q = question("multiple", [("a", True, None), ("b", True, None), ("c", False, None)])
    t = REGISTRY["multiple"]
    assert t.grade(q, [10, 11]).correct
    assert not t.grade(q, [10]).correct
    assert not t.grade(q, [10, 11, 12]).correct


def test_weighted_multiple_choice_adds_weights_within_bounds():
    """Moodle weights add up, and the score never goes below 0 or above 1."""
    q = question("multiple", [("a", True, 50.0), ("b", True, 50.0), ("c", False, -100.0)])
    t = REGISTRY["multiple"]
    assert t.grade(q, [10]).score == 0.5
    assert t.grade(q, [10, 11]).score == 1.0
    assert t.grade(q, [10, 11, 12]).score == 0.0


def test_short_text_ignores_case_width_and_spaces():
    """Short answers compare case-, width- and space-insensitively."""
    q = question("short_text", [("To persuade", True, None)])
    t = REGISTRY["short_text"]
    assert t.grade(q, t.parse(q, ["  to   PERSUADE "])).correct
    assert not t.grade(q, t.parse(q, ["inform"])).correct
    assert normalize_text("ＡＢＣ") == "abc"


@pytest.mark.parametrize(
    "raw, tampered", [([], False), ([""], False), (["x"], True), (["99"], True), (["10", "11"], True)]
)
def test_single_choice_rejects_missing_and_tampered_answers(raw, tampered):
    """Nothing chosen is a plain error; values no form could send are flagged as tampered."""
    q = question("single", [("a", True, None), ("b", False, None)])
    with pytest.raises(InvalidAnswer) as err:
        REGISTRY["single"].parse(q, raw)
    assert err.value.tampered is tampered


def test_short_text_rejects_empty_and_overlong_answers():
    """An empty or enormous short answer is an error, not a grade."""
    q = question("short_text", [("x", True, None)])
    for raw in ([""], ["   "], ["a" * 501]):
        with pytest.raises(InvalidAnswer):
            REGISTRY["short_text"].parse(q, raw)
