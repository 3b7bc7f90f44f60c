"""Single choice: the learner picks one of the choices (Moodle's multichoice, "one answer only").

Marking is Moodle's: the question scores the chosen choice's fraction, so a GIFT ``~%50%`` answer
scores half the marks (qtype_multichoice_single_question::grade_response). Sala keeps every
question's score within 0..1: a negative weight scores 0 instead of taking marks from the other
questions, as Moodle would.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.models import Question
from lms.questions.base import Graded, clamp
from lms.questions.choices import ChoiceQuestion, choice_rows, fraction, weight_text
from lms.questions.spec import Answer, ChoiceSpec, QuestionSpec


class SingleChoice(ChoiceQuestion):
    name = "single"
    label = _l("Single choice")
    input_kind = "radio"
    editor = (
        choice_rows(
            _l(
                "Fill in at least two rows and tick exactly one correct answer. To give part of the "
                "marks for another choice, choose its marks, as in Moodle (for example 50 %)."
            )
        ),
    )
    moodle_qtype = "multichoice"
    moodle_single = True

    def check_correct(self, right: int) -> str | None:
        return _("Mark exactly one choice as correct.") if right != 1 else None

    def editor_choice(self, typed: ChoiceSpec, number: int) -> tuple[ChoiceSpec, str | None]:
        # A weight of 100 % is the correct answer and 0 % a wrong one: stored as a tick alone, as
        # GIFT's = and ~ are, so only partial credit keeps a weight.
        if typed.weight is None:
            return typed, None
        if typed.correct and typed.weight != 100:
            return typed, _(
                "Choice %(n)d is ticked as the correct answer, which gives full marks: choose 100 %% or "
                "“by the tick”, or untick it to give %(weight)s %% of the marks.",
                n=number,
                weight=weight_text(typed.weight),
            )
        full = typed.weight == 100
        weight = None if typed.weight in (0, 100) else typed.weight
        return ChoiceSpec(typed.text, full, weight, typed.feedback), None

    def grade(self, question: Question, answer: Any) -> Graded:
        chosen = [c for c in question.choices if c.id in answer]
        score = clamp(max((fraction(c) for c in chosen), default=0.0))
        return Graded(score, score >= 0.999, self.feedback(question, answer))

    def from_answers(self, answers: list[Answer]) -> list[ChoiceSpec]:
        # Correct = full marks: "=" without a weight, or a weight of 100 (a lower one is partial credit).
        return [
            ChoiceSpec(a.text, a.weight == 100 if a.weight is not None else a.right, a.weight, a.feedback)
            for a in answers
        ]

    def to_answers(self, spec: QuestionSpec) -> list[Answer]:
        return [Answer(c.text, c.weight, c.correct, c.feedback) for c in spec.choices]
