"""A question type added in one module and registered: authored, stored, shown, marked and written
to quiz.yaml and GIFT through the registry, with no other module changed.

The type is the worked example of docs/question-types.md, run from the document itself so the
two cannot drift apart. Only the database is out of reach: its CHECK constraint on questions.type
needs a migration (the document says so), so the questions here are never saved.
"""

from __future__ import annotations

import re
import sys
import types
from pathlib import Path

import pytest
from flask import render_template

from lms.content.exporter import quiz_yaml
from lms.content.loader import load_quiz
from lms.errors import FieldErrors
from lms.models import Course, Question, Quiz
from lms.questions import all_types, fill_question, find, names, spec_of
from lms.questions.base import QuestionType
from lms.questions.gift import export_gift, parse_gift
from lms.questions.registry import REGISTRY, register
from lms.services import quiz_authoring as qa
from lms.services import quizzes
from lms.services.quiz_authoring import QuestionFields

DOC = Path(__file__).resolve().parents[3] / "docs" / "question-types.md"


@pytest.fixture
def yes_no(monkeypatch) -> QuestionType:
    """The documented YesOrNo type, loaded as the module lms/questions/yes_no.py and registered."""
    code = re.search(r"`lms/questions/yes_no.py`:\n\n```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    module = types.ModuleType("lms.questions.yes_no")
    monkeypatch.setitem(sys.modules, module.__name__, module)
    exec(compile(code.group(1), str(DOC), "exec"), module.__dict__)  # noqa: S102 - our own document
    qtype = module.YesOrNo()
    monkeypatch.setitem(REGISTRY, qtype.name, qtype)
    return qtype


def _stored(spec) -> Question:
    question = Question(id=7, position=1)
    fill_question(question, spec)
    for number, choice in enumerate(question.choices):
        choice.id = 70 + number
    return question


def test_registered_type_is_offered_by_name(yes_no):
    """The registry finds the new type by name and lists it after the built-in ones."""
    assert find("yes_no") is yes_no and names()[-1] == "yes_no" and all_types()[-1] is yes_no


def test_registering_a_taken_name_is_refused(yes_no):
    """A second type with the same name is a programming error."""
    with pytest.raises(ValueError):
        register(yes_no)


def test_new_type_is_authored_and_checked_through_the_editor_service(app, yes_no):
    """quiz_authoring builds it from its own editor fields and reports its own field's error."""
    with app.app_context():
        spec = qa.build_spec(
            QuestionFields("yes_no", "Should you boil well water?", answer="yes", feedback_no="Boiling kills germs.")
        )
        assert [(c.text, c.correct, c.feedback) for c in spec.choices] == [
            ("Yes", True, ""),
            ("No", False, "Boiling kills germs."),
        ]
        with pytest.raises(FieldErrors) as err:
            qa.build_spec(QuestionFields("yes_no", "Should you boil well water?"))
        assert list(err.value.errors) == ["answer"]
        assert qa.fields_of(_stored(spec)).values["answer"] == "yes"


def test_new_type_editor_and_learner_pages_render_from_the_type(app, yes_no):
    """The editor page builds its form from the type's fields; the learner's macro shows its choices."""
    from lms.quizauthor.forms import question_form

    spec = qa.build_spec(QuestionFields("yes_no", "Should you boil well water?", answer="no"))
    question = _stored(spec)
    with app.test_request_context("/"):
        form = question_form(yes_no)
        assert [f.name for f in form if f.name not in ("csrf_token", "version")] == [
            "prompt",
            "answer",
            "feedback_yes",
            "feedback_no",
            "feedback",
            "title",
        ]
        page = render_template(
            "quizauthor/question.html",
            course=Course(id=1, title="Water", slug="water"),
            quiz=Quiz(title="Check"),
            form=form,
            qtype=yes_no,
            question=None,
            number=1,
            weighted=False,
        )
        assert "Add question 1: Yes or no" in page and ">The right answer is</legend>" in page
        assert 'type="radio" id="answer" name="answer" value="yes"' in page
        macro = getattr(app.jinja_env.get_template("quiz/_questions.html").module, yes_no.macro)
        html = str(macro(question, yes_no, 1, 1, [], None))
    assert 'type="radio" id="q-7" name="q-7" value="70"' in html and '<label for="q-7">Yes</label>' in html


def test_new_type_is_marked_through_the_registry(app, yes_no):
    """A submitted form is parsed and graded by the type, as quizzes.submit does for any question."""
    with app.app_context():
        spec = qa.build_spec(
            QuestionFields(
                "yes_no", "Is clear water always safe?", answer="no", feedback_yes="Clear water can still carry germs."
            )
        )
        quiz = Quiz(title="Check", pass_mark=50)
        quiz.questions.append(_stored(spec))
        yes_id, no_id = (c.id for c in quiz.questions[0].choices)
        assert quizzes.read_answers(quiz.questions, {"q-7": [str(no_id)]}) == {7: [no_id]}
        graded = yes_no.grade(quiz.questions[0], [yes_id])
        assert (graded.score, graded.correct, graded.feedback) == (0.0, False, ["Clear water can still carry germs."])
        assert yes_no.grade(quiz.questions[0], [no_id]).correct
        with pytest.raises(quizzes.AnswersInvalid):
            quizzes.read_answers(quiz.questions, {"q-7": ["999"]})


def test_new_type_round_trips_through_quiz_yaml_and_gift(app, yes_no, tmp_path):
    """The course exporter writes its keys and the loader reads them back; GIFT carries it as
    Moodle's one-answer multichoice (Moodle has no yes/no type)."""
    with app.app_context():
        spec = qa.build_spec(
            QuestionFields("yes_no", "Should you boil well water?", answer="yes", feedback_yes="Right.")
        )
    course = Course(title="Water", slug="water")
    course.quiz = Quiz(title="Check", pass_mark=50, max_attempts=0)
    course.quiz.questions.append(_stored(spec))
    text = quiz_yaml(course)
    assert "type: yes_no" in text and "answer: true" in text
    (tmp_path / "quiz.yaml").write_text(text, encoding="utf-8")
    (loaded,) = load_quiz(tmp_path / "quiz.yaml").questions
    assert loaded == spec_of(course.quiz.questions[0])
    (back,) = parse_gift(export_gift([spec]))
    assert back.type == "single"
    assert [(c.text, c.correct, c.feedback) for c in back.choices] == [
        (c.text, c.correct, c.feedback) for c in spec.choices
    ]
