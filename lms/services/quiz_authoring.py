"""Writing a course quiz in the browser: settings, questions, order, and import and export (GIFT,
Moodle XML, Aiken).

Plain functions on plain values. Problems a trainer can fix are raised as FieldErrors keyed by the
id of the form field to fix, so views can show each next to its field and link to it. Questions
and choices are updated in place, so the ids that submitted attempts refer to stay put.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from lms.errors import FieldErrors, LmsError, NotFound
from lms.models import Course, Question, Quiz
from lms.questions import ChoiceRow as ChoiceRow  # the form's rows, part of QuestionFields
from lms.questions import QuestionSpec, fill_question, fill_questions, find, spec_of, type_of
from lms.questions.aiken import read_aiken
from lms.questions.encoding import decode_file
from lms.questions.gift import export_gift, parse_gift
from lms.questions.moodle_xml import export_moodle_xml, read_moodle_xml
from lms.questions.problems import ImportResult
from lms.services.courses import loaded_course
from lms.services.editing import saving

TITLE_MAX = 200
#: A sensible ceiling for one quiz; GIFT files from Moodle banks can be large but not endless.
MAX_QUESTIONS = 500


# --- Quiz settings -------------------------------------------------------------------------------


def get_course(session: Session, course_id: int) -> Course:
    """The course with its quiz, questions and choices, in a fixed number of queries
    (lms.services.courses.loaded_course); NotFound when there is no such course."""
    course = loaded_course(session, Course.id == course_id, units=False)
    if course is None:
        raise NotFound()
    return course


def require_quiz(course: Course) -> Quiz:
    if course.quiz is None:
        raise NotFound(_("“%(title)s” has no quiz yet. Create it first.", title=course.title))
    return course.quiz


def save_settings(session: Session, course: Course, title: str, pass_mark: int, max_attempts: int) -> Quiz:
    """Create the course quiz, or change its title, pass mark and attempt limit (0 = unlimited)."""
    errors = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = _("Enter a title for the quiz.")
    elif len(title) > TITLE_MAX:
        errors["title"] = _("Keep the title under %(n)d characters.", n=TITLE_MAX)
    if pass_mark is None or not 0 <= pass_mark <= 100:
        errors["pass_mark"] = _("Enter a pass mark from 0 to 100.")
    if max_attempts is None or not 0 <= max_attempts <= 100:
        errors["max_attempts"] = _("Enter a number of attempts from 0 to 100 (0 means unlimited).")
    if errors:
        raise FieldErrors(errors)
    if course.quiz is None:
        course.quiz = Quiz(title=title)
    course.quiz.title, course.quiz.pass_mark, course.quiz.max_attempts = title, pass_mark, max_attempts
    session.flush()
    return course.quiz


# --- Questions from the form ---------------------------------------------------------------------


class QuestionFields:
    """What the question form sends: the fields every type has, and the type's own editor fields
    (its ``QuestionType.editor``) by name, e.g. ``choices`` (a list of ChoiceRow) or ``accepted``."""

    def __init__(self, type: str, prompt: str, title: str = "", feedback: str = "", **values: Any):
        self.type, self.prompt, self.title, self.feedback = type, prompt, title, feedback
        self.values: dict[str, Any] = values

    def __repr__(self) -> str:
        return f"QuestionFields({self.type!r}, {self.prompt!r}, title={self.title!r}, values={self.values!r})"


def build_spec(data: QuestionFields) -> QuestionSpec:
    """Check the form's values by the type's rules (the same as quiz.yaml's) and return a spec.

    Raises NotFound for a type that is not registered, FieldErrors keyed by form field id."""
    qtype = find(data.type)
    if qtype is None:
        raise NotFound()
    errors: dict[str, str] = {}
    prompt = (data.prompt or "").strip()
    title = (data.title or "").strip()
    if not prompt:
        errors["prompt"] = _("Enter the question.")
    if len(title) > TITLE_MAX:
        errors["title"] = _("Keep the short name under %(n)d characters.", n=TITLE_MAX)
    choices, problems = qtype.from_editor(data.values)
    errors.update(problems)
    if errors:
        raise FieldErrors(errors)
    return QuestionSpec(
        type=qtype.name, prompt=prompt, title=title, feedback=(data.feedback or "").strip(), choices=choices
    )


def fields_of(question: Question) -> QuestionFields:
    """The form's values for an existing question."""
    return QuestionFields(
        question.type,
        question.prompt,
        title=question.title,
        feedback=question.feedback,
        **type_of(question).to_editor(spec_of(question)),
    )


def _as_text(value: Any) -> str:
    """An editor field's value as plain text, for comparing two versions: choice rows one a line."""
    if isinstance(value, list):
        lines = []
        for number, row in enumerate((r for r in value if isinstance(r, ChoiceRow) and r.text.strip()), start=1):
            mark = _("correct") if row.correct else _("not correct")
            weight = getattr(row, "weight", None)
            if weight not in (None, ""):
                mark = _("%(weight)s%%", weight=weight)
            line = f"{number}. {row.text.strip()} ({mark})"
            if row.feedback.strip():
                line += " – " + row.feedback.strip()
            lines.append(line)
        return "\n".join(lines)
    return str(value or "")


def conflict_rows(question: Question, yours: QuestionFields) -> list[tuple[str, str, str]]:
    """(label, as now saved, as this editor sent it) for every field of the question form, for the
    page shown when someone saved the question first (lms.services.editing)."""
    theirs = fields_of(question)
    rows = [(_("Question"), theirs.prompt, yours.prompt)]
    for editor_field in type_of(question).editor:
        rows.append(
            (
                str(editor_field.label),
                _as_text(theirs.values.get(editor_field.name)),
                _as_text(yours.values.get(editor_field.name)),
            )
        )
    rows += [(_("General feedback"), theirs.feedback, yours.feedback), (_("Short name"), theirs.title, yours.title)]
    return rows


def get_question(quiz: Quiz, question_id: int) -> Question:
    question = next((q for q in quiz.questions if q.id == question_id), None)
    if question is None:
        raise NotFound()
    return question


def number_of(quiz: Quiz, question: Question) -> int:
    """The question's number as learners see it (1-based)."""
    return next(i for i, q in enumerate(quiz.questions, start=1) if q.id == question.id)


def add_question(session: Session, quiz: Quiz, spec: QuestionSpec) -> Question:
    if len(quiz.questions) >= MAX_QUESTIONS:
        raise LmsError(_("A quiz can have at most %(n)d questions.", n=MAX_QUESTIONS))
    question = Question(position=len(quiz.questions) + 1)
    quiz.questions.append(question)
    fill_question(question, spec)
    session.flush()
    return question


def update_question(session: Session, question: Question, spec: QuestionSpec, *, version: int | None) -> Question:
    """Edit in place; what the type keeps past its editor stays (a short answer's wrong answers
    kept for their feedback, QuestionType.merge_edit). `version` is the question's version the
    form was opened at: EditConflict when someone saved it since (lms.services.editing)."""
    with saving(session, question, version, "prompt"):
        if spec.type == question.type:
            spec.choices = type_of(question).merge_edit(spec_of(question).choices, spec.choices)
        fill_question(question, spec)
    return question


def _renumber(quiz: Quiz) -> None:
    for position, question in enumerate(quiz.questions, start=1):
        question.position = position


def delete_question(session: Session, quiz: Quiz, question: Question) -> None:
    """Remove a question. Old attempts keep their answers as JSON; results skip the missing question."""
    quiz.questions.remove(question)
    _renumber(quiz)
    session.flush()


def move_question(session: Session, quiz: Quiz, question: Question, direction: str) -> int:
    """Swap a question with its neighbour; returns its new number (unchanged at either end)."""
    questions = list(quiz.questions)
    index = questions.index(question)
    other = index - 1 if direction == "up" else index + 1 if direction == "down" else None
    if other is None:
        raise LmsError(_("Choose up or down."))
    if 0 <= other < len(questions):
        questions[index], questions[other] = questions[other], questions[index]
        quiz.questions[:] = questions
        _renumber(quiz)
        session.flush()
        return other + 1
    return index + 1


# --- GIFT ----------------------------------------------------------------------------------------

#: The question file formats the import reads, by the name the import form posts.
IMPORT_FORMATS = ("gift", "moodle_xml", "aiken")


def import_gift(session: Session, quiz: Quiz, text: str | bytes, mode: str) -> int:
    """Import every question of a GIFT text or none (GiftError lists each problem by line).

    mode "append" adds the questions after the existing ones; "replace" makes them the quiz's
    questions, updating the existing rows in place by position.
    """
    return _store(session, quiz, parse_gift(text), mode)


def import_questions(
    session: Session, quiz: Quiz, source: str | bytes, mode: str, fmt: str = "gift"
) -> tuple[int, list[str]]:
    """Import every question of a question file or none: the number imported and the warnings
    for the trainer (a Windows-1252 file, embedded pictures not imported...).

    ``fmt`` is one of IMPORT_FORMATS; ``source`` the file's bytes or pasted text. Raises
    lms.questions.problems.QuestionFileError (GiftError, MoodleXmlError, AikenError) listing each
    problem, or LmsError when the quiz would hold too many questions; ``mode`` as import_gift.
    """
    if fmt == "moodle_xml":
        result = read_moodle_xml(source)
    elif fmt == "aiken":
        result = read_aiken(source)
    else:
        warnings: list[str] = []
        if isinstance(source, bytes):
            text, warnings = decode_file(source)
            # Neither UTF-8 nor Windows-1252: the GIFT reader refuses it with the line.
            source = text if text is not None else source
        result = ImportResult(parse_gift(source), warnings)
    return _store(session, quiz, result.questions, mode), result.warnings


def _store(session: Session, quiz: Quiz, specs: list[QuestionSpec], mode: str) -> int:
    if mode == "replace":
        if len(specs) > MAX_QUESTIONS:
            raise LmsError(_("A quiz can have at most %(n)d questions.", n=MAX_QUESTIONS))
        fill_questions(quiz, specs)
    else:
        if len(quiz.questions) + len(specs) > MAX_QUESTIONS:
            raise LmsError(_("A quiz can have at most %(n)d questions.", n=MAX_QUESTIONS))
        for spec in specs:
            question = Question(position=len(quiz.questions) + 1)
            quiz.questions.append(question)
            fill_question(question, spec)
    session.flush()
    return len(specs)


def export_quiz_gift(quiz: Quiz) -> str:
    return export_gift([spec_of(q) for q in quiz.questions])


def export_quiz_moodle_xml(quiz: Quiz) -> str:
    """The quiz's questions as a Moodle XML file (lms.questions.moodle_xml)."""
    return export_moodle_xml([spec_of(q) for q in quiz.questions])
