"""The question types Sala knows, by stored name: the one place a type is added.

Adding a type is one new module with a QuestionType subclass and one line in ``_BUILT_IN`` below
(docs/question-types.md); nothing else names a type. Everything that asks "what kind of
question is this?" (the editor, quiz.yaml, GIFT, the learner's page, marking, results) asks the
registry for the type and the type for the answer.
"""

from __future__ import annotations

from lms.models import Question
from lms.questions.base import QuestionType
from lms.questions.multiple import MultipleChoice
from lms.questions.short_text import ShortText
from lms.questions.single import SingleChoice
from lms.questions.true_false import TrueFalse

#: Name → type, in the order trainers are offered them. Tests add a type with monkeypatch.setitem.
REGISTRY: dict[str, QuestionType] = {}


def register(qtype: QuestionType) -> QuestionType:
    """Add a type under its name. Raises ValueError when the name is taken."""
    if qtype.name in REGISTRY:
        raise ValueError(f"a question type named {qtype.name!r} is already registered")
    REGISTRY[qtype.name] = qtype
    return qtype


def find(name: object) -> QuestionType | None:
    """The type with that stored name, or None (for names read from files and URLs)."""
    return REGISTRY.get(name) if isinstance(name, str) else None


def get(name: str) -> QuestionType:
    """The type with that stored name. Raises KeyError for a name that is not registered."""
    return REGISTRY[name]


def type_of(question: Question) -> QuestionType:
    """The type of a stored question."""
    return REGISTRY[question.type]


def all_types() -> list[QuestionType]:
    return list(REGISTRY.values())


def names() -> list[str]:
    return list(REGISTRY)


def for_moodle(qtype: str, single: bool | None = None) -> QuestionType | None:
    """The first registered type exchanged as Moodle's ``qtype`` (for "multichoice", the one
    with that ``single``), or None: how the GIFT, Moodle XML and Aiken readers pick a
    type for a question they read."""
    for candidate in REGISTRY.values():
        if candidate.moodle_qtype == qtype and (single is None or candidate.moodle_single in (None, single)):
            return candidate
    return None


_BUILT_IN = (SingleChoice(), MultipleChoice(), TrueFalse(), ShortText())
for _qtype in _BUILT_IN:
    register(_qtype)
