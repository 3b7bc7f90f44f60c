"""What the choice question types share: choosing among stored choices, and Moodle's fractions.

A choice's fraction of the marks is its weight / 100 when it has one (GIFT ``~%50%``, quiz.yaml
``weight: 50``), else 1 for a correct choice and 0 for another: Moodle's model, where every
answer carries a fraction (question/type/multichoice/question.php).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.errors import FieldErrors
from lms.models import Choice, Question
from lms.questions.base import ChoiceRow, EditorField, InvalidAnswer, QuestionType, yaml_number, yaml_weight
from lms.questions.spec import ChoiceSpec, QuestionSpec


def choice_rows(hint: Any) -> EditorField:
    """The editor's numbered choice rows, with the type's hint on what they need."""
    return EditorField("choices", "choice_rows", _l("Choices"), description=hint)


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
                if row.correct or feedback:
                    errors[f"choices-{index}-text"] = _(
                        "Choice %(n)d has feedback or is marked correct but has no text. "
                        "Add the text or clear the row.",
                        n=index + 1,
                    )
                continue
            choices.append(ChoiceSpec(text=text, correct=bool(row.correct), feedback=feedback))
        problem = self.check(choices)
        if problem:
            errors["choices"] = problem
        return choices, errors

    def to_editor(self, spec: QuestionSpec) -> dict[str, Any]:
        return {"choices": [ChoiceRow(c.text, c.correct, c.feedback) for c in spec.choices]}

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
