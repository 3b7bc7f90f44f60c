"""A trainer imports a GIFT quiz by keyboard, fixing the errors listed by line; a learner takes it and
the trainer's results page shows the same figures."""

from __future__ import annotations

import re

import pytest

from tests.browser.author_helpers import (
    activate,
    add_user,
    containing,
    # noqa: F401  (a fixture)
    exactly,
    in_db,
    sign_in_by_keyboard,
    type_into,
)
from tests.browser.helpers import is_focused, new_context, tab_to

pytestmark = pytest.mark.browser

TITLE = "Speaking Up at Meetings"

BROKEN = (
    "::Motive:: Which motive asks for a decision? {\n=To persuade\n~To inform#Not quite.\n~To motivate\n}\n\n"
    "::Match:: Match these {=a -> b =c -> d}\n\n"
    "::Capital:: Capital of Cambodia? {=Phnom Penh\n"
)
FIXED = BROKEN.replace("::Match:: Match these {=a -> b =c -> d}", "::Sky:: The sky is green. {F}") + "}\n"

TABLE_JS = "t => Array.from(t.rows, r => Array.from(r.cells, c => c.innerText.replace(/\\s+/g, ' ').trim()))"


def _course(site, owner_email: str) -> int:
    """A published course with one published unit and an empty quiz (pass mark 50%), owned by the trainer."""
    from lms.services import accounts, courses, publishing, units
    from lms.services import quiz_authoring as qa
    from lms.services.courses import CourseFields
    from lms.services.units import UnitFields

    def build(db):
        owner = accounts.find_user(db, owner_email)
        course = courses.create_course(
            db, owner, CourseFields(title=TITLE, summary="Say what you mean.", estimated_minutes=20)
        )
        unit = units.create_unit(
            db, course, UnitFields(title="Asking for the floor", body_md="Raise a hand.", estimated_minutes=5)
        )
        publishing.set_unit_status(db, unit, "published")
        courses.set_course_status(db, course, "published")
        qa.save_settings(db, course, "Check your understanding", 50, 3)
        db.flush()
        return course.id

    return in_db(site, build)


def focused_id(page) -> str:
    return page.evaluate("document.activeElement ? document.activeElement.id : ''")


