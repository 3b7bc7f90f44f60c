"""Moodle XML import and export: Moodle's own question bank export format.

A file is ``<quiz>`` holding ``<question type="...">`` elements (https://docs.moodle.org/en/Moodle_XML_format).
Sala imports the types it can show and grade (multichoice with one or several answers,
truefalse, shortanswer), with each answer's fraction as its % weight (partial credit), its
feedback and the general feedback; every other type (matching, numerical, essay, description,
Cloze, calculated, drag and drop...) is refused by name and question, and an import is all or
nothing: :func:`read_moodle_xml` returns every question or raises :class:`MoodleXmlError`
listing every problem. ``reader`` reads, ``writer`` writes; the types map their answers through
the registry as for GIFT (docs/question-types.md).
"""

from __future__ import annotations

from lms.questions.moodle_xml.reader import MoodleXmlError, parse_moodle_xml, read_moodle_xml
from lms.questions.moodle_xml.writer import export_moodle_xml

__all__ = ["MoodleXmlError", "export_moodle_xml", "parse_moodle_xml", "read_moodle_xml"]
