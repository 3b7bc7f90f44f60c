"""Short answer: the learner types a word or phrase (Moodle's shortanswer).

Every stored choice is an answer compared with what the learner typed, ignoring case, width and
runs of spaces (:func:`~lms.questions.base.normalize_text`). An answer weighted 0 or less is
never accepted: GIFT and quiz.yaml keep it for the feedback it gives ("=%0%*#..." is Moodle's
"any other answer"). A weight between 0 and 100 gives partial credit.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.errors import FieldErrors
from lms.models import Question
from lms.questions.base import (
    EditorField,
    Graded,
    InvalidAnswer,
    QuestionType,
    clamp,
    normalize_text,
    yaml_number,
    yaml_weight,
)
from lms.questions.spec import Answer, ChoiceSpec, QuestionSpec


class ShortText(QuestionType):
    name = "short_text"
    label = _l("Short answer")
    macro = "text_question"
    input_kind = "text"
    #: The longest answer a learner may send, in characters.
    max_length = 500
    editor = (
        EditorField(
            "accepted",
            "textarea",
            _l("Accepted answers"),
            description=_l("One answer per line. Capital letters and extra spaces do not matter."),
        ),
    )
    moodle_qtype = "shortanswer"

    # --- marking ---------------------------------------------------------------------------------

    def parse(self, question: Question, raw: list[str]) -> str:
        text = (raw[0] if raw else "").strip()
        if len(raw) > 1:
            raise InvalidAnswer(_("Send one answer."), tampered=True)
        if not text:
            raise InvalidAnswer(_("Type an answer."))
        if len(text) > self.max_length:
            raise InvalidAnswer(_("Keep the answer under %(n)d characters.", n=self.max_length))
        return text

    def grade(self, question: Question, answer: Any) -> Graded:
        given = normalize_text(answer)
        for choice in question.choices:
            if normalize_text(choice.text) == given:
                feedback = [choice.feedback] if choice.feedback else []
                if choice.weight is not None:
                    score = clamp(choice.weight / 100.0)
                else:
                    score = 1.0 if choice.correct else 0.0
                return Graded(score, choice.correct and score >= 0.999, feedback)
        return Graded(0.0, False, [])

    def answer_text(self, question: Question, answer: Any) -> str:
        return str(answer)

    def correct_answer(self, question: Question) -> str:
        return " / ".join(c.text for c in question.choices if c.correct)

    # --- authoring -------------------------------------------------------------------------------

    def from_editor(self, values: Mapping[str, Any]) -> tuple[list[ChoiceSpec], dict[str, str]]:
        choices: list[ChoiceSpec] = []
        seen: set[str] = set()
        for line in (values.get("accepted") or "").splitlines():
            answer = line.strip()
            if answer and answer.casefold() not in seen:
                seen.add(answer.casefold())
                choices.append(ChoiceSpec(answer, correct=True))
        if not choices:
            return choices, {"accepted": _("Give at least one accepted answer, one per line.")}
        return choices, {}

    def to_editor(self, spec: QuestionSpec) -> dict[str, Any]:
        return {"accepted": "\n".join(c.text for c in spec.choices if c.correct)}

    def merge_edit(self, stored: list[ChoiceSpec], edited: list[ChoiceSpec]) -> list[ChoiceSpec]:
        # The editor lists accepted answers only: keep the wrong ones stored for their feedback.
        return edited + [ChoiceSpec(c.text, False, c.weight, c.feedback) for c in stored if not c.correct]

    def check(self, choices: list[ChoiceSpec]) -> str | None:
        if not any(c.correct for c in choices):
            return _("Give at least one accepted answer: one with no weight or a weight above 0.")
        return None

    # --- quiz.yaml -------------------------------------------------------------------------------

    def read_yaml(self, item: Mapping[str, Any], where: str) -> list[ChoiceSpec]:
        answers = item.get("answers")
        if not isinstance(answers, list) or not answers:
            raise FieldErrors({f"{where}.answers": _("short-text questions need a list of accepted answers")})
        return [_yaml_answer(answer, f"{where}.answers[{j}]") for j, answer in enumerate(answers)]

    def write_yaml(self, spec: QuestionSpec) -> dict[str, Any]:
        # Plain text for a plain accepted answer; a mapping keeps a GIFT weight or feedback, and the
        # wrong answers (weight 0 or less) that are there only for their feedback.
        return {
            "answers": [
                c.text
                if c.correct and c.weight is None and not c.feedback
                else {
                    "text": c.text,
                    **(
                        {"weight": yaml_number(c.weight)}
                        if c.weight is not None
                        else {}
                        if c.correct
                        else {"weight": 0}
                    ),
                    **({"feedback": c.feedback} if c.feedback else {}),
                }
                for c in spec.choices
            ]
        }

    # --- exchange formats ------------------------------------------------------------------------

    def from_answers(self, answers: list[Answer]) -> list[ChoiceSpec]:
        return [
            ChoiceSpec(a.text, a.weight > 0 if a.weight is not None else a.right, a.weight, a.feedback) for a in answers
        ]

    def to_answers(self, spec: QuestionSpec) -> list[Answer]:
        # A wrong answer without a weight is written with 0 %: every shortanswer answer is "=".
        return [
            Answer(c.text, c.weight if c.weight is not None else (None if c.correct else 0), True, c.feedback)
            for c in spec.choices
        ]


def _yaml_answer(answer: Any, where: str) -> ChoiceSpec:
    """An answer: plain text, or a mapping with text, weight and feedback."""
    if isinstance(answer, (str, int)) and not isinstance(answer, bool) and str(answer).strip():
        return ChoiceSpec(str(answer).strip(), correct=True)
    if not isinstance(answer, dict) or not str(answer.get("text") or "").strip():
        raise FieldErrors({where: _("each answer is text, or a mapping with text (and weight or feedback)")})
    weight = yaml_weight(answer, where)
    return ChoiceSpec(
        str(answer["text"]).strip(),
        correct=weight is None or weight > 0,
        weight=weight,
        feedback=str(answer.get("feedback") or "").strip(),
    )
