"""Partial credit by choice weight, as Moodle grades it, for every choice type."""

from __future__ import annotations

from pathlib import Path

import pytest

from lms.models import Question
from lms.questions import fill_question, type_of
from lms.questions.gift import parse_gift

FIELD = Path(__file__).resolve().parents[3].parent / "shared" / "field"


def stored(gift: str) -> Question:
    """The GIFT file's one question as the importer stores it, with choice ids 10, 11, ..."""
    (spec,) = parse_gift(gift)
    question = Question(id=1)
    fill_question(question, spec)
    for number, choice in enumerate(question.choices):
        choice.id = 10 + number
    return question


def marks(question: Question, *chosen_texts: str) -> float:
    """The score of choosing these choices, through the registry as a submitted form is marked."""
    qtype = type_of(question)
    ids = [str(c.id) for c in question.choices if c.text in chosen_texts]
    return qtype.grade(question, qtype.parse(question, ids)).score


@pytest.mark.skipif(not (FIELD / "single-partial-credit.gift").is_file(), reason=f"{FIELD} is absent")
def test_single_choice_field_file_scores_the_weighted_answer_half():
    """The shared field file: its single-choice question scores 0.5 for the ~%50% answer."""
    question = stored((FIELD / "single-partial-credit.gift").read_bytes().decode("utf-8"))
    assert question.type == "single"
    graded = type_of(question).grade(question, [question.choices[1].id])
    assert (graded.score, graded.correct) == (0.5, False)
    assert graded.feedback == ["Half right: the hours belong there too."]
    assert marks(question, "The hours worked and the pay for them") == 1.0
    assert marks(question, "Nothing at all") == 0.0


def test_single_choice_scores_the_chosen_answers_fraction():
    """Single choice: full marks for "=", the weight for a weighted answer, 0 for a negative one."""
    question = stored("Q? {=right ~%50%half ~%25%quarter ~%-50%penalty ~wrong}")
    assert [marks(question, t) for t in ("right", "half", "quarter", "wrong")] == [1.0, 0.5, 0.25, 0.0]
    # Moodle would subtract half a mark here; Sala keeps each question's score within 0..1.
    assert marks(question, "penalty") == 0.0


def test_single_choice_weight_of_100_is_full_marks_and_correct():
    """An answer weighted 100% is right, like an unweighted "=" answer."""
    question = stored("Q? {=%100%full ~%50%half ~none}")
    graded = type_of(question).grade(question, [question.choices[0].id])
    assert (graded.score, graded.correct) == (1.0, True)


def test_multiple_choice_adds_chosen_fractions_floored_and_capped():
    """Multiple choice: chosen weights add up, never below 0 nor above 100 %."""
    question = stored("Q? {~%50%a ~%50%b ~%-100%c ~d}")
    assert question.type == "multiple"
    assert marks(question, "a") == 0.5
    assert marks(question, "a", "b") == 1.0
    assert marks(question, "a", "d") == 0.5
    assert marks(question, "a", "c") == 0.0  # -0.5 floored at 0
    over = stored("Q? {~%75%a ~%75%b ~c}")
    assert marks(over, "a", "b") == 1.0  # 1.5 capped at 1


def test_multiple_choice_partial_credit_is_not_correct():
    """Half the weights chosen: half the marks, and the answer is not counted as correct."""
    question = stored("Q? {~%33.33333%a ~%33.33333%b ~%33.33334%c ~%-100%d}")
    graded = type_of(question).grade(question, [question.choices[0].id])
    assert graded.score == pytest.approx(1 / 3) and not graded.correct
    assert type_of(question).grade(question, [c.id for c in question.choices[:3]]).correct


def test_true_false_is_right_or_wrong():
    """True/false has no weights: 1 for the right answer, 0 for the other."""
    question = stored("The sky is green. {F}")
    assert (marks(question, "False"), marks(question, "True")) == (1.0, 0.0)
