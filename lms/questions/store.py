"""Writing question specs onto Question and Choice rows, and reading them back.

Rows are updated in place by position, so the ids that submitted attempts refer to stay put; the
caller adds and flushes. Used by the content import and the quiz editor alike.
"""

from __future__ import annotations

from lms.models import Choice, Question, Quiz
from lms.questions.spec import ChoiceSpec, QuestionSpec


def fill_question(question: Question, spec: QuestionSpec) -> None:
    """Write a spec onto a question, reusing its choice rows by position (their ids stay)."""
    question.type, question.title = spec.type, spec.title
    question.prompt, question.feedback = spec.prompt, spec.feedback
    for position, choice_spec in enumerate(spec.choices, start=1):
        if position <= len(question.choices):
            choice = question.choices[position - 1]
        else:
            choice = Choice()
            question.choices.append(choice)
        choice.position, choice.text, choice.correct = position, choice_spec.text, choice_spec.correct
        choice.weight, choice.feedback = choice_spec.weight, choice_spec.feedback
    del question.choices[len(spec.choices) :]


def fill_questions(quiz: Quiz, specs: list[QuestionSpec]) -> None:
    """Make specs the quiz's questions, updating existing rows in place by position."""
    for position, spec in enumerate(specs, start=1):
        if position <= len(quiz.questions):
            question = quiz.questions[position - 1]
        else:
            question = Question()
            quiz.questions.append(question)
        question.position = position
        fill_question(question, spec)
    del quiz.questions[len(specs) :]


def spec_of(question: Question) -> QuestionSpec:
    """A stored question as a spec (for the editor, quiz.yaml and GIFT)."""
    return QuestionSpec(
        type=question.type,
        prompt=question.prompt,
        title=question.title,
        feedback=question.feedback,
        choices=[ChoiceSpec(c.text, c.correct, c.weight, c.feedback) for c in question.choices],
    )
