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

Which answers are ``correct`` in the :class:`~lms.quiz.spec.ChoiceSpec`:

* single choice: the answers that give full marks: ``=`` without a weight, or a weight of 100;
  other weights (``~%50%half right``) are kept in ``weight`` with ``correct=False``;
* multiple choice: the answers with a weight above 0;
* short answer: every ``=`` answer, except those weighted 0 or less (kept, with their feedback and
  ``correct=False``: Moodle uses ``=%0%*#...`` for "any other answer");
* ``weight`` is the % weight as written, or None when the answer has none.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from flask_babel import gettext as _

from lms.quiz.spec import ChoiceSpec, QuestionSpec

__all__ = [
    "GiftError",
    "GiftItem",
    "GiftProblem",
    "export_gift",
    "parse_gift",
    "scan_gift",
]

#: The blank that replaces an answer block in the middle of a question.
BLANK = "_____"

#: Text formats GIFT allows at the start of a text; Sala keeps the text and drops the marker.
_FORMAT_RE = re.compile(r"\[(html|moodle|markdown|plain)\]")
_WEIGHT_RE = re.compile(r"%([^%\s]*)%")
_NUMBER_RE = re.compile(r"[-+]?(\d+(\.\d*)?|\.\d+)")
_NUMBERISH_RE = re.compile(r"[-+\d.,]+")
_TRUE_FALSE = {"T": True, "TRUE": True, "F": False, "FALSE": False}

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


@dataclass(frozen=True)
class GiftProblem:
    """One problem in a GIFT file: the line it is on (1-based) and a sentence for the trainer."""

    line: int
    message: str

    def __str__(self) -> str:
        return self.message


class GiftError(Exception):
    """A GIFT file that cannot be imported; ``problems`` lists every problem found, in line order."""

    def __init__(self, problems: list[GiftProblem]):
        self.problems = sorted(problems, key=lambda p: p.line)
        super().__init__("\n".join(p.message for p in self.problems))


@dataclass
class GiftItem:
    """One blank-line-separated block of a GIFT file, as read.

    ``kind`` is a Sala question type ("single", "multiple", "true_false", "short_text"), one of the
    GIFT types Sala refuses ("matching", "numerical", "essay", "description"), "category" (a
    ``$CATEGORY:`` line, ignored) or "invalid" (it could not be read). ``question`` is set when
    ``kind`` is a Sala type and the block had no problem.
    """

    line: int
    kind: str
    title: str = ""
    question: QuestionSpec | None = None
    problems: list[GiftProblem] = field(default_factory=list)


# --------------------------------------------------------------------------------------------
# Messages (every message a trainer sees is built here)


def _at(line: int, problem: str) -> GiftProblem:
    return GiftProblem(line, _("Line %(line)d: %(problem)s", line=line, problem=problem))


def _supported() -> str:
    return _("Sala imports single choice, multiple choice, true/false and short answer questions.")


def _unsupported(kind: str) -> str:
    names = {
        "matching": _("Matching questions (answers with ->) are not supported."),
        "numerical": _("Numerical questions (answers starting with #) are not supported."),
        "essay": _("Essay questions (an empty answer block {}) are not supported."),
        "description": _(
            "This text has no answer block in { }, so Moodle would import it as a description; "
            "descriptions are not supported. Add the answers in { } or remove the text."
        ),
    }
    return _("%(what)s %(supported)s", what=names[kind], supported=_supported())


# --------------------------------------------------------------------------------------------
# Reading


@dataclass
class _Block:
    """The text of one question (comment lines removed) and the file line of each of its lines."""

    text: str
    lines: list[int]

    def line_at(self, offset: int) -> int:
        return self.lines[min(self.text.count("\n", 0, max(offset, 0)), len(self.lines) - 1)]


def _blocks(text: str) -> list[_Block]:
    blocks: list[_Block] = []
    current: list[tuple[int, str]] = []

    def close() -> None:
        kept = [(n, s) for n, s in current if not s.startswith("//")]
        if kept:
            blocks.append(_Block("\n".join(s for _n, s in kept), [n for n, _s in kept]))
        current.clear()

    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip()
        if line:
            current.append((number, line))
        else:
            close()
    close()
    return blocks


def _unescape(text: str) -> str:
    return text.translate(_UNESCAPE_TABLE)


def _clean(text: str) -> str:
    """The text as Sala stores it: trimmed, without a leading format marker, escapes resolved."""
    text = text.strip()
    marker = _FORMAT_RE.match(text)
    if marker:
        text = text[marker.end():].strip()
    return _unescape(text)


def _number(text: str) -> float:
    value = float(text)
    return float(int(value)) if value.is_integer() else value


class _Reader:
    """Reads one block; problems go to ``self.problems``."""

    def __init__(self, block: _Block):
        self.block = block
        self.text = block.text
        self.problems: list[GiftProblem] = []
        self.start = block.lines[0]

    def problem(self, offset: int | None, message: str) -> None:
        line = self.start if offset is None else self.block.line_at(offset)
        self.problems.append(_at(line, message))

    def read(self) -> GiftItem:
        text = self.text
        item = GiftItem(line=self.start, kind="invalid")
        if text.startswith("$CATEGORY:"):
            item.kind = "category"
            return item
        body = 0
        if text.startswith("::"):
            end = text.find("::", 2)
            if end < 0:
                self.problem(0, _(
                    "the title starts with :: but is not closed with ::. "
                    "Write the title as ::Title:: (and \\: for a colon inside it)."
                ))
                item.problems = self.problems
                return item
            item.title = _clean(text[2:end])
            if not item.title:
                self.problem(0, _("the title between :: and :: is empty."))
            body = end + 2
        open_ = text.find("{", body)
        close = text.find("}", body)
        if close >= 0 and (open_ < 0 or close < open_):
            self.problem(close, _(
                "there is a } without a { before it. Write \\} for a literal brace."
            ))
        elif open_ >= 0 and close < 0:
            self.problem(open_, _(
                "the answer block opened with { is never closed with }. Remember that a blank "
                "line ends a question, and write \\{ for a literal brace."
            ))
        elif open_ >= 0:
            inner = text.find("{", open_ + 1, close)
            if inner >= 0:
                self.problem(inner, _(
                    "there is a { inside the answer block. Write \\{ for a literal brace."
                ))
            for extra in re.finditer(r"[{}]", text[close + 1:]):
                self.problem(close + 1 + extra.start(), _(
                    "a question can have only one answer block in { }. "
                    "Write \\{ and \\} for literal braces, or separate questions with a blank line."
                ))
                break
        if self.problems:
            item.problems = self.problems
            return item
        if open_ < 0:
            item.kind = "description"
            self.problem(None, _unsupported("description"))
            item.problems = self.problems
            return item

        before, answers, after = text[body:open_], text[open_ + 1:close], text[close + 1:]
        prompt = before + (BLANK + after if after.strip() else "")
        prompt_text = _clean(prompt)
        if not prompt_text or prompt_text == BLANK:
            self.problem(None, _("the question has no text, only an answer block."))

        kind, spec = self.read_answers(answers, open_ + 1)
        item.kind = kind
        if spec is not None and not self.problems:
            spec.prompt = prompt_text
            spec.title = item.title
            spec.line = self.start
            item.question = spec
        item.problems = self.problems
        return item

    def read_answers(self, raw: str, offset: int) -> tuple[str, QuestionSpec | None]:
        # General feedback: after the last "####".
        general = ""
        cut = raw.rfind("####")
        if cut >= 0:
            general = _clean(raw[cut + 4:])
            raw = raw[:cut]
        stripped = raw.strip()
        if not stripped:
            self.problem(None, _unsupported("essay"))
            return "essay", None
        if stripped.startswith("#"):
            self.problem(None, _unsupported("numerical"))
            return "numerical", None
        if "~" in stripped:
            return self.read_choices(raw, offset, general)
        if "=" in stripped and "->" in stripped:
            self.problem(None, _unsupported("matching"))
            return "matching", None
        head, _sep, feedback = stripped.partition("#")
        if head.strip() in _TRUE_FALSE:
            return "true_false", self.read_true_false(
                _TRUE_FALSE[head.strip()], feedback, offset + raw.find("#"), general)
        return "short_text", self.read_short(raw, offset, general)

    def pieces(self, raw: str, offset: int, marks: str) -> list[tuple[str, str, int]]:
        """Split an answer block at the answer marks: (mark, text after it, offset of the mark).

        Text before the first mark gets the mark ""."""
        found = [(m.group(), m.start()) for m in re.finditer(f"[{re.escape(marks)}]", raw)]
        out: list[tuple[str, str, int]] = []
        lead = raw[: found[0][1]] if found else raw
        if lead.strip():
            out.append(("", lead, offset + len(lead) - len(lead.lstrip())))
        for i, (mark, pos) in enumerate(found):
            end = found[i + 1][1] if i + 1 < len(found) else len(raw)
            out.append((mark, raw[pos + 1:end], offset + pos))
        return out

    def answer(self, body: str, at: int) -> ChoiceSpec | None:
        """One answer after its mark: optional %weight%, text, optional #feedback."""
        body = body.strip()
        weight = None
        match = _WEIGHT_RE.match(body)
        if match:
            value = match.group(1)
            if _NUMBER_RE.fullmatch(value):
                number = _number(value)
                if not -100 <= number <= 100 or not math.isfinite(number):
                    self.problem(at, _(
                        "the weight %(weight)s is outside -100%% to 100%%.", weight=match.group()
                    ))
                    return None
                weight = number
                body = body[match.end():]
            elif _NUMBERISH_RE.fullmatch(value):
                self.problem(at, _(
                    "the weight %(weight)s is not a number. Write weights like %%50%% or %%-25%% "
                    "(with a dot for decimals: %%33.33333%%).", weight=match.group()
                ))
                return None
        text, _sep, feedback = body.partition("#")
        choice = ChoiceSpec(text=_clean(text), weight=weight, feedback=_clean(feedback))
        if not choice.text:
            self.problem(at, _("an answer is empty. Write its text after the = or ~."))
            return None
        return choice

    def read_choices(self, raw: str, offset: int, general: str) -> tuple[str, QuestionSpec | None]:
        parts = self.pieces(raw, offset, "=~")
        choices: list[ChoiceSpec] = []
        marks: list[str] = []
        for mark, body, at in parts:
            if not mark:
                self.problem(at, _(
                    "the text %(text)s comes before the first answer. Each answer starts with = "
                    "(right) or ~ (wrong); write \\= and \\~ for literal signs.",
                    text=_quote(_clean(body)),
                ))
                continue
            choice = self.answer(body, at)
            if choice is not None:
                choices.append(choice)
                marks.append(mark)
        single = "=" in marks
        for mark, choice in zip(marks, choices):
            if single:
                choice.correct = choice.weight == 100 if choice.weight is not None else mark == "="
            else:
                choice.correct = choice.weight is not None and choice.weight > 0
        kind = "single" if single else "multiple"
        if self.problems:
            return kind, None
        if len(choices) < 2:
            self.problem(None, _("a choice question needs at least two answers."))
        elif not any(c.correct for c in choices):
            if single:
                self.problem(None, _(
                    "no answer gives full marks. Mark the right answer with = "
                    "(a weight below 100% is only partial credit)."
                ))
            else:
                self.problem(None, _(
                    "the question has no correct answer. Mark the right answer with =, or give "
                    "the right answers of a multiple-answer question a positive weight like %50%."
                ))
        return kind, QuestionSpec(type=kind, prompt="", choices=choices, feedback=general)

    def read_true_false(self, value: bool, feedback: str, at: int, general: str) -> QuestionSpec:
        texts = feedback.split("#") if feedback else []
        if len(texts) > 2:
            self.problem(at, _(
                "a true/false answer takes at most two feedback texts: #shown for a wrong "
                "answer#shown for a right answer. Write \\# for a literal #."
            ))
        wrong = _clean(texts[0]) if texts else ""
        right = _clean(texts[1]) if len(texts) > 1 else ""
        return QuestionSpec(
            type="true_false",
            prompt="",
            choices=[
                ChoiceSpec(text="True", correct=value, feedback=right if value else wrong),
                ChoiceSpec(text="False", correct=not value, feedback=wrong if value else right),
            ],
            feedback=general,
        )

    def read_short(self, raw: str, offset: int, general: str) -> QuestionSpec | None:
        choices = []
        for _mark, body, at in self.pieces(raw, offset, "="):
            choice = self.answer(body, at)
            if choice is not None:
                choice.correct = choice.weight is None or choice.weight > 0
                choices.append(choice)
        if not self.problems and not any(c.correct for c in choices):
            self.problem(None, _(
                "the short answer question has no accepted answer (every answer has a weight of "
                "0% or less)."
            ))
        return QuestionSpec(type="short_text", prompt="", choices=choices, feedback=general)


def _quote(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return "“" + text + "”"


def _decode(text: str | bytes) -> str:
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = text[: exc.start].count(b"\n") + 1
            raise GiftError([_at(line, _(
                "the file is not UTF-8 text. Save it as UTF-8 and import it again."
            ))]) from None
    if not isinstance(text, str):
        raise TypeError("GIFT text must be str or bytes")
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def scan_gift(text: str | bytes) -> list[GiftItem]:
    """Read every block of a GIFT file, keeping going past problems.

    For previews and reports; :func:`parse_gift` is the all-or-nothing import. Raises
    :class:`GiftError` only for text that cannot be read at all (not UTF-8).
    """
    text = _decode(text)
    items: list[GiftItem] = []
    for line_number, line in enumerate(text.split("\n"), start=1):
        if _NONCHARACTERS_RE.search(line):
            items.append(GiftItem(line=line_number, kind="invalid", problems=[_at(line_number, _(
                "the line contains a Unicode noncharacter (U+FDD0 to U+FDEF). Remove it."
            ))]))
    if items:
        return items
    escaped = _ESCAPE_RE.sub(lambda m: _ESCAPES[m.group(1)], text)
    titles: dict[str, int] = {}
    for block in _blocks(escaped):
        item = _Reader(block).read()
        if item.title:
            if item.title in titles:
                item.problems.append(_at(item.line, _(
                    "the title %(title)s is already used by the question on line %(first)d. "
                    "Give each question its own title.",
                    title=_quote(item.title, 80), first=titles[item.title],
                )))
                item.question = None
            else:
                titles[item.title] = item.line
        items.append(item)
    return items


def parse_gift(text: str | bytes) -> list[QuestionSpec]:
    """Every question of a GIFT file, or :class:`GiftError` listing every problem with its line."""
    items = scan_gift(text)
    problems = [p for item in items for p in item.problems]
    if problems:
        raise GiftError(problems)
    questions = [item.question for item in items if item.question is not None]
    if not questions:
        message = (
            _("The file is empty: it has no questions.")
            if not _decode(text).strip()
            else _("The file has no questions, only comments or categories.")
        )
        raise GiftError([GiftProblem(1, _("Line %(line)d: %(problem)s", line=1, problem=message))])
    return questions


# --------------------------------------------------------------------------------------------
# Writing

_EXPORT_ESCAPES = str.maketrans({
    "\\": "\\\\", ":": "\\:", "#": "\\#", "=": "\\=", "{": "\\{", "}": "\\}", "~": "\\~",
    "\n": "\\n",
})


def _escape(text: str, leading: bool = True) -> str:
    """A text for GIFT: control characters escaped, all on one line.

    At the start of a text, a leading "[html]" would be read as a format marker, "%50%" as a
    weight and "//" as a comment: a "[moodle]" marker goes before them, which the reader drops.
    """
    out = text.translate(_EXPORT_ESCAPES)
    start = out.lstrip()
    if leading and (_FORMAT_RE.match(start) or _WEIGHT_RE.match(start) or start.startswith("//")):
        out = "[moodle]" + out
    return out


def _weight(value: float) -> str:
    return "%" + (str(int(value)) if float(value).is_integer() else repr(float(value))) + "%"


def _feedback(text: str) -> str:
    return "#" + _escape(text) if text else ""


def _multiple_weights(choices: list[ChoiceSpec]) -> list[float | None]:
    """Weights for a multiple-answer question; missing ones are shared out as Moodle expects."""
    correct_unweighted = [c for c in choices if c.correct and c.weight is None]
    given = sum(c.weight for c in choices if c.correct and c.weight is not None and c.weight > 0)
    if correct_unweighted:
        share = (100 - given) if given < 100 else 100
        share = round(share / len(correct_unweighted), 5)
    else:
        share = 0
    return [
        c.weight if c.weight is not None else (share if c.correct else None) for c in choices
    ]


def _answer_lines(question: QuestionSpec) -> list[str]:
    lines = []
    if question.type == "single":
        for c in question.choices:
            if c.correct:
                mark = "=" + (_weight(c.weight) if c.weight is not None else "")
            else:
                mark = "~" + (_weight(c.weight) if c.weight is not None else "")
            lines.append(mark + _escape(c.text) + _feedback(c.feedback))
    elif question.type == "multiple":
        for c, weight in zip(question.choices, _multiple_weights(question.choices)):
            mark = "~" + (_weight(weight) if weight is not None else "")
            lines.append(mark + _escape(c.text) + _feedback(c.feedback))
    elif question.type == "short_text":
        for c in question.choices:
            weight = c.weight if c.weight is not None else (None if c.correct else 0)
            mark = "=" + (_weight(weight) if weight is not None else "")
            lines.append(mark + _escape(c.text) + _feedback(c.feedback))
    else:
        raise ValueError(f"unknown question type {question.type!r}")
    return lines


def _answer_block(question: QuestionSpec) -> str:
    general = "####" + _escape(question.feedback) if question.feedback else ""
    if question.type == "true_false":
        by_text = {c.text.lower(): c for c in question.choices}
        true, false = by_text.get("true"), by_text.get("false")
        value = bool(true.correct) if true is not None else not (false and false.correct)
        right = (true if value else false) or ChoiceSpec(text="")
        wrong = (false if value else true) or ChoiceSpec(text="")
        feedback = ""
        if wrong.feedback or right.feedback:
            feedback = "#" + _escape(wrong.feedback)
            if right.feedback:
                feedback += "#" + _escape(right.feedback)
        return "{" + ("TRUE" if value else "FALSE") + feedback + general + "}"
    lines = ["    " + line for line in _answer_lines(question)]
    if general:
        lines.append("    " + general)
    return "{\n" + "\n".join(lines) + "\n}"


def export_gift(questions: list[QuestionSpec]) -> str:
    """The questions as a GIFT file that Moodle, and :func:`parse_gift`, read back."""
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
