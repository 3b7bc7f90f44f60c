"""GIFT lexing: from a file's bytes to question blocks of text with their line numbers.

What Moodle's importer (question/format/gift/format.php) does before it reads a question:
decode UTF-8, split at blank lines, drop ``//`` comment lines, trim every line; and the text
rules every part shares: escapes (``\\: \\~ \\= \\# \\{ \\} \\\\`` and ``\\n``), the format
markers ``[html] [moodle] [markdown] [plain]``, % weights. The problems found are GiftProblems
with their line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import gettext as _

from lms.questions.problems import ImportProblem, QuestionFileError

#: The blank that replaces an answer block in the middle of a question.
BLANK = "_____"

#: Text formats GIFT allows at the start of a text; Sala keeps the text and drops the marker.
FORMAT_RE = re.compile(r"\[(html|moodle|markdown|plain)\]")
WEIGHT_RE = re.compile(r"%([^%\s]*)%")
NUMBER_RE = re.compile(r"[-+]?(\d+(\.\d*)?|\.\d+)")
NUMBERISH_RE = re.compile(r"[-+\d.,]+")

# Escapes become Unicode noncharacters (reserved for exactly this kind of internal use) while the
# structure is read, then go back to the characters they stand for.
_ESCAPES = {
    "\\": "\ufdd0",
    ":": "\ufdd1",
    "#": "\ufdd2",
    "=": "\ufdd3",
    "{": "\ufdd4",
    "}": "\ufdd5",
    "~": "\ufdd6",
    "n": "\ufdd7",
}
_UNESCAPE = {v: ("\n" if k == "n" else k) for k, v in _ESCAPES.items()}
_UNESCAPE_TABLE = str.maketrans(_UNESCAPE)
_ESCAPE_RE = re.compile(r"\\([\\:#={}~n])")
_NONCHARACTERS_RE = re.compile("[\ufdd0-\ufdef]")


#: A problem in a GIFT file: its line (1-based) and a sentence for the trainer.
GiftProblem = ImportProblem


class GiftError(QuestionFileError):
    """A GIFT file that cannot be imported; ``problems`` lists every problem found, in line order."""


def at(line: int, problem: str) -> GiftProblem:
    """A problem on a line; every message a trainer sees starts "Line N: "."""
    return GiftProblem(line, _("Line %(line)d: %(problem)s", line=line, problem=problem))


@dataclass
class Block:
    """The text of one question (comment lines removed) and the file line of each of its lines."""

    text: str
    lines: list[int]

    def line_at(self, offset: int) -> int:
        return self.lines[min(self.text.count("\n", 0, max(offset, 0)), len(self.lines) - 1)]


def decode(text: str | bytes) -> str:
    """The file as text with "\\n" line ends; GiftError when it is not UTF-8."""
    if isinstance(text, bytes):
        raw = text
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            raise GiftError(
                [at(line, _("the file is not UTF-8 text. Save it as UTF-8 and import it again."))]
            ) from None
    if not isinstance(text, str):
        raise TypeError("GIFT text must be str or bytes")
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def noncharacter_lines(text: str) -> list[int]:
    """Lines holding the noncharacters escapes are lexed into: such a file cannot be read."""
    return [number for number, line in enumerate(text.split("\n"), start=1) if _NONCHARACTERS_RE.search(line)]


def blocks(text: str) -> list[Block]:
    """The question blocks of a decoded file, escapes protected (resolve them with ``clean``)."""
    text = _ESCAPE_RE.sub(lambda m: _ESCAPES[m.group(1)], text)
    found: list[Block] = []
    current: list[tuple[int, str]] = []

    def close() -> None:
        kept = [(n, s) for n, s in current if not s.startswith("//")]
        if kept:
            found.append(Block("\n".join(s for _n, s in kept), [n for n, _s in kept]))
        current.clear()

    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip()
        if line:
            current.append((number, line))
        else:
            close()
    close()
    return found


def clean(text: str) -> str:
    """The text as Sala stores it: trimmed, without a leading format marker, escapes resolved."""
    text = text.strip()
    marker = FORMAT_RE.match(text)
    if marker:
        text = text[marker.end() :].strip()
    return text.translate(_UNESCAPE_TABLE)


def number(text: str) -> float:
    value = float(text)
    return float(int(value)) if value.is_integer() else value


def quote(text: str, limit: int = 40) -> str:
    """A text quoted in a message, on one line and cut to ``limit`` characters."""
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return "“" + text + "”"
