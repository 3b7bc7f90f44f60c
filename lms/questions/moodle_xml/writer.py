"""Moodle XML writing: questions as a ``<quiz>`` file that Moodle's importer, and
:func:`read_moodle_xml`, read back.

Each question type gives its answers in Moodle's model (``QuestionType.to_answers``); the writer
writes them as Moodle's exporter does (question/format/xml/format.php ``writequestion``): one
``<answer fraction="...">`` each, the fraction a percentage (100 for a right answer without a
weight), ``<single>`` for multichoice. Texts are Sala's plain text, written with
``format="plain_text"`` so that Moodle shows them as written.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET  # noqa: S405 - writing only

from lms.questions import registry
from lms.questions.spec import Answer, QuestionSpec

_WRITTEN = ("multichoice", "truefalse", "shortanswer")


def _text(parent: ET.Element, tag: str, text: str, fmt: str | None = "plain_text") -> ET.Element:
    element = ET.SubElement(parent, tag, {"format": fmt} if fmt else {})
    ET.SubElement(element, "text").text = text
    return element


def _fraction(answer: Answer) -> str:
    value = answer.weight if answer.weight is not None else (100.0 if answer.right else 0.0)
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _question(quiz: ET.Element, question: QuestionSpec) -> None:
    qtype = registry.find(question.type)
    if qtype is None or qtype.moodle_qtype not in _WRITTEN:
        raise ValueError(f"Moodle XML cannot carry a question of type {question.type!r}")
    element = ET.SubElement(quiz, "question", {"type": qtype.moodle_qtype})
    name = question.title or " ".join(question.prompt.split())[:60]
    _text(element, "name", name, fmt=None)
    _text(element, "questiontext", question.prompt)
    _text(element, "generalfeedback", question.feedback)
    ET.SubElement(element, "defaultgrade").text = "1"
    if qtype.moodle_qtype == "multichoice":
        ET.SubElement(element, "single").text = "true" if qtype.moodle_single else "false"
        ET.SubElement(element, "shuffleanswers").text = "false"
        ET.SubElement(element, "answernumbering").text = "abc"
    if qtype.moodle_qtype == "shortanswer":
        ET.SubElement(element, "usecase").text = "0"
    for answer in qtype.to_answers(question):
        text = answer.text.lower() if qtype.moodle_qtype == "truefalse" else answer.text
        node = _text(element, "answer", text)
        node.set("fraction", _fraction(answer))
        _text(node, "feedback", answer.feedback)


def export_moodle_xml(questions: list[QuestionSpec]) -> str:
    """The questions as a Moodle XML file (UTF-8 text with its declaration).

    Raises ValueError for a question whose type Moodle XML cannot carry."""
    quiz = ET.Element("quiz")
    for question in questions:
        _question(quiz, question)
    ET.indent(quiz)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(quiz, encoding="unicode") + "\n"
