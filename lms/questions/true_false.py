"""True or false: a statement the learner judges (Moodle's truefalse).

Stored as two choices, texts "True" and "False" (shown translated), one of them correct, each
with the feedback for a learner who picks it. Marking: 1 for the correct one, 0 for the other.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.errors import FieldErrors
from lms.models import Question
from lms.questions.base import EditorField, Graded
from lms.questions.choices import ChoiceQuestion
from lms.questions.spec import Answer, ChoiceSpec, QuestionSpec

#: The two stored texts and how people read them.
_SHOWN = {"True": _l("True"), "False": _l("False")}


def _value(choices: list[ChoiceSpec]) -> tuple[bool, ChoiceSpec, ChoiceSpec]:
    """Whether the statement is true, and the True and False choices (empty ones if missing)."""
    by_text = {c.text.lower(): c for c in choices}
    true, false = by_text.get("true"), by_text.get("false")
    value = bool(true.correct) if true is not None else not (false is not None and false.correct)
    return value, true or ChoiceSpec("True", value), false or ChoiceSpec("False", not value)


def _choices(value: bool, feedback_true: str, feedback_false: str) -> list[ChoiceSpec]:
    return [
        ChoiceSpec("True", correct=value, feedback=feedback_true),
        ChoiceSpec("False", correct=not value, feedback=feedback_false),
    ]


class TrueFalse(ChoiceQuestion):
    name = "true_false"
    label = _l("True or false")
    input_kind = "radio"
    editor = (
        EditorField("answer", "radio", _l("The statement is"), options=(("true", _l("True")), ("false", _l("False")))),
        EditorField("feedback_true", "text", _l("Feedback when the learner answers True")),
        EditorField("feedback_false", "text", _l("Feedback when the learner answers False")),
    )
    moodle_qtype = "truefalse"

    def display(self, text: str) -> str:
        return str(_SHOWN.get(text, text))

    def grade(self, question: Question, answer: Any) -> Graded:
        correct = any(c.correct for c in question.choices if c.id in answer)
        return Graded(1.0 if correct else 0.0, correct, self.feedback(question, answer))

    # --- authoring -------------------------------------------------------------------------------

    def from_editor(self, values: Mapping[str, Any]) -> tuple[list[ChoiceSpec], dict[str, str]]:
        answer = values.get("answer") or ""
        errors = {}
        if answer not in ("true", "false"):
            errors["answer"] = _("Choose whether the statement is true or false.")
        return _choices(
            answer == "true", (values.get("feedback_true") or "").strip(), (values.get("feedback_false") or "").strip()
        ), errors

    def to_editor(self, spec: QuestionSpec) -> dict[str, Any]:
        value, true, false = _value(spec.choices)
        return {
            "answer": "true" if value else "false",
            "feedback_true": true.feedback,
            "feedback_false": false.feedback,
        }

    def check(self, choices: list[ChoiceSpec]) -> str | None:
        return None  # always the two choices, one of them correct

    # --- quiz.yaml -------------------------------------------------------------------------------

    def read_yaml(self, item: Mapping[str, Any], where: str) -> list[ChoiceSpec]:
        answer = item.get("answer")
        if not isinstance(answer, bool):
            raise FieldErrors({f"{where}.answer": _("true/false questions need answer: true or false")})
        return _choices(answer, str(item.get("feedback_true") or ""), str(item.get("feedback_false") or ""))

    def write_yaml(self, spec: QuestionSpec) -> dict[str, Any]:
        value, true, false = _value(spec.choices)
        out: dict[str, Any] = {"answer": value}
        if true.feedback:
            out["feedback_true"] = true.feedback
        if false.feedback:
            out["feedback_false"] = false.feedback
        return out

    # --- exchange formats ------------------------------------------------------------------------

    def from_answers(self, answers: list[Answer]) -> list[ChoiceSpec]:
        by_text = {a.text.lower(): a for a in answers}
        true, false = by_text.get("true") or Answer("True"), by_text.get("false") or Answer("False")
        value = true.weight == 100 if true.weight is not None else true.right
        return _choices(value, true.feedback, false.feedback)

    def to_answers(self, spec: QuestionSpec) -> list[Answer]:
        """Always two answers, True then False, the true statement's one marked right."""
        value, true, false = _value(spec.choices)
        return [
            Answer("True", right=value, feedback=true.feedback),
            Answer("False", right=not value, feedback=false.feedback),
        ]
