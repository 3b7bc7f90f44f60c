"""What the choice question types share: choosing among stored choices, and Moodle's fractions.

A choice's fraction of the marks is its weight / 100 when it has one (GIFT ``~%50%``, quiz.yaml
``weight: 50``), else 1 for a correct choice and 0 for another: Moodle's model, where every
answer carries a fraction (question/type/multichoice/question.php).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.errors import FieldErrors
from lms.models import Choice, Question
from lms.questions.base import ChoiceRow, EditorField, InvalidAnswer, QuestionType, yaml_number, yaml_weight
from lms.questions.spec import ChoiceSpec, QuestionSpec


def choice_rows(hint: Any) -> EditorField:
    """The editor's numbered choice rows, with the type's hint on what they need."""
    return EditorField("choices", "choice_rows", _l("Choices"), description=hint)


#: Moodle's grade options in percent, from full marks down (question_bank::fraction_options_full
#: in Moodle's lib/questionlib.php): what its multichoice editor offers for each answer.
MOODLE_GRADES = (
    100.0,
    90.0,
    83.33333,
    80.0,
    75.0,
    70.0,
    66.66667,
    60.0,
    50.0,
    40.0,
    33.33333,
    30.0,
    25.0,
    20.0,
    16.66667,
    14.28571,
    12.5,
    11.11111,
    10.0,
    5.0,
)
#: How far the positive weights of a multiple choice question may be from 100 % in sum: Moodle's
#: seven-digit grades add up to a little off (7 × 14.28571 = 99.99997).
SUM_TOLERANCE = 0.01
_WEIGHT = re.compile(r"-?[0-9]{1,3}(?:\.[0-9]{1,7})?")


def weight_text(weight: float) -> str:
    """A weight as the editor shows and sends it: 50.0 → "50", 83.33333 → "83.33333"."""
    return f"{weight:.5f}".rstrip("0").rstrip(".")


def parse_weight(raw: str) -> float | None:
    """A weight the editor sent ("50", "-33.33333", "50 %") as a number, None for "" (marked by
    the tick). Raises ValueError for anything else, or outside -100..100; ASCII digits only."""
    text = (raw or "").strip().removesuffix("%").strip()
    if not text:
        return None
    if not _WEIGHT.fullmatch(text):
        raise ValueError(text)
    value = float(text)
    if not -100.0 <= value <= 100.0:
        raise ValueError(text)
    return value


def fraction(choice: Choice) -> float:
    """The share of the marks a choice gives (may be below 0 or, in a file, anything to 1)."""
    if choice.weight is not None:
        return choice.weight / 100.0
    return 1.0 if choice.correct else 0.0


class ChoiceQuestion(QuestionType):
    """A question answered by choosing stored choices; the answer is a list of choice ids."""

    macro = "choice_question"
    input_kind = "radio"
    #: True when the learner may choose more than one.
    many = False
    #: The weights (percent) the editor offers for a choice, besides marking it by its tick.
    weight_options: ClassVar[tuple[float, ...]] = MOODLE_GRADES

    # --- marking ---------------------------------------------------------------------------------

    def parse(self, question: Question, raw: list[str]) -> list[int]:
        values = [v for v in raw if v != ""]
        if not values:
            raise InvalidAnswer(_("Choose at least one answer.") if self.many else _("Choose an answer."))
        if not self.many and len(values) > 1:
            raise InvalidAnswer(_("Choose only one answer."), tampered=True)
        valid = {c.id for c in question.choices}
        ids: list[int] = []
        for value in values:
            if not (value.isascii() and value.isdigit()) or int(value) not in valid:
                raise InvalidAnswer(_("That answer is not one of this question's choices."), tampered=True)
            if int(value) not in ids:
                ids.append(int(value))
        return ids

    def feedback(self, question: Question, chosen: list[int]) -> list[str]:
        return [c.feedback for c in question.choices if c.id in chosen and c.feedback]

    def answer_text(self, question: Question, answer: Any) -> str:
        by_id = {c.id: self.display(c.text) for c in question.choices}
        return "; ".join(by_id.get(i, "?") for i in answer)

    def correct_answer(self, question: Question) -> str:
        return "; ".join(self.display(c.text) for c in question.choices if c.correct)

    # --- authoring -------------------------------------------------------------------------------

    def from_editor(self, values: Mapping[str, Any]) -> tuple[list[ChoiceSpec], dict[str, str]]:
        choices: list[ChoiceSpec] = []
        errors: dict[str, str] = {}
        for index, row in enumerate(values.get("choices") or []):
            text, feedback = (row.text or "").strip(), (row.feedback or "").strip()
            if not text:
                if row.correct or feedback or (row.weight or "").strip():
                    errors[f"choices-{index}-text"] = _(
                        "Choice %(n)d has feedback, marks or a tick but has no text. Add the text or clear the row.",
                        n=index + 1,
                    )
                continue
            try:
                weight = parse_weight(row.weight)
            except ValueError:
                errors[f"choices-{index}-weight"] = _("Choose the marks for choice %(n)d from the list.", n=index + 1)
                continue
            choice, problem = self.editor_choice(ChoiceSpec(text, bool(row.correct), weight, feedback), index + 1)
            if problem:
                errors[f"choices-{index}-weight"] = problem
            choices.append(choice)
        problem = self.check(choices) or self.check_weights(choices)
        if problem and not any(key.endswith("-weight") for key in errors):
            errors["choices"] = problem
        return choices, errors

    def editor_choice(self, typed: ChoiceSpec, number: int) -> tuple[ChoiceSpec, str | None]:
        """The choice to store for a row as typed (``typed.weight`` None when marked by its tick),
        and the problem with its tick and weight together, if any. Choice types with weights
        override it."""
        return typed, None

    def check_weights(self, choices: list[ChoiceSpec]) -> str | None:
        """The editor's rule on the weights together (after ``check``); None when they hold."""
        return None

    def to_editor(self, spec: QuestionSpec) -> dict[str, Any]:
        return {
            "choices": [
                ChoiceRow(c.text, c.correct, c.feedback, weight_text(c.weight) if c.weight is not None else "")
                for c in spec.choices
            ]
        }

    def check(self, choices: list[ChoiceSpec]) -> str | None:
        if len(choices) < 2:
            return _("Give at least two choices.")
        return self.check_correct(sum(c.correct for c in choices))

    def check_correct(self, right: int) -> str | None:
        """The type's rule on how many choices are correct."""
        return None

    # --- quiz.yaml -------------------------------------------------------------------------------

    def read_yaml(self, item: Mapping[str, Any], where: str) -> list[ChoiceSpec]:
        raw = item.get("choices")
        if not isinstance(raw, list) or len(raw) < 2:
            raise FieldErrors({f"{where}.choices": _("Give at least two choices.")})
        choices = []
        for j, choice in enumerate(raw):
            if not isinstance(choice, dict) or not str(choice.get("text") or "").strip():
                raise FieldErrors({f"{where}.choices[{j}]": _("each choice needs text")})
            choices.append(
                ChoiceSpec(
                    str(choice["text"]).strip(),
                    correct=bool(choice.get("correct")),
                    weight=yaml_weight(choice, f"{where}.choices[{j}]"),
                    feedback=str(choice.get("feedback") or "").strip(),
                )
            )
        return choices

    def write_yaml(self, spec: QuestionSpec) -> dict[str, Any]:
        out = []
        for c in spec.choices:
            choice: dict[str, Any] = {"text": c.text}
            if c.correct:
                choice["correct"] = True
            if c.weight is not None:
                choice["weight"] = yaml_number(c.weight)
            if c.feedback:
                choice["feedback"] = c.feedback
            out.append(choice)
        return {"choices": out}
