"""Multiple choice: the learner ticks every choice that applies (Moodle's multichoice, "multiple
answers allowed").

Marking: with weights (from GIFT, Moodle XML, quiz.yaml or the editor's marks), Moodle's rule:
the chosen choices' fractions added up, kept within 0..100 %
(qtype_multichoice_multi_question::grade_response). Without weights, only the exact set of
correct choices scores, as the editor's hint tells trainers.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.models import Question
from lms.questions.base import Graded, clamp
from lms.questions.choices import MOODLE_GRADES, SUM_TOLERANCE, ChoiceQuestion, choice_rows, weight_text
from lms.questions.spec import Answer, ChoiceSpec, QuestionSpec


class MultipleChoice(ChoiceQuestion):
    name = "multiple"
    label = _l("Multiple choice")
    input_kind = "checkbox"
    many = True
    learner_hint = _l("Choose all that apply.")
    editor = (
        choice_rows(
            _l(
                "Fill in at least two rows and tick two or more correct answers. Without marks, learners "
                "score the question only by choosing exactly the correct ones. With marks, as in Moodle, "
                "each chosen answer adds its marks: the correct ones must add up to 100 %, and wrong "
                "ones may take marks away (never below 0)."
            )
        ),
    )
    moodle_qtype = "multichoice"
    moodle_single = False

    #: Moodle's grades and their negatives: a wrong answer may take marks away.
    weight_options = MOODLE_GRADES + tuple(-w for w in reversed(MOODLE_GRADES))

    def check_correct(self, right: int) -> str | None:
        if right < 2:
            return _("Mark two or more choices as correct. For one correct answer, write a single choice question.")
        return None

    def editor_choice(self, typed: ChoiceSpec, number: int) -> tuple[ChoiceSpec, str | None]:
        # Moodle marks right the answers with a positive grade; 0 % is a wrong answer's tick alone.
        if typed.weight is None:
            return typed, None
        if typed.correct and typed.weight <= 0:
            return typed, _(
                "Choice %(n)d is ticked as correct but gives %(weight)s %% of the marks: give it a "
                "positive share, or untick it.",
                n=number,
                weight=weight_text(typed.weight),
            )
        weight = None if typed.weight == 0 else typed.weight
        return ChoiceSpec(typed.text, typed.weight > 0, weight, typed.feedback), None

    def check_weights(self, choices: list[ChoiceSpec]) -> str | None:
        # Moodle's rule (qtype_multichoice_edit_form::validation): the positive grades add up to
        # 100 %, so choosing every right answer gives full marks.
        if not any(c.weight is not None for c in choices):
            return None
        if any(c.correct and c.weight is None for c in choices):
            return _(
                "Some choices have marks and some correct ones do not: choose the marks for every "
                "correct choice, or set them all to “by the tick”."
            )
        total = sum(c.weight for c in choices if c.weight is not None and c.weight > 0)
        if abs(total - 100) > SUM_TOLERANCE:
            return _(
                "The marks of the correct choices add up to %(total)s %%. Make them add up to 100 %%, "
                "so that choosing every correct answer gives full marks.",
                total=weight_text(total),
            )
        return None

    def grade(self, question: Question, answer: Any) -> Graded:
        chosen = set(answer)
        if any(c.weight is not None for c in question.choices):
            # An unweighted choice in a weighted question gives nothing, right or wrong.
            score = clamp(sum((c.weight or 0.0) for c in question.choices if c.id in chosen) / 100.0)
        else:
            right = {c.id for c in question.choices if c.correct}
            score = 1.0 if chosen == right else 0.0
        return Graded(score, score >= 0.999, self.feedback(question, answer))

    def from_answers(self, answers: list[Answer]) -> list[ChoiceSpec]:
        # Moodle marks right the answers with a fraction above 0.
        return [ChoiceSpec(a.text, a.weight is not None and a.weight > 0, a.weight, a.feedback) for a in answers]

    def to_answers(self, spec: QuestionSpec) -> list[Answer]:
        return [
            Answer(c.text, weight, False, c.feedback)
            for c, weight in zip(spec.choices, shared_weights(spec.choices), strict=True)
        ]


def shared_weights(choices: list[ChoiceSpec]) -> list[float | None]:
    """Weights for every choice: the correct ones without a weight share what the weighted ones
    leave of 100 % (all of it when they leave nothing), as Moodle needs weights here."""
    correct_unweighted = [c for c in choices if c.correct and c.weight is None]
    given = sum(c.weight for c in choices if c.correct and c.weight is not None and c.weight > 0)
    if correct_unweighted:
        share = (100 - given) if given < 100 else 100
        share = round(share / len(correct_unweighted), 5)
    else:
        share = 0
    return [c.weight if c.weight is not None else (share if c.correct else None) for c in choices]
