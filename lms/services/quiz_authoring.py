"""Writing a course quiz in the browser: settings, questions, order, and GIFT import and export.

Plain functions on plain values. Problems a trainer can fix are raised as FieldErrors keyed by the
id of the form field to fix, so views can show each next to its field and link to it. Questions
and choices are updated in place, so the ids that submitted attempts refer to stay put.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from lms.content.importer import fill_question, fill_questions
from lms.errors import FieldErrors, LmsError, NotFound
from lms.models import Course, Question, Quiz
from lms.quiz.gift import export_gift, parse_gift
from lms.quiz.spec import QUESTION_TYPES, ChoiceSpec, QuestionSpec

TITLE_MAX = 200
#: A sensible ceiling for one quiz; GIFT files from Moodle banks can be large but not endless.
MAX_QUESTIONS = 500


# --- Quiz settings -------------------------------------------------------------------------------

def get_course(session: Session, course_id: int) -> Course:
    """The course with its quiz, questions and choices, in a fixed number of queries."""
    course = session.scalars(
        select(Course).where(Course.id == course_id).options(
            selectinload(Course.quiz).selectinload(Quiz.questions).selectinload(Question.choices)
        )
    ).first()
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

@dataclass
class ChoiceRow:
    text: str = ""
    correct: bool = False
    feedback: str = ""


@dataclass
class QuestionFields:
    """What the question form sends, whatever the type; only the type's own fields are read."""

    type: str
    prompt: str
    title: str = ""
    feedback: str = ""
    #: single and multiple: the fixed rows of the form; blank rows are ignored.
    choices: list[ChoiceRow] = field(default_factory=list)
    #: true_false: "true" or "false".
    answer: str = ""
    feedback_true: str = ""
    feedback_false: str = ""
    #: short_text: accepted answers, one per line.
    accepted: str = ""


def build_spec(data: QuestionFields) -> QuestionSpec:
    """Check the form's values with the rules of the content loader and return a QuestionSpec."""
    if data.type not in QUESTION_TYPES:
        raise NotFound()
    errors: dict[str, str] = {}
    prompt = (data.prompt or "").strip()
    title = (data.title or "").strip()
    if not prompt:
        errors["prompt"] = _("Enter the question.")
    if len(title) > TITLE_MAX:
        errors["title"] = _("Keep the short name under %(n)d characters.", n=TITLE_MAX)
    spec = QuestionSpec(type=data.type, prompt=prompt, title=title, feedback=(data.feedback or "").strip())
    if data.type in ("single", "multiple"):
        for index, row in enumerate(data.choices):
            text, feedback = (row.text or "").strip(), (row.feedback or "").strip()
            if not text:
                if row.correct or feedback:
                    errors[f"choices-{index}-text"] = _(
                        "Choice %(n)d has feedback or is marked correct but has no text. Add the text or clear the row.",
                        n=index + 1)
                continue
            spec.choices.append(ChoiceSpec(text=text, correct=bool(row.correct), feedback=feedback))
        right = sum(c.correct for c in spec.choices)
        if len(spec.choices) < 2:
            errors["choices"] = _("Give at least two choices.")
        elif data.type == "single" and right != 1:
            errors["choices"] = _("Mark exactly one choice as correct.")
        elif data.type == "multiple" and right < 2:
            errors["choices"] = _(
                "Mark two or more choices as correct. For one correct answer, write a single choice question.")
    elif data.type == "true_false":
        if data.answer not in ("true", "false"):
            errors["answer"] = _("Choose whether the statement is true or false.")
        spec.choices = [
            ChoiceSpec("True", correct=data.answer == "true", feedback=(data.feedback_true or "").strip()),
            ChoiceSpec("False", correct=data.answer == "false", feedback=(data.feedback_false or "").strip()),
        ]
    else:
        seen: set[str] = set()
        for line in (data.accepted or "").splitlines():
            answer = line.strip()
            if answer and answer.casefold() not in seen:
                seen.add(answer.casefold())
                spec.choices.append(ChoiceSpec(answer, correct=True))
        if not spec.choices:
            errors["accepted"] = _("Give at least one accepted answer, one per line.")
    if errors:
        raise FieldErrors(errors)
    return spec


def fields_of(question: Question) -> QuestionFields:
    """The form's values for an existing question."""
    data = QuestionFields(type=question.type, prompt=question.prompt, title=question.title,
                          feedback=question.feedback)
    if question.type in ("single", "multiple"):
        data.choices = [ChoiceRow(c.text, c.correct, c.feedback) for c in question.choices]
    elif question.type == "true_false":
        by_text = {c.text.lower(): c for c in question.choices}
        true, false = by_text.get("true"), by_text.get("false")
        data.answer = "true" if true is not None and true.correct else "false"
        data.feedback_true = true.feedback if true is not None else ""
        data.feedback_false = false.feedback if false is not None else ""
    else:
        data.accepted = "\n".join(c.text for c in question.choices if c.correct)
    return data


def has_weights(question: Question) -> bool:
    """True when the question came with GIFT % weights, which the form does not show."""
    return any(c.weight is not None for c in question.choices)


def spec_of(question: Question) -> QuestionSpec:
    return QuestionSpec(
        type=question.type, prompt=question.prompt, title=question.title, feedback=question.feedback,
        choices=[ChoiceSpec(c.text, c.correct, c.weight, c.feedback) for c in question.choices],
    )


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


def update_question(session: Session, question: Question, spec: QuestionSpec) -> Question:
    """Edit in place. The form shows no GIFT weights: saving it marks by the correct choices alone,
    but a short answer's wrong answers kept for their feedback (weight 0) stay after the accepted ones."""
    if question.type == "short_text" and spec.type == "short_text":
        spec.choices += [ChoiceSpec(c.text, False, c.weight, c.feedback) for c in question.choices if not c.correct]
    fill_question(question, spec)
    session.flush()
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

def import_gift(session: Session, quiz: Quiz, text: str | bytes, mode: str) -> int:
    """Import every question of a GIFT text or none (GiftError lists each problem by line).

    mode "append" adds the questions after the existing ones; "replace" makes them the quiz's
    questions, updating the existing rows in place by position.
    """
    specs = parse_gift(text)
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
