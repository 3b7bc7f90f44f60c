"""Aiken import: Moodle's simplest question format, one-answer multiple choice only.

A question is a line of text, then two or more options each on a line starting with a capital
letter and ``)`` or ``.`` (``A) Paris`` or ``A. Paris``; the space after is optional), then
``ANSWER: X`` naming the right option (https://docs.moodle.org/en/Aiken_format). Reading
follows Moodle's importer (question/format/aiken/format.php, ``readquestions``): lines are
trimmed and lines shorter than two characters skipped; an option or ``ANSWER:`` line before a
question's text is "not started"; a text line while a question still lacks its ANSWER line is
"not completed"; an ANSWER line needs at least two options before it. Texts are plain text as
written (Moodle escapes them too). Unlike Moodle, which imports the good questions and skips
the others, Sala imports all or none: :func:`read_aiken` returns every question or raises
:class:`AikenError` listing every problem by line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import gettext as _

from lms.questions import registry
from lms.questions.encoding import decode_file
from lms.questions.problems import ImportProblem, ImportResult, QuestionFileError, at_line
from lms.questions.spec import Answer, QuestionSpec

_OPTION_RE = re.compile(r"^([A-Z])[).][ \t]?(.*)$")
_ANSWER_RE = re.compile(r"^ANSWER\s*:\s*(.*)$", re.IGNORECASE)


class AikenError(QuestionFileError):
    """An Aiken file that cannot be imported; ``problems`` lists every problem by line."""


@dataclass
class _Open:
    line: int
    prompt: str
    options: list[tuple[str, str]] = field(default_factory=list)


def scan_aiken(text: str) -> tuple[list[QuestionSpec], list[ImportProblem]]:
    """The questions an Aiken text holds and the problems of the others, as Moodle reads it
    (the good questions are kept, as Moodle keeps them; :func:`read_aiken` is all or nothing)."""
    qtype = registry.for_moodle("multichoice", True)
    if qtype is None:  # pragma: no cover - the single-choice type is built in
        raise RuntimeError("no question type is exchanged as one-answer multichoice")
    questions: list[QuestionSpec] = []
    problems: list[ImportProblem] = []
    current: _Open | None = None
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip()
        if len(line) < 2:
            continue
        option, answer = _OPTION_RE.match(line), _ANSWER_RE.match(line)
        if option:
            if current is None:
                problems.append(
                    at_line(
                        number,
                        _(
                            "the option %(option)s comes before any question text. Write the question on "
                            "the line above its options.",
                            option=line[:40],
                        ),
                    )
                )
                continue
            current.options.append((option.group(1), option.group(2).strip()))
        elif answer:
            if current is None:
                problems.append(
                    at_line(
                        number,
                        _(
                            "this ANSWER line has no question before it. Write the question, then its "
                            "options, then the ANSWER line."
                        ),
                    )
                )
                continue
            letters = [letter for letter, _text in current.options]
            letter = answer.group(1).strip()[:1].upper()
            if len(current.options) < 2:
                problems.append(
                    at_line(
                        number,
                        _(
                            "the question on line %(start)d has fewer than two options. Give at least "
                            "two, each on a line starting A), B)...",
                            start=current.line,
                        ),
                    )
                )
            elif letter not in letters:
                problems.append(
                    at_line(
                        number,
                        _(
                            "ANSWER names %(letter)s, which is not one of the options (%(letters)s). "
                            "Write ANSWER: and the letter of the right option.",
                            letter=letter or "(nothing)",
                            letters=", ".join(letters),
                        ),
                    )
                )
            elif any(not text for _letter, text in current.options):
                problems.append(
                    at_line(number, _("an option of the question on line %(start)d is empty.", start=current.line))
                )
            else:
                answers = [Answer(text, right=key == letter) for key, text in current.options]
                questions.append(
                    QuestionSpec(
                        type=qtype.name, prompt=current.prompt, choices=qtype.from_answers(answers), line=current.line
                    )
                )
            current = None
        else:
            if current is not None:
                problems.append(
                    at_line(
                        number,
                        _(
                            "the question on line %(start)d has no ANSWER line before this next question. "
                            "End each question with a line like ANSWER: B.",
                            start=current.line,
                        ),
                    )
                )
            current = _Open(number, line)
    if current is not None:
        problems.append(
            at_line(current.line, _("the question has no ANSWER line. End each question with a line like ANSWER: B."))
        )
    return questions, problems


def read_aiken(raw: str | bytes) -> ImportResult:
    """Every question of an Aiken file (bytes in UTF-8, or Windows-1252 with a warning) and the
    warnings, or :class:`AikenError` listing every problem with its line."""
    warnings: list[str] = []
    if isinstance(raw, bytes):
        text, warnings = decode_file(raw)
        if text is None:
            raise AikenError([at_line(1, _("the file is not UTF-8 text. Save it as UTF-8 and import it again."))])
    else:
        text = raw.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    questions, problems = scan_aiken(text)
    if problems:
        raise AikenError(problems)
    if not questions:
        raise AikenError(
            [
                at_line(
                    1,
                    _(
                        "the file has no questions. An Aiken question is a line of "
                        "text, options A) B)... and a line ANSWER: X."
                    ),
                )
            ]
        )
    return ImportResult(questions, warnings)


def parse_aiken(raw: str | bytes) -> list[QuestionSpec]:
    """Every question of an Aiken file, or :class:`AikenError` (see read_aiken)."""
    return read_aiken(raw).questions