def test_trainer_fixes_gift_by_keyboard_and_results_match_the_learners_attempt(browser, site, page, drafted_after):
    """GIFT pasted, errors by line in the focused summary, link to the field, fixed, imported, taken, reported."""
    trainer_email, learner_email, learner_name = "gift.trainer@example.org", "gift.learner@example.org", "Mao Sreypov"
    add_user(site, "gift-trainer", "Chhim Rotha", trainer_email, "trainer")
    add_user(site, "gift-learner", learner_name, learner_email)
    course_id = _course(site, trainer_email)
    drafted_after.append(course_id)

    # Teach -> the course -> Quiz -> Import.
    sign_in_by_keyboard(page, trainer_email)
    activate(page, page.get_by_role("navigation", name="Site").get_by_role("link", name="Teach"))
    activate(page, page.get_by_role("heading", level=2).get_by_role("link", name=TITLE, exact=True))
    activate(page, page.get_by_role("main").get_by_role("link", name="Quiz", exact=True))
    assert page.get_by_role("heading", level=1).inner_text() == f"Quiz: {TITLE}"
    activate(page, page.get_by_role("link", name="Import questions from a GIFT file"))

    # Paste the GIFT text (with two mistakes) into the box and import.
    box = page.get_by_role("textbox", name=containing("Or paste GIFT text"))
    tab_to(page, box)
    page.keyboard.insert_text(BROKEN)  # what a paste (Ctrl+V) puts in the box
    assert box.input_value() == BROKEN
    activate(page, page.get_by_role("button", name="Import questions"))
    assert page.title().startswith("Error:")

    # The error summary has focus and names each problem by its line.
    page.wait_for_function("document.activeElement && document.activeElement.classList.contains('error-summary')")
    summary = page.locator(".error-summary")
    assert summary.get_by_role("heading", name="There is a problem").count() == 1
    links = summary.get_by_role("link")
    messages = links.all_inner_texts()
    assert [m.split(":")[0] for m in messages] == ["Line 7", "Line 9"], messages
    assert "Matching questions" in messages[0] and "never closed" in messages[1], messages
    # The same problems are next to the box, which still holds the text.
    box = page.get_by_role("textbox", name=containing("Or paste GIFT text"))
    assert box.get_attribute("aria-invalid") == "true" and box.input_value() == BROKEN
    described = box.evaluate(
        "el => el.getAttribute('aria-describedby').split(' ').map(id => "
        "document.getElementById(id).innerText).join(' ')"
    )
    assert "2 problems" in described, described

    # Following a summary link puts focus in the box, ready to fix the text.
    tab_to(page, links.first)
    page.keyboard.press("Enter")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'text'")
    assert is_focused(page, box)
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(FIXED)
    activate(page, page.get_by_role("button", name="Import questions"))
    assert page.get_by_role("heading", level=1).inner_text() == f"Quiz: {TITLE}"
    assert "3 questions were imported. The quiz now has 3 questions." in page.get_by_role("status").inner_text()
    titles = page.get_by_role("heading", level=3).all_inner_texts()
    assert titles == ["Question 1: Motive", "Question 2: Sky", "Question 3: Capital"], titles

    # The learner finds the course, enrols and takes the quiz: one answer wrong, two right.
    context = new_context(browser, site)
    try:
        learner = context.new_page()
        sign_in_by_keyboard(learner, learner_email)
        activate(learner, learner.get_by_role("link", name=TITLE, exact=True), max_presses=200)
        activate(learner, learner.get_by_role("button", name="Enrol in this course"))
        activate(learner, learner.get_by_role("link", name="Take the quiz"))
        motive = learner.get_by_role("group", name=containing("Which motive asks for a decision?"))
        tab_to(learner, motive.get_by_role("radio").first)
        learner.keyboard.press("ArrowDown")  # from "To persuade" to "To inform"
        assert motive.get_by_role("radio", name=exactly("To inform")).is_checked()
        sky = learner.get_by_role("group", name=containing("The sky is green."))
        tab_to(learner, sky.get_by_role("radio").first)
        learner.keyboard.press("ArrowDown")
        assert sky.get_by_role("radio", name=exactly("False")).is_checked()
        type_into(learner, learner.get_by_role("textbox", name=containing("Capital of Cambodia?")), "phnom penh")
        activate(learner, learner.get_by_role("button", name="Submit answers"))
        learner.wait_for_function("document.activeElement && document.activeElement.tagName === 'H1'")
        heading = learner.get_by_role("heading", level=1).inner_text()
        assert heading == "You passed: 66.7%", heading
        assert "2 of 3 answers correct" in learner.get_by_role("main").inner_text()
        score = heading.split(": ")[1]
    finally:
        context.close()

    # The trainer's results show the same attempt, in the summary and in both tables.
    page.reload()
    activate(page, page.get_by_role("navigation", name="Site").get_by_role("link", name="Results"))
    # The link's name is "Results" and a visually hidden ": <course title>".
    activate(page, page.get_by_role("link", name=re.compile(rf"^Results\s*:\s*{re.escape(TITLE)}$")))
    assert page.get_by_role("heading", level=1).inner_text() == f"Results: {TITLE}"
    facts = " ".join(page.get_by_role("region", name="Summary").inner_text().split())
    assert (
        "Enrolled 1" in facts and "In progress 1" in facts and f"Average best quiz score {score} (1 learner)" in facts
    ), facts
    learners = page.get_by_role("table", name=f"1 learner enrolled in {TITLE}").evaluate(TABLE_JS)
    assert learners[0] == ["Name", "Status", "Units done", "Best score", "Attempts", "Completed on"]
    assert learners[1:] == [[learner_name, "In progress", "0 of 1", f"{score} (passed)", "1", "not yet"]], learners
    items = page.get_by_role("table", name="How each question was answered").evaluate(TABLE_JS)
    assert items[1:] == [
        ["Q1: Motive", "1", "0", "0%", "To inform", "1"],
        ["Q2: Sky", "1", "1", "100%", "none", "0"],
        ["Q3: Capital", "1", "1", "100%", "none", "0"],
    ], items
    chart = page.get_by_role("img", name="Bar chart: share of answers correct, by question")
    assert "from 0% to 100% correct" in chart.evaluate("el => el.querySelector('desc').textContent")
