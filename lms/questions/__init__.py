"""Quiz questions, apart from any page: the question-type registry, the plain question spec,
writing specs onto rows, and the exchange formats (GIFT, Moodle XML, Aiken).

A domain library (pages → services → domain → models): it may use models, never services or
blueprints. The layout::

    base.py        the QuestionType interface, Graded, InvalidAnswer, EditorField
    registry.py    name → type; the one place a type is added (docs/question-types.md)
    choices.py     what the choice types share (choosing, Moodle's fractions)
    single.py multiple.py true_false.py short_text.py   one module per type
    spec.py        QuestionSpec, ChoiceSpec, Answer: plain data
    store.py       specs onto Question/Choice rows and back
    gift/          GIFT lexer, reader and writer
    moodle_xml/    Moodle XML reader (defusedxml) and writer
    aiken.py       Aiken reader
    problems.py    QuestionFileError, ImportProblem, ImportResult: what every reader reports
    encoding.py    file bytes to text (UTF-8, else Windows-1252 with a warning)
    plain_text.py  Moodle's HTML texts as plain text
"""

from lms.questions.base import ChoiceRow, EditorField, Graded, InvalidAnswer, QuestionType, normalize_text
from lms.questions.registry import all_types, find, for_moodle, get, names, register, type_of
from lms.questions.spec import Answer, ChoiceSpec, QuestionSpec
from lms.questions.store import fill_question, fill_questions, spec_of

__all__ = [
    "Answer",
    "ChoiceRow",
    "ChoiceSpec",
    "EditorField",
    "Graded",
    "InvalidAnswer",
    "QuestionSpec",
    "QuestionType",
    "all_types",
    "fill_question",
    "fill_questions",
    "find",
    "for_moodle",
    "get",
    "names",
    "normalize_text",
    "register",
    "spec_of",
    "type_of",
]
