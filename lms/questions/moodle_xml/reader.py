"""Moodle XML reading: ``<quiz><question type="...">`` elements to QuestionSpecs, or problems
by question.

The reader follows Moodle's importer (question/format/xml/format.php, ``readquestions`` and
``import_multichoice`` / ``import_truefalse`` / ``import_shortanswer``): the type is the
question's ``type`` attribute, ``<single>`` says whether a multichoice has one answer (``true``
or ``1``; one answer when absent), each ``<answer fraction="...">`` is a percentage of the marks
and must be one of Moodle's grade options (100, 90, 83.33333, ... 5, 0 and their negatives,
``question_bank::fraction_options_full``; a file with another, such as 33, is refused as Moodle
refuses it), ``type="category"`` elements are skipped. Texts are read by their ``format``
(lms/questions/plain_text.py); embedded ``<file>`` elements are not imported (a warning says so).

The XML is parsed with defusedxml, which refuses entity expansion ("billion laughs") and
external entities: a question file is untrusted input.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET  # noqa: S405 - only for the Element type; parsing is defusedxml's

import defusedxml
import defusedxml.ElementTree as SafeET
from flask_babel import gettext as _

from lms.questions import registry
from lms.questions.encoding import decode_file
from lms.questions.plain_text import moodle_text
from lms.questions.problems import ImportProblem, ImportResult, QuestionFileError
from lms.questions.spec import Answer, QuestionSpec

#: The longest short name Sala stores (Question.title).
TITLE_MAX = 200

#: Moodle's grade options (question_bank::fraction_options_full), as fractions.
_GRADES = (
    1.0,
    0.9,
    0.8333333,
    0.8,
    0.75,
    0.7,
    0.6666667,
    0.6,
    0.5,
    0.4,
    0.3333333,
    0.3,
    0.25,
    0.2,
    0.1666667,
    0.1428571,
    0.125,
    0.1111111,
    0.1,
    0.05,
    0.0,
)
_GRADE_TOLERANCE = 0.00001

_DECLARATION_RE = re.compile(r"^\s*<\?xml[^>]*\?>")

_SUPPORTED = ("multichoice", "truefalse", "shortanswer")


class MoodleXmlError(QuestionFileError):
    """A Moodle XML file that cannot be imported; ``problems`` lists every problem by question."""


def _type_names() -> dict[str, str]:
    return {
        "matching": _("Matching"),
        "numerical": _("Numerical"),
        "essay": _("Essay"),
        "description": _("Description"),
        "multianswer": _("Embedded answers (Cloze)"),
        "cloze": _("Embedded answers (Cloze)"),
        "calculated": _("Calculated"),
        "calculatedsimple": _("Simple calculated"),
        "calculatedmulti": _("Calculated multichoice"),
        "ddwtos": _("Drag and drop into text"),
        "ddimageortext": _("Drag and drop onto image"),
        "ddmarker": _("Drag and drop markers"),
        "gapselect": _("Select missing words"),
        "randomsamatch": _("Random short-answer matching"),
        "random": _("Random"),
        "ordering": _("Ordering"),
    }


def _supported() -> str:
    return _("Sala imports single choice, multiple choice, true/false and short answer questions.")


def _fraction(raw: str | None) -> float | None:
    """A fraction attribute (a percentage) as Moodle reads it, or None when it is not one of
    Moodle's grade options."""
    try:
        value = float(raw if raw is not None and raw.strip() else "0") / 100.0
    except ValueError:
        return None
    if not math.isfinite(value):
        return None
    for grade in _GRADES:
        for option in (grade, -grade):
            if abs(value - option) < _GRADE_TOLERANCE:
                return option * 100.0
    return None


def _weight(percent: float) -> float:
    """33.33333 stays as written; 50.0 becomes 50."""
    rounded = round(percent, 5)
    return float(int(rounded)) if rounded.is_integer() else rounded


def _text(element: ET.Element | None) -> str:
    """The plain text of a Moodle text container (``<questiontext format=...><text>``)."""
    if element is None:
        return ""
    inner = element.find("text")
    raw = inner.text if inner is not None else element.text
    return moodle_text(raw or "", element.get("format"))


def _flag(element: ET.Element, tag: str, default: bool) -> bool:
    found = element.find(tag)
    if found is None or found.text is None or not found.text.strip():
        return default
    return found.text.strip().lower() in ("true", "1")


