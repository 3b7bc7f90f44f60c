"""What a question type is: the interface every type in the registry implements.

A question type is one class in its own module (single.py, multiple.py, true_false.py,
short_text.py), registered in lms.questions.registry. It owns everything that differs between
types, so no other module spells out a type's name (DESIGN.md convention 7; modelled on CTFd's
challenge types, CTFd/plugins/challenges/__init__.py, where each type brings its templates and
its create / read / attempt hooks). docs/question-types.md shows how to add one.

What a type declares, by who asks:

* everyone: ``name`` (stored in Question.type and in quiz.yaml ``type:``) and ``label``;
* the quiz editor: ``editor`` (its form fields beyond prompt, general feedback and short name),
  ``from_editor`` / ``to_editor`` and ``merge_edit``; ``check`` holds the rules its answers
  must meet, shared by the editor and quiz.yaml;
* the course files: ``read_yaml`` / ``write_yaml`` (its keys of a quiz.yaml question);
* the exchange formats (GIFT, Moodle XML, Aiken): ``moodle_qtype`` / ``moodle_single``
  say which Moodle question type it travels as, ``from_answers`` / ``to_answers`` map its
  choices to Moodle's answers (text, % weight, feedback) and back;
* the learner's page: ``macro`` (in templates/quiz/_questions.html), ``input_kind``,
  ``learner_hint`` and ``display`` (how a stored choice text is shown);
* marking: ``parse`` a submitted answer, ``grade`` it with Moodle's fractions, and
  ``answer_text`` / ``correct_answer`` for the result page.
"""

from __future__ import annotations

import re
import unicodedata
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from flask_babel import gettext as _

from lms.errors import FieldErrors
from lms.models import Question
from lms.questions.spec import Answer, ChoiceSpec, QuestionSpec


class InvalidAnswer(Exception):
    """The submitted value cannot be an answer. `tampered` = no honest form could send it."""

    def __init__(self, message: str, tampered: bool = False):
        super().__init__(message)
        self.message, self.tampered = message, tampered


@dataclass
class Graded:
    #: The share of the question's marks, 0..1 (Moodle's fraction).
    score: float
    #: Full marks (Moodle's "graded right": a fraction of 1).
    correct: bool
    #: Feedback lines for the learner, most specific first.
    feedback: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class EditorField:
    """One field of a type's authoring form, beyond the prompt, general feedback and short name.

    ``kind`` says which form field the quiz editor builds and how its page shows it
    (lms/quizauthor/forms.py, templates/quizauthor/question.html):

    * "choice_rows": numbered rows of choice text, a "correct" tick, a weight (the type's
      ``weight_options``) and feedback; the value is a list of :class:`ChoiceRow`;
    * "radio": one of ``options`` ((value, label) pairs), shown as a fieldset of radio buttons;
    * "text": one line of text; "textarea": several lines (``rows`` high).
    """

    name: str
    kind: str
    label: Any
    description: Any = None
    options: tuple[tuple[str, Any], ...] = ()
    rows: int = 4


@dataclass
class ChoiceRow:
    """One row of the editor's "choice_rows" field, as typed. ``weight`` is the row's share of the
    marks in percent as the form sends it ("50", "-33.33333"), or "" to mark it by ``correct``."""

    text: str = ""
    correct: bool = False
    feedback: str = ""
    weight: str = ""


#: Invisible characters a keyboard or a copied text may leave inside a word (ZWSP, ZWNJ, ZWJ,
#: word joiner, BOM): Khmer authors type ZWSP to mark word breaks, learners never do.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
#: Khmer digits ០-៩ read as 0-9 (NFKC leaves them apart).
_KHMER_DIGITS = {0x17E0 + n: str(n) for n in range(10)}
#: Spaces next to a Khmer letter: Khmer writes no spaces between words, and where writers put
#: one (between phrases) is a matter of style, so it never decides whether an answer is right.
_KHMER_SPACE = re.compile(r"(?<=[\u1780-\u17ff])\s+|\s+(?=[\u1780-\u17ff])")


def normalize_text(text: str) -> str:
    """Case-, width- and space-insensitive form used to compare typed answers (NFKC, casefold).

    For Khmer also: invisible joiners and zero-width spaces dropped, spaces beside Khmer letters
    dropped, Khmer digits read as ASCII, and subscript DA (COENG + DA, U+17D2 U+178A) read as
    subscript TA (COENG + TA, U+17D2 U+178F): the two look alike and writers use either (Unicode
    Standard, chapter 16, Khmer)."""
    text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE).translate(_KHMER_DIGITS)
    text = _KHMER_SPACE.sub("", text.replace("\u17d2\u178a", "\u17d2\u178f"))
    return " ".join(text.casefold().split())


def clamp(fraction: float) -> float:
    """A fraction within 0..1: Sala never lets one question take marks from another."""
    return max(0.0, min(1.0, fraction))


