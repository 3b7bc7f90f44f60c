"""GIFT reading: each block of a GIFT file to a QuestionSpec, or to problems by line.

The block's answer block decides the Moodle question type, as Moodle's importer does
(question/format/gift/format.php): empty -> essay, starting with ``#`` -> numerical, containing
``~`` -> multichoice (one answer only when some answer is ``=``), ``=`` and ``->`` -> matching,
``T``/``TRUE``/``F``/``FALSE`` -> truefalse, anything else -> shortanswer. The reader splits the
answers (mark, % weight, text, feedback) and asks the registered Sala type for that Moodle type
to turn them into choices (``QuestionType.from_answers``); the types Sala does not have are
refused by name and line.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from flask_babel import gettext as _

from lms.questions import registry
from lms.questions.gift.lexer import (
    BLANK,
    NUMBER_RE,
    NUMBERISH_RE,
    WEIGHT_RE,
    Block,
    GiftError,
    GiftProblem,
    at,
    blocks,
    clean,
    decode,
    noncharacter_lines,
    number,
    quote,
)
from lms.questions.spec import Answer, QuestionSpec

_TRUE_FALSE = {"T": True, "TRUE": True, "F": False, "FALSE": False}


@dataclass
class GiftItem:
    """One blank-line-separated block of a GIFT file, as read.

    ``kind`` is the name of the Sala question type it was read as, one of the GIFT types Sala
    refuses ("matching", "numerical", "essay", "description"), "category" (a ``$CATEGORY:``
    line, ignored) or "invalid" (it could not be read). ``question`` is set when ``kind`` is a
    Sala type and the block had no problem.
    """

    line: int
    kind: str
    title: str = ""
    question: QuestionSpec | None = None
    problems: list[GiftProblem] = field(default_factory=list)


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


class _Reader:
    """Reads one block; problems go to ``self.problems``."""

    def __init__(self, block: Block):
        self.block = block
        self.text = block.text
        self.problems: list[GiftProblem] = []
        self.start = block.lines[0]

    def problem(self, offset: int | None, message: str) -> None:
        line = self.start if offset is None else self.block.line_at(offset)
        self.problems.append(at(line, message))

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
                self.problem(
                    0,
                    _(
                        "the title starts with :: but is not closed with ::. "
                        "Write the title as ::Title:: (and \\: for a colon inside it)."
                    ),
                )
                item.problems = self.problems
                return item
            item.title = clean(text[2:end])
            if not item.title:
                self.problem(0, _("the title between :: and :: is empty."))
            body = end + 2
        open_ = text.find("{", body)
        close = text.find("}", body)
        if close >= 0 and (open_ < 0 or close < open_):
            self.problem(close, _("there is a } without a { before it. Write \\} for a literal brace."))
        elif open_ >= 0 and close < 0:
            self.problem(
                open_,
                _(
                    "the answer block opened with { is never closed with }. Remember that a blank "
                    "line ends a question, and write \\{ for a literal brace."
                ),
            )
        elif open_ >= 0:
            inner = text.find("{", open_ + 1, close)
            if inner >= 0:
                self.problem(inner, _("there is a { inside the answer block. Write \\{ for a literal brace."))
            for extra in re.finditer(r"[{}]", text[close + 1 :]):
                self.problem(
                    close + 1 + extra.start(),
                    _(
                        "a question can have only one answer block in { }. "
                        "Write \\{ and \\} for literal braces, or separate questions with a blank line."
                    ),
                )
                break
        if self.problems:
            item.problems = self.problems
            return item
        if open_ < 0:
            item.kind = "description"
            self.problem(None, _unsupported("description"))
            item.problems = self.problems
            return item

        before, answers, after = text[body:open_], text[open_ + 1 : close], text[close + 1 :]
        prompt = before + (BLANK + after if after.strip() else "")
        prompt_text = clean(prompt)
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
            general = clean(raw[cut + 4 :])
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
            return self.read_true_false(_TRUE_FALSE[head.strip()], feedback, offset + raw.find("#"), general)
        return self.read_short(raw, offset, general)

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
            out.append((mark, raw[pos + 1 : end], offset + pos))
        return out

    def answer(self, mark: str, body: str, offset: int) -> Answer | None:
        """One answer after its mark: optional %weight%, text, optional #feedback."""
        body = body.strip()
        weight = None
        match = WEIGHT_RE.match(body)
        if match:
            value = match.group(1)
            if NUMBER_RE.fullmatch(value):
                weight = number(value)
                if not -100 <= weight <= 100 or not math.isfinite(weight):
                    self.problem(offset, _("the weight %(weight)s is outside -100%% to 100%%.", weight=match.group()))
                    return None
                body = body[match.end() :]
            elif NUMBERISH_RE.fullmatch(value):
                self.problem(
                    offset,
                    _(
                        "the weight %(weight)s is not a number. Write weights like %%50%% or %%-25%% "
                        "(with a dot for decimals: %%33.33333%%).",
                        weight=match.group(),
                    ),
                )
                return None
        text, _sep, feedback = body.partition("#")
        answer = Answer(text=clean(text), weight=weight, right=mark == "=", feedback=clean(feedback))
        if not answer.text:
            self.problem(offset, _("an answer is empty. Write its text after the = or ~."))
            return None
        return answer

    def read_choices(self, raw: str, offset: int, general: str) -> tuple[str, QuestionSpec | None]:
        answers: list[Answer] = []
        for mark, body, where in self.pieces(raw, offset, "=~"):
            if not mark:
                self.problem(
                    where,
                    _(
                        "the text %(text)s comes before the first answer. Each answer starts with = "
                        "(right) or ~ (wrong); write \\= and \\~ for literal signs.",
                        text=quote(clean(body)),
                    ),
                )
                continue
            answer = self.answer(mark, body, where)
            if answer is not None:
                answers.append(answer)
        # Like Moodle's "one answer only": a choice question with an "=" answer.
        single = any(a.right for a in answers)
        qtype = registry.for_moodle("multichoice", single)
        if qtype is None:
            self.problem(None, _supported())
            return "invalid", None
        choices = qtype.from_answers(answers)
        if self.problems:
            return qtype.name, None
        if len(choices) < 2:
            self.problem(None, _("a choice question needs at least two answers."))
        elif not any(c.correct for c in choices):
            if single:
                self.problem(
                    None,
                    _(
                        "no answer gives full marks. Mark the right answer with = "
                        "(a weight below %(full)s is only partial credit).",
                        full="100%",
                    ),
                )
            else:
                self.problem(
                    None,
                    _(
                        "the question has no correct answer. Mark the right answer with =, or give "
                        "the right answers of a multiple-answer question a positive weight like %(example)s.",
                        example="%50%",
                    ),
                )
        return qtype.name, QuestionSpec(type=qtype.name, prompt="", choices=choices, feedback=general)

    def read_true_false(self, value: bool, feedback: str, offset: int, general: str) -> tuple[str, QuestionSpec | None]:
        qtype = registry.for_moodle("truefalse")
        if qtype is None:
            self.problem(None, _supported())
            return "invalid", None
        texts = feedback.split("#") if feedback else []
        if len(texts) > 2:
            self.problem(
                offset,
                _(
                    "a true/false answer takes at most two feedback texts: #shown for a wrong "
                    "answer#shown for a right answer. Write \\# for a literal #."
                ),
            )
        # Moodle shows the first text for a wrong answer and the second for a right one.
        wrong = clean(texts[0]) if texts else ""
        right = clean(texts[1]) if len(texts) > 1 else ""
        answers = [
            Answer("True", right=value, feedback=right if value else wrong),
            Answer("False", right=not value, feedback=wrong if value else right),
        ]
        return qtype.name, QuestionSpec(
            type=qtype.name, prompt="", choices=qtype.from_answers(answers), feedback=general
        )

    def read_short(self, raw: str, offset: int, general: str) -> tuple[str, QuestionSpec | None]:
        qtype = registry.for_moodle("shortanswer")
        if qtype is None:
            self.problem(None, _supported())
            return "invalid", None
        answers = [
            a for mark, body, where in self.pieces(raw, offset, "=") if (a := self.answer("=", body, where)) is not None
        ]
        choices = qtype.from_answers(answers)
        if not self.problems and not any(c.correct for c in choices):
            self.problem(
                None,
                _(
                    "the short answer question has no accepted answer (every answer has a weight of %(zero)s or less).",
                    zero="0%",
                ),
            )
        return qtype.name, QuestionSpec(type=qtype.name, prompt="", choices=choices, feedback=general)


def scan_gift(text: str | bytes) -> list[GiftItem]:
    """Read every block of a GIFT file, keeping going past problems.

    For previews and reports; :func:`parse_gift` is the all-or-nothing import. Raises
    :class:`GiftError` only for text that cannot be read at all (not UTF-8).
    """
    text = decode(text)
    bad = noncharacter_lines(text)
    if bad:
        return [
            GiftItem(
                line=line,
                kind="invalid",
                problems=[at(line, _("the line contains a Unicode noncharacter (U+FDD0 to U+FDEF). Remove it."))],
            )
            for line in bad
        ]
    items: list[GiftItem] = []
    titles: dict[str, int] = {}
    for block in blocks(text):
        item = _Reader(block).read()
        if item.title:
            if item.title in titles:
                item.problems.append(
                    at(
                        item.line,
                        _(
                            "the title %(title)s is already used by the question on line %(first)d. "
                            "Give each question its own title.",
                            title=quote(item.title, 80),
                            first=titles[item.title],
                        ),
                    )
                )
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
            if not decode(text).strip()
            else _("The file has no questions, only comments or categories.")
        )
        raise GiftError([GiftProblem(1, _("Line %(line)d: %(problem)s", line=1, problem=message))])
    return questions
