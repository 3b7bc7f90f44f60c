"""Choice weights in Chromium: the quiz editor with marks per choice (filled, refused, chosen by
keyboard) and a learner's result with partial credit are axe-clean and readable."""

from __future__ import annotations

import re

import pytest

from tests.browser.author_helpers import add_user, in_db
from tests.browser.helpers import (
    assert_no_axe_violations,
    assert_structure,
    is_focused,
    new_context,
    press_and_wait,
    sign_in,
    tab_to,
)

pytestmark = pytest.mark.browser

AUTHOR, LEARNER = "weights-trainer", "weights-learner"


@pytest.fixture(scope="module")
def world(site):
    """A published course whose quiz has a single choice question with a 50 % answer, and a
    learner who chose that answer."""
    from lms.models import User
    from lms.services import courses, enrollment, publishing, quizzes, units
    from lms.services import quiz_authoring as qa
    from lms.services.courses import CourseFields
    from lms.services.quiz_authoring import ChoiceRow, QuestionFields
    from lms.services.units import UnitFields

    owner = add_user(site, AUTHOR, "Mao Sreyleak", "weights.trainer@example.org", "trainer")
    learner = add_user(site, LEARNER, "Chan Dara", "weights.learner@example.org")

    def build(db):
        course = courses.create_course(db, db.get(User, owner), CourseFields(title="Fair Pay", estimated_minutes=20))
        unit = units.create_unit(db, course, UnitFields(title="Reading a payslip", body_md="Check every line."))
        publishing.set_unit_status(db, unit, "published")
        courses.set_course_status(db, course, "published")
        quiz = qa.save_settings(db, course, "Check your understanding", 50, 0)
        rows = [
            ChoiceRow("The hours worked and the hourly rate", True, "Right."),
            ChoiceRow("Only the total pay", False, "Half right: the hours belong there too.", "50"),
            ChoiceRow("The employer's name", False),
        ]
        question = qa.add_question(
            db, quiz, qa.build_spec(QuestionFields("single", "What must a payslip show?", choices=rows))
        )
        user = db.get(User, learner)
        enrollment.enroll(db, user, course)
        attempt = quizzes.open_attempt(db, user, quiz)
        quizzes.submit(db, user, quiz, attempt, {f"q-{question.id}": [str(question.choices[1].id)]})
        db.flush()
        return {
            "course": course.id,
            "question": question.id,
            "result": f"/courses/{course.slug}/quiz/attempts/{attempt.id}",
        }

    return in_db(site, build)


@pytest.fixture
def page_of(browser, site):
    contexts = []

    def make(who: str):
        context = new_context(browser, site)
        contexts.append(context)
        sign_in(context, site, who)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def test_editor_with_weights_is_axe_clean_and_marks_are_chosen_by_keyboard(page_of, world):
    """Each choice's marks are a labelled select; a keyboard user changes 50 % to 25 % and saves."""
    page = page_of(AUTHOR)
    url = f"/teach/courses/{world['course']}/quiz/questions/{world['question']}"
    page.goto(url)
    assert_structure(page)
    marks = page.get_by_label("Marks for choice 2")
    assert marks.input_value() == "50"
    assert_no_axe_violations(page, "question-edit-weighted")
    tab_to(page, marks)
    marks.select_option("25")  # a keyboard user's arrow keys on a focused select do the same
    assert is_focused(page, marks)
    save = page.get_by_role("button", name="Save question")
    tab_to(page, save)
    press_and_wait(page)
    page.goto(url)
    assert page.get_by_label("Marks for choice 2").input_value() == "25"


def test_editor_refusing_weights_is_axe_clean_and_links_to_the_select(page_of, world):
    """Multiple choice marks that do not add up to 100 %: the summary says so, the page is axe-clean."""
    page = page_of(AUTHOR)
    page.goto(f"/teach/courses/{world['course']}/quiz/questions/new/multiple")
    page.get_by_label(re.compile("^Question")).fill("Which lines does a payslip need?")
    for n, (text, marks) in enumerate((("Hours", "50"), ("Rate", "40"), ("Colour", "-50")), start=1):
        page.get_by_label(re.compile(f"^Choice {n} text")).fill(text)
        page.get_by_label(f"Marks for choice {n}").select_option(marks)
        if marks != "-50":
            page.get_by_label(f"Choice {n} is correct").check()
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Add question").click()
    assert navigation.value.status == 422
    assert assert_structure(page)["title"].startswith("Error:")
    assert "add up to 90 %" in page.locator(".error-summary").inner_text()
    assert page.get_by_label("Marks for choice 2").input_value() == "40", "what was chosen is kept"
    assert_no_axe_violations(page, "question-new-multiple-weights-refused")


def test_result_with_partial_credit_is_axe_clean_and_says_the_mark(page_of, world):
    """The learner reads "Mark 0.50 out of 1.00 (50%)" and that partial credit was given."""
    page = page_of(LEARNER)
    page.goto(world["result"])
    assert_structure(page)
    text = " ".join(page.get_by_role("main").inner_text().split())
    assert "Mark 0.50 out of 1.00 (50%)" in text and "partly correct" in text
    assert "Partial credit: your answer earned part of the marks for this question." in text
    assert_no_axe_violations(page, "quiz-result-partial-credit")
