"""Taking a quiz: attempts, validation of answers, grading."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lms.errors import LmsError, NotAllowed, NotFound
from lms.models import Attempt, Quiz, User
from lms.models._types import utcnow
from lms.questions import InvalidAnswer, type_of


class AnswersInvalid(LmsError):
    """Some answers are missing or malformed. Keeps what was sent so nothing is lost."""

    def __init__(self, errors: dict[int, str], raw: dict[int, list[str]], tampered: bool):
        super().__init__(_("Some answers need your attention."))
        self.errors, self.raw, self.tampered = errors, raw, tampered


@dataclass
class Submission:
    attempt: Attempt
    #: False when the same attempt had already been submitted (a double post): nothing was counted.
    counted: bool


def submitted_count(session: Session, user: User, quiz: Quiz) -> int:
    return session.scalar(  # type: ignore[return-value]  # COUNT always returns a row
        select(func.count(Attempt.id)).where(
            Attempt.quiz_id == quiz.id, Attempt.user_id == user.id, Attempt.submitted_at.is_not(None)
        )
    )


def attempts_left(session: Session, user: User, quiz: Quiz) -> int | None:
    """None means unlimited."""
    if not quiz.max_attempts:
        return None
    return max(0, quiz.max_attempts - submitted_count(session, user, quiz))


def has_passed(session: Session, user: User, quiz: Quiz) -> bool:
    return bool(
        session.scalar(
            select(func.count(Attempt.id)).where(
                Attempt.quiz_id == quiz.id, Attempt.user_id == user.id, Attempt.passed.is_(True)
            )
        )
    )


def open_attempt(session: Session, user: User, quiz: Quiz) -> Attempt:
    """The learner's unsubmitted attempt, or a new one if the policy allows another."""
    attempt = session.scalars(
        select(Attempt)
        .where(Attempt.quiz_id == quiz.id, Attempt.user_id == user.id, Attempt.submitted_at.is_(None))
        .order_by(Attempt.id.desc())
    ).first()
    if attempt is not None:
        return attempt
    if has_passed(session, user, quiz):
        raise NotAllowed(_("You have already passed this quiz."))
    if attempts_left(session, user, quiz) == 0:
        raise NotAllowed(_("You have used all %(n)d attempts at this quiz.", n=quiz.max_attempts))
    attempt = Attempt(quiz_id=quiz.id, user_id=user.id, answers={})
    session.add(attempt)
    session.flush()
    return attempt


def get_attempt(session: Session, user: User, quiz: Quiz, attempt_id: int) -> Attempt:
    attempt = session.get(Attempt, attempt_id)
    if attempt is None or attempt.user_id != user.id or attempt.quiz_id != quiz.id:
        raise NotFound()
    return attempt


def read_answers(questions: Iterable[Any], form: dict[str, list[str]]) -> dict[int, object]:
    """Parse every question's answer from form values named q-<id> ({question id: answer}, each
    as its type parses it, lms.questions); AnswersInvalid lists all problems. `questions` are a
    quiz's Question rows or read-only copies of them (lms.services.quiz_submissions)."""
    answers: dict[int, object] = {}
    errors: dict[int, str] = {}
    raw: dict[int, list[str]] = {}
    tampered = False
    for question in questions:
        values = form.get(f"q-{question.id}", [])
        raw[question.id] = values
        try:
            answers[question.id] = type_of(question).parse(question, values)
        except InvalidAnswer as err:
            errors[question.id] = err.message
            tampered = tampered or err.tampered
    if errors:
        raise AnswersInvalid(errors, raw, tampered)
    return answers


def grade(questions: Sequence[Any], answers: dict[int, object]) -> tuple[dict[str, dict], float]:
    """Grade parsed `answers` (read_answers) to `questions`: ({str(question id): {"answer",
    "score" 0..1, "correct"}}, as Attempt.answers keeps them; the score in percent, 0-100, to one
    decimal place, 0 for no questions)."""
    graded = {}
    total = 0.0
    for question in questions:
        result = type_of(question).grade(question, answers[question.id])
        total += result.score
        graded[str(question.id)] = {"answer": answers[question.id], "score": result.score, "correct": result.correct}
    return graded, round(100 * total / len(questions), 1) if questions else 0.0


def submit(session: Session, user: User, quiz: Quiz, attempt: Attempt, form: dict[str, list[str]]) -> Submission:
    """Grade and close an attempt. A second submission of the same attempt changes nothing."""
    if attempt.submitted_at is not None:
        return Submission(attempt, counted=False)
    attempt.answers, attempt.score = grade(quiz.questions, read_answers(quiz.questions, form))
    attempt.passed = attempt.score >= quiz.pass_mark
    attempt.submitted_at = utcnow()
    session.flush()
    return Submission(attempt, counted=True)


@dataclass
class QuestionResult:
    question: object
    #: The learner's answer and the answer that earns full marks, as people read them.
    answer_text: str
    correct: bool
    score: float
    feedback: list[str]
    correct_answer: str


def explain(quiz: Quiz, attempt: Attempt) -> list[QuestionResult]:
    """Per-question feedback for a submitted attempt, in the quiz's current order."""
    results = []
    for question in quiz.questions:
        saved = (attempt.answers or {}).get(str(question.id))
        if saved is None:
            continue  # question added after this attempt
        qtype = type_of(question)
        answer = saved["answer"]
        graded = qtype.grade(question, answer)
        feedback = list(graded.feedback)
        if question.feedback:
            feedback.append(question.feedback)
        results.append(
            QuestionResult(
                question,
                qtype.answer_text(question, answer),
                saved["correct"],
                saved["score"],
                feedback,
                qtype.correct_answer(question),
            )
        )
    return results
