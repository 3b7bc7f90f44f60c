"""Moodle GIFT import and export.

GIFT is Moodle's plain-text quiz format (https://docs.moodle.org/en/GIFT_format). Sala imports the
question types it can show and grade: single choice, multiple choice (with % weights), true/false
and short answer. Everything else (matching, numerical, essay, description) is refused by name and
line, so a trainer knows exactly what to change. An import is all or nothing: ``parse_gift`` either
returns every question or raises :class:`GiftError` listing every problem found.

Reading follows Moodle's own importer (question/format/gift/format.php) wherever Moodle and other
readers differ:

* questions are separated by blank lines; lines starting with ``//`` are comments, wherever they
  are; every line is trimmed and the lines of a question are joined with ``\\n``;
* ``::title::`` starts a question; ``$CATEGORY:`` blocks are ignored;
* the answer block is the one ``{...}`` of the question. When text follows it ("Grant is {...} in
  Grant's tomb."), the block is replaced by ``_____`` in the prompt;
* the kind of question is decided from the answer block as Moodle does: empty -> essay, starting
  with ``#`` -> numerical, containing ``~`` -> choice, ``=`` and ``->`` -> matching, ``T``/``TRUE``/
  ``F``/``FALSE`` (before any ``#``) -> true/false, anything else -> short answer;
* a choice question with at least one ``=`` answer is single choice (like Moodle's "one answer
  only"); with only ``~`` answers it is multiple choice, graded by the % weights;
* ``#`` starts an answer's feedback and ``####`` the general feedback; for true/false the first
  ``#`` text is shown for a wrong answer and the second for a right one;
* ``\\: \\~ \\= \\# \\{ \\} \\\\`` are escapes and ``\\n`` is a new line; another backslash stays as
  it is; ``[html] [moodle] [markdown] [plain]`` at the start of a text are dropped (the text,
  HTML included, is kept as it is: the app sanitizes when it renders).

The package is split as the work is: ``lexer`` (bytes to blocks of text, escapes, problems by
line), ``reader`` (a block to a question, asking the registered question type to map its answers)
and ``writer`` (questions back to GIFT). Which answers are ``correct`` is each question type's
rule (``from_answers`` in lms/questions/single.py and its siblings); for the four types Sala has:

* single choice: the answers that give full marks: ``=`` without a weight, or a weight of 100;
  other weights (``~%50%half right``) are kept in ``weight`` with ``correct=False``;
* multiple choice: the answers with a weight above 0;
* short answer: every ``=`` answer, except those weighted 0 or less (kept, with their feedback and
  ``correct=False``: Moodle uses ``=%0%*#...`` for "any other answer");
* ``weight`` is the % weight as written, or None when the answer has none.
"""

from __future__ import annotations

from lms.questions.gift.lexer import GiftError, GiftProblem
from lms.questions.gift.reader import GiftItem, parse_gift, scan_gift
from lms.questions.gift.writer import export_gift

__all__ = [
    "GiftError",
    "GiftItem",
    "GiftProblem",
    "export_gift",
    "parse_gift",
    "scan_gift",
]
