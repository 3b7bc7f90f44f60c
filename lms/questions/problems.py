"""What every question file reader (GIFT, Moodle XML, Aiken) reports when it refuses a file.

An import is all or nothing: a reader either returns every question or raises
:class:`QuestionFileError` listing every problem, each a sentence for the trainer that says where
it is ("Line 4: ..." for the line-based formats, "Question 3 (“Greeting”): ..." for Moodle XML).
The quiz editor's import page shows them all the same way, whatever the format.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _

from lms.questions.spec import QuestionSpec


@dataclass(frozen=True)
class ImportProblem:
    """One problem in a question file: where it is (a 1-based line, or for Moodle XML the
    question's position) and a sentence for the trainer that already names that place."""

    line: int
    message: str

    def __str__(self) -> str:
        return self.message


class QuestionFileError(Exception):
    """A question file that cannot be imported; ``problems`` lists every problem, in file order."""

    def __init__(self, problems: list[ImportProblem]):
        self.problems = sorted(problems, key=lambda p: p.line)
        super().__init__("\n".join(p.message for p in self.problems))


@dataclass
class ImportResult:
    """What a question file held: its questions, and warnings for the trainer about what was
    read differently from how the other tool would (an encoding, a setting Sala does not have)."""

    questions: list[QuestionSpec]
    warnings: list[str] = field(default_factory=list)


def at_line(line: int, problem: str) -> ImportProblem:
    """A problem on a line of a line-based file; the message starts "Line N: "."""
    return ImportProblem(line, _("Line %(line)d: %(problem)s", line=line, problem=problem))