# --- quiz.yaml helpers shared by the types ------------------------------------------------------


def yaml_weight(item: Mapping, where: str) -> float | None:
    """A Moodle-style % weight (-100..100), kept so GIFT partial credit survives a course zip.

    Raises FieldErrors({"<where>.weight": message}) for anything but a number in range."""
    weight = item.get("weight")
    if weight is None:
        return None
    if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not -100 <= weight <= 100:
        raise FieldErrors({f"{where}.weight": _("weight must be a number from -100 to 100 (a percentage)")})
    return float(weight)


def yaml_number(value: float) -> int | float:
    """50.0 is written 50: the YAML stays as a person would write it."""
    return int(value) if float(value).is_integer() else value


class QuestionType(ABC):
    """One kind of question. Instances hold no state: the registry keeps one of each."""

    #: The stored name: Question.type, quiz.yaml ``type:``, the editor's URL.
    name: ClassVar[str]
    #: What trainers call it ("Single choice"), a lazy gettext string.
    label: ClassVar[Any]
    #: The macro in templates/quiz/_questions.html that shows it to learners.
    macro: ClassVar[str]
    #: The HTML input the learner answers with: "radio", "checkbox" or "text".
    input_kind: ClassVar[str]
    #: A hint under the question for learners ("Choose all that apply."), or None.
    learner_hint: ClassVar[Any] = None
    #: The editor's fields for this type, in page order.
    editor: ClassVar[tuple[EditorField, ...]] = ()
    #: The Moodle question type it is exchanged as ("multichoice", "truefalse", "shortanswer"),
    #: and for "multichoice" whether one answer only; None = no exchange format can carry it.
    moodle_qtype: ClassVar[str | None] = None
    moodle_single: ClassVar[bool | None] = None

    # --- learner's page -------------------------------------------------------------------------

    def display(self, text: str) -> str:
        """A stored choice or answer text as people read it (true/false translates its two)."""
        return text

    # --- authoring -------------------------------------------------------------------------------

    @abstractmethod
    def from_editor(self, values: Mapping[str, Any]) -> tuple[list[ChoiceSpec], dict[str, str]]:
        """The choices the editor's fields (``values`` by EditorField name) describe, and the
        problems found as {form field id: message} ("choices-2-text" for a row's field)."""

    @abstractmethod
    def to_editor(self, spec: QuestionSpec) -> dict[str, Any]:
        """The editor's field values for a stored question: the reverse of ``from_editor``."""

    @abstractmethod
    def check(self, choices: list[ChoiceSpec]) -> str | None:
        """The first rule the choices break, as a message for the trainer; None when all hold.
        The editor and quiz.yaml apply the same rules (GIFT follows Moodle's own)."""

    def merge_edit(self, stored: list[ChoiceSpec], edited: list[ChoiceSpec]) -> list[ChoiceSpec]:
        """The choices to store when the editor saves ``edited`` over ``stored``; the editor
        does not show everything a type may hold (weights, answers kept for feedback)."""
        return edited

    # --- quiz.yaml -------------------------------------------------------------------------------

    @abstractmethod
    def read_yaml(self, item: Mapping[str, Any], where: str) -> list[ChoiceSpec]:
        """The choices of one quiz.yaml question (``item``, named ``where`` as "questions[2]").

        Raises FieldErrors({"<where>.<key>": message}) naming the first key that is wrong; the
        loader turns it into a ContentError with the file's path."""

    @abstractmethod
    def write_yaml(self, spec: QuestionSpec) -> dict[str, Any]:
        """This type's keys of a quiz.yaml question (the loader adds type, title, prompt and
        feedback); ``read_yaml`` reads them back to the same choices."""

    # --- exchange formats (GIFT, Moodle XML, Aiken) --------------------------------------

    @abstractmethod
    def from_answers(self, answers: list[Answer]) -> list[ChoiceSpec]:
        """Choices from a Moodle question's answers, marked ``correct`` by this type's rule."""

    @abstractmethod
    def to_answers(self, spec: QuestionSpec) -> list[Answer]:
        """Moodle's answers for the question; ``from_answers`` reads them back to its choices."""

    # --- marking ---------------------------------------------------------------------------------

    @abstractmethod
    def parse(self, question: Question, raw: list[str]) -> Any:
        """The answer in the form values sent for the question (JSON-able: it is stored on the
        attempt). Raises InvalidAnswer."""

    @abstractmethod
    def grade(self, question: Question, answer: Any) -> Graded:
        """The share of the marks the answer earns and the feedback it gets."""

    @abstractmethod
    def answer_text(self, question: Question, answer: Any) -> str:
        """A stored answer as the result page shows it."""

    @abstractmethod
    def correct_answer(self, question: Question) -> str:
        """What earns full marks, as the result page shows it."""