class _Question:
    """Reads one ``<question>``; problems go to ``problems``, notes to ``warnings``."""

    def __init__(self, element: ET.Element, position: int):
        self.element = element
        self.position = position
        self.name = " ".join(_text(element.find("name")).split()) if element.find("name") is not None else ""
        self.problems: list[ImportProblem] = []
        self.warnings: list[str] = []

    def where(self) -> str:
        if self.name:
            return _("Question %(n)d (“%(name)s”)", n=self.position, name=self.name[:80])
        return _("Question %(n)d", n=self.position)

    def problem(self, message: str) -> None:
        self.problems.append(
            ImportProblem(self.position, _("%(where)s: %(problem)s", where=self.where(), problem=message))
        )

    def read(self) -> QuestionSpec | None:
        kind = (self.element.get("type") or "").strip()
        if kind not in _SUPPORTED:
            label = _type_names().get(kind, kind or _("(no type)"))
            self.problem(_("%(type)s questions are not supported. %(supported)s", type=label, supported=_supported()))
            return None
        prompt = _text(self.element.find("questiontext"))
        if not prompt:
            self.problem(_("the question has no text."))
        answers = self.answers()
        if self.element.find(".//file") is not None:
            self.warnings.append(
                _(
                    "%(where)s: its embedded files (pictures, sound) were not imported; each "
                    "picture's description is kept in the text in [brackets].",
                    where=self.where(),
                )
            )
        single = _flag(self.element, "single", True) if kind == "multichoice" else None
        qtype = registry.for_moodle(kind, single)
        if qtype is None:
            self.problem(_supported())
            return None
        if kind == "shortanswer" and _flag(self.element, "usecase", False):
            self.warnings.append(
                _(
                    "%(where)s: Moodle compared its answers with capital letters mattering; Sala "
                    "ignores capital letters.",
                    where=self.where(),
                )
            )
        if kind != "multichoice" or single:
            # 100 % and 0 % say no more than right and wrong: stored without a weight, as the
            # editor stores them, so an export and import give back the same question.
            answers = [
                Answer(a.text, None, a.weight == 100, a.feedback) if a.weight in (0, 100) else a for a in answers
            ]
        else:
            answers = [Answer(a.text, None, False, a.feedback) if a.weight == 0 else a for a in answers]
        choices = qtype.from_answers(answers)
        if self.problems:
            return None
        if kind == "multichoice":
            if len(choices) < 2:
                self.problem(_("a choice question needs at least two answers."))
            elif not any(c.correct for c in choices):
                self.problem(
                    _("no answer gives full marks (100%%) or, for several answers, any marks.")
                    if single
                    else _("no answer gives any marks.")
                )
        elif not any(c.correct for c in choices):
            self.problem(_("no answer is marked right (a grade above 0%%)."))
        if self.problems:
            return None
        return QuestionSpec(
            type=qtype.name,
            prompt=prompt,
            title=self.name[:TITLE_MAX],
            choices=choices,
            feedback=_text(self.element.find("generalfeedback")),
            line=self.position,
        )

    def answers(self) -> list[Answer]:
        out = []
        for index, element in enumerate(self.element.findall("answer"), start=1):
            percent = _fraction(element.get("fraction"))
            text = _text(element)
            if percent is None:
                self.problem(
                    _(
                        "answer %(n)d has the grade %(grade)s%%, which Moodle does not allow either. "
                        "Use one of 100, 90, 83.33333, 80, 75, 70, 66.66667, 60, 50, 40, 33.33333, 30, "
                        "25, 20, 16.66667, 14.28571, 12.5, 11.11111, 10, 5 or 0 (or one below 0).",
                        n=index,
                        grade=element.get("fraction"),
                    )
                )
                continue
            if not text:
                self.problem(_("answer %(n)d is empty.", n=index))
                continue
            out.append(Answer(text, _weight(percent), percent == 100, _text(element.find("feedback"))))
        return out


def _parse(raw: bytes | str) -> ET.Element:
    try:
        return SafeET.fromstring(raw)
    except defusedxml.DefusedXmlException:
        raise MoodleXmlError(
            [
                ImportProblem(
                    1,
                    _(
                        "The file declares XML entities or a document type, which Moodle's question export "
                        "never does; Sala does not read them. Export the questions from Moodle again."
                    ),
                )
            ]
        ) from None
    except ET.ParseError as err:
        line = err.position[0] if getattr(err, "position", None) else 1
        raise MoodleXmlError(
            [
                ImportProblem(
                    line,
                    _(
                        "Line %(line)d: the file is not well-formed XML (%(detail)s). Export the questions "
                        "from Moodle again, or check the file for a cut or a stray < or &.",
                        line=line,
                        detail=str(err).split(":")[0],
                    ),
                )
            ]
        ) from None


def read_moodle_xml(raw: bytes | str) -> ImportResult:
    """Every question of a Moodle XML file and the warnings to show, or :class:`MoodleXmlError`
    listing every problem with its question's position and name (nothing is half-imported).

    ``raw`` is the file's bytes (UTF-8, or any encoding its XML declaration names) or text."""
    warnings: list[str] = []
    if isinstance(raw, bytes) and not raw.lstrip().startswith(b"<?xml"):
        text, warnings = decode_file(raw)
        raw = text if text is not None else raw
    if isinstance(raw, str):
        # Text is already decoded: its declaration's encoding no longer applies.
        raw = _DECLARATION_RE.sub("", raw.lstrip("\ufeff"), count=1).encode("utf-8")
    root = _parse(raw)
    if root.tag != "quiz":
        raise MoodleXmlError(
            [
                ImportProblem(
                    1,
                    _(
                        "The file is XML but not a Moodle question export: it starts with <%(tag)s>, where "
                        "Moodle's starts with <quiz>.",
                        tag=str(root.tag)[:40],
                    ),
                )
            ]
        )
    questions: list[QuestionSpec] = []
    problems: list[ImportProblem] = []
    position = 0
    for element in root.findall("question"):
        if (element.get("type") or "").strip() == "category":
            continue
        position += 1
        reader = _Question(element, position)
        spec = reader.read()
        problems.extend(reader.problems)
        warnings.extend(reader.warnings)
        if spec is not None:
            questions.append(spec)
    if problems:
        raise MoodleXmlError(problems)
    if not questions:
        raise MoodleXmlError([ImportProblem(1, _("The file has no questions, only categories."))])
    return ImportResult(questions, warnings)


def parse_moodle_xml(raw: bytes | str) -> list[QuestionSpec]:
    """Every question of a Moodle XML file, or :class:`MoodleXmlError` (see read_moodle_xml)."""
    return read_moodle_xml(raw).questions
