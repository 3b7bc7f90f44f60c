"""Write quiz questions read from the content format onto their database rows.

Importing whole courses (courses, units, video, captions) is lms.services.course_import.
"""
from __future__ import annotations

from lms.models import Choice, Question, Quiz
from lms.quiz.spec import QuestionSpec


def fill_question(question: Question, spec: QuestionSpec) -> None:
    """Write a spec onto a question, reusing its choice rows by position (their ids stay)."""
    question.type, question.title, question.prompt, question.feedback = spec.type, spec.title, spec.prompt, spec.feedback
    for position, choice_spec in enumerate(spec.choices, start=1):
        if position <= len(question.choices):
            choice = question.choices[position - 1]
        else:
            choice = Choice()
            question.choices.append(choice)
        choice.position, choice.text, choice.correct = position, choice_spec.text, choice_spec.correct
        choice.weight, choice.feedback = choice_spec.weight, choice_spec.feedback
    del question.choices[len(spec.choices):]


def fill_questions(quiz: Quiz, specs: list[QuestionSpec]) -> None:
    """Update questions in place by position, so the ids that attempts refer to stay put."""
    for position, spec in enumerate(specs, start=1):
        if position <= len(quiz.questions):
            question = quiz.questions[position - 1]
        else:
            question = Question()
            quiz.questions.append(question)
        question.position = position
        fill_question(question, spec)
    del quiz.questions[len(specs):]
