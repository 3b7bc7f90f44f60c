"""GIFT writing: questions as a GIFT file that Moodle, and :func:`parse_gift`, read back.

Each question type gives its answers in Moodle's model (``QuestionType.to_answers``); the writer
writes them in the syntax of the Moodle type it travels as: ``{TRUE#wrong#right}`` for
truefalse, one ``=`` / ``~`` answer a line, with its ``%weight%`` and ``#feedback``, otherwise.
"""

from __future__ import annotations

from lms.questions import registry
from lms.questions.gift.lexer import BLANK, FORMAT_RE, WEIGHT_RE
from lms.questions.spec import Answer, QuestionSpec

#: The Moodle types GIFT has a syntax for that this writer writes.
_WRITTEN = ("multichoice", "truefalse", "shortanswer")

_EXPORT_ESCAPES = str.maketrans(
    {
        "\\": "\\\\",
        ":": "\\:",
        "#": "\\#",
        "=": "\\=",
        "{": "\\{",
        "}": "\\}",
        "~": "\\~",
        "\n": "\\n",
    }
)


def _escape(text: str, leading: bool = True) -> str:
    """A text for GIFT: control characters escaped, all on one line.

    At the start of a text, a leading "[html]" would be read as a format marker, "%50%" as a
    weight and "//" as a comment: a "[moodle]" marker goes before them, which the reader drops.
    """
    out = text.translate(_EXPORT_ESCAPES)
    start = out.lstrip()
    if leading and (FORMAT_RE.match(start) or WEIGHT_RE.match(start) or start.startswith("//")):
        out = "[moodle]" + out
    return out


def _weight(value: float) -> str:
    return "%" + (str(int(value)) if float(value).is_integer() else repr(float(value))) + "%"


def _answer_line(answer: Answer) -> str:
    mark = ("=" if answer.right else "~") + (_weight(answer.weight) if answer.weight is not None else "")
    return mark + _escape(answer.text) + ("#" + _escape(answer.feedback) if answer.feedback else "")


def _true_false_block(answers: list[Answer], general: str) -> str:
    true, false = answers
    value = true.right
    right, wrong = (true, false) if value else (false, true)
    # Moodle reads the first feedback for a wrong answer and the second for a right one.
    feedback = ""
    if wrong.feedback or right.feedback:
        feedback = "#" + _escape(wrong.feedback)
        if right.feedback:
            feedback += "#" + _escape(right.feedback)
    return "{" + ("TRUE" if value else "FALSE") + feedback + general + "}"


def _answer_block(question: QuestionSpec) -> str:
    qtype = registry.find(question.type)
    if qtype is None or qtype.moodle_qtype not in _WRITTEN:
        raise ValueError(f"GIFT cannot write a question of type {question.type!r}")
    answers = qtype.to_answers(question)
    general = "####" + _escape(question.feedback) if question.feedback else ""
    if qtype.moodle_qtype == "truefalse":
        return _true_false_block(answers, general)
    lines = ["    " + _answer_line(answer) for answer in answers]
    if general:
        lines.append("    " + general)
    return "{\n" + "\n".join(lines) + "\n}"


def export_gift(questions: list[QuestionSpec]) -> str:
    """The questions as a GIFT file that Moodle, and :func:`parse_gift`, read back.

    Raises ValueError for a question whose type GIFT cannot carry."""
    out = []
    for question in questions:
        head = "::" + _escape(question.title) + "::" if question.title else ""
        prompt = question.prompt
        block = _answer_block(question)
        if prompt.count(BLANK) == 1 and not prompt.rstrip().endswith(BLANK):
            before, after = prompt.split(BLANK)
            text = _escape(before) + block + _escape(after, leading=False)
        else:
            text = _escape(prompt) + block
        out.append(head + text)
    return "\n\n".join(out) + "\n" if out else ""
