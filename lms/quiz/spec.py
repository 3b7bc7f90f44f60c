"""Plain data for quiz questions, shared by the content loader, the GIFT importer and exporter,
and the authoring screens. Nothing here touches the database."""
from __future__ import annotations

from dataclasses import dataclass, field

#: The question types Sala supports, by their stored name.
QUESTION_TYPES = ("single", "multiple", "true_false", "short_text")


@dataclass
class ChoiceSpec:
    """One choice of a choice question, or one accepted answer of a short-text question."""

    text: str
    correct: bool = False
    #: Moodle-style weight in percent (-100..100) for multiple-answer questions; None = not given.
    weight: float | None = None
    feedback: str = ""


@dataclass
class QuestionSpec:
    """A question as authored, before it is stored.

    For ``true_false`` the choices are exactly two, texts "True" and "False".
    For ``short_text`` every choice is an accepted answer (compared case-insensitively).
    """

    type: str
    prompt: str
    title: str = ""
    choices: list[ChoiceSpec] = field(default_factory=list)
    #: General feedback shown after answering, whatever the answer.
    feedback: str = ""
    #: Line in the source file where the question starts (for error messages); 0 = unknown.
    line: int = 0
