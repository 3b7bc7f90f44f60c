"""Plain data for quiz questions, shared by the question types, the content loader and exporter,
the GIFT reader and writer, and the authoring screens. Nothing here touches the database."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ChoiceSpec:
    """One choice of a choice question, or one accepted answer of a short-text question."""

    text: str
    correct: bool = False
    #: Moodle-style weight in percent (-100..100): the share of the question's marks this answer
    #: gives (Moodle's "fraction" × 100); None = not given, the type's own rule marks it.
    weight: float | None = None
    feedback: str = ""


@dataclass
class QuestionSpec:
    """A question as authored, before it is stored.

    ``type`` is a registered question type's name (lms.questions.registry). What the choices
    hold depends on the type: for a true/false question they are exactly two, texts "True" and
    "False"; for a short-text question every choice is an answer compared with the learner's.
    """

    type: str
    prompt: str
    title: str = ""
    choices: list[ChoiceSpec] = field(default_factory=list)
    #: General feedback shown after answering, whatever the answer.
    feedback: str = ""
    #: Line in the source file where the question starts (for error messages); 0 = unknown.
    line: int = 0


@dataclass
class Answer:
    """One answer as the question exchange formats write it, in Moodle's model of a question.

    GIFT, Moodle XML and Aiken all describe Moodle's question types, whose answers each carry a
    text, a fraction of the marks and feedback (Moodle: question/type/questiontypebase.php,
    question_answer). A format reader builds these from its syntax and asks the question type to
    turn them into choices (``QuestionType.from_answers``); a writer asks for them
    (``QuestionType.to_answers``) and writes its syntax.
    """

    text: str
    #: The % weight as the file writes it (Moodle's fraction × 100); None when it gives none.
    weight: float | None = None
    #: The file marks the answer right without a weight: GIFT's "=" (against "~"), Aiken's
    #: ANSWER line. What that means is the question type's rule.
    right: bool = False
    feedback: str = ""
