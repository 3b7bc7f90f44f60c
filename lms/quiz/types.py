"""Question types: each knows how to read a submitted answer and how to grade it.

Adding a type means adding one class here and registering it; templates read `input_type`.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from flask_babel import gettext as _

from lms.models import Question


class InvalidAnswer(Exception):
    """The submitted value cannot be an answer. `tampered` = no honest form could send it."""

    def __init__(self, message: str, tampered: bool = False):
        super().__init__(message)
        self.message, self.tampered = message, tampered


@dataclass
class Graded:
    score: float  # 0..1
    correct: bool
    #: Feedback lines for the learner, most specific first.
    feedback: list[str] = field(default_factory=list)


def _choice_ids(question: Question, raw: list[str], *, many: bool) -> list[int]:
    values = [v for v in raw if v != ""]
    if not values:
        raise InvalidAnswer(_("Choose an answer.") if not many else _("Choose at least one answer."))
    if not many and len(values) > 1:
        raise InvalidAnswer(_("Choose only one answer."), tampered=True)
    valid = {c.id for c in question.choices}
    ids: list[int] = []
    for value in values:
        if not value.isdigit() or int(value) not in valid:
            raise InvalidAnswer(_("That answer is not one of this question's choices."), tampered=True)
        if int(value) not in ids:
            ids.append(int(value))
    return ids


def _choice_feedback(question: Question, chosen: list[int]) -> list[str]:
    return [c.feedback for c in question.choices if c.id in chosen and c.feedback]


class SingleChoice:
    name = "single"
    input_type = "radio"

    def parse(self, question: Question, raw: list[str]):
        return _choice_ids(question, raw, many=False)

    def grade(self, question: Question, answer) -> Graded:
        correct = any(c.correct for c in question.choices if c.id in answer)
        return Graded(1.0 if correct else 0.0, correct, _choice_feedback(question, answer))

    def correct_answer(self, question: Question) -> str:
        return "; ".join(c.text for c in question.choices if c.correct)


class TrueFalse(SingleChoice):
    name = "true_false"


class MultipleChoice(SingleChoice):
    name = "multiple"
    input_type = "checkbox"

    def parse(self, question: Question, raw: list[str]):
        return _choice_ids(question, raw, many=True)

    def grade(self, question: Question, answer) -> Graded:
        chosen = set(answer)
        if any(c.weight is not None for c in question.choices):
            # Moodle's rule for weighted answers: add the weights chosen, keep within 0..100 %.
            total = sum((c.weight or 0.0) for c in question.choices if c.id in chosen)
            score = max(0.0, min(100.0, total)) / 100.0
        else:
            right = {c.id for c in question.choices if c.correct}
            score = 1.0 if chosen == right else 0.0
        return Graded(score, score >= 0.999, _choice_feedback(question, answer))


def normalize_text(text: str) -> str:
    """Case-, width- and space-insensitive form used to compare short answers."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


class ShortText:
    name = "short_text"
    input_type = "text"
    max_length = 500

    def parse(self, question: Question, raw: list[str]):
        text = (raw[0] if raw else "").strip()
        if len(raw) > 1:
            raise InvalidAnswer(_("Send one answer."), tampered=True)
        if not text:
            raise InvalidAnswer(_("Type an answer."))
        if len(text) > self.max_length:
            raise InvalidAnswer(_("Keep the answer under %(n)d characters.", n=self.max_length))
        return text

    def grade(self, question: Question, answer) -> Graded:
        # GIFT keeps answers weighted 0 or less (correct=False) for their feedback only: matching
        # one never scores. A weight between 0 and 100 on an answer gives partial credit.
        given = normalize_text(answer)
        for choice in question.choices:
            if normalize_text(choice.text) == given:
                feedback = [choice.feedback] if choice.feedback else []
                if choice.weight is not None:
                    score = max(0.0, min(100.0, choice.weight)) / 100.0
                else:
                    score = 1.0 if choice.correct else 0.0
                return Graded(score, choice.correct and score >= 0.999, feedback)
        return Graded(0.0, False, [])

    def correct_answer(self, question: Question) -> str:
        return " / ".join(c.text for c in question.choices if c.correct)


REGISTRY = {t.name: t for t in (SingleChoice(), MultipleChoice(), TrueFalse(), ShortText())}


def type_of(question: Question):
    return REGISTRY[question.type]
