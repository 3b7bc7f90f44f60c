"""The page a second editor gets when someone saved first (HTTP 409): axe-clean, its summary takes
focus, both versions readable, and the editor's own version can be saved by keyboard alone."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser.author_helpers import SRT, add_user, in_db
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

EDITOR = "conflict-trainer"


@pytest.fixture(scope="module")
def world(site):
    """A course with a unit, a live caption track and a quiz question, owned by EDITOR."""
    from lms.models import User
    from lms.services import caption_tracks, courses, units
    from lms.services import quiz_authoring as qa
    from lms.services.courses import CourseFields
    from lms.services.quiz_authoring import ChoiceRow, QuestionFields
    from lms.services.units import UnitFields

    owner = add_user(site, EDITOR, "Keo Sothea", "conflict.trainer@example.org", "trainer")

    def build(db):
        trainer = db.get(User, owner)
        course = courses.create_course(db, trainer, CourseFields(title="Safe Lifting", estimated_minutes=20))
        unit = units.create_unit(db, course, UnitFields(title="Bend your knees", body_md="Keep the load close."))
        check = caption_tracks.check_captions(
            db,
            unit,
            trainer,
            SRT.encode(),
            "talk.srt",
            language="en",
            kind="captions",
            media_dir=Path(site.app.config["MEDIA_DIR"]),
        )
        track = caption_tracks.confirm_captions(db, check.pending)
        quiz = qa.save_settings(db, course, "Check", 60, 3)
        rows = [ChoiceRow("Close to the body", True), ChoiceRow("At arm's length", False)]
        question = qa.add_question(
            db, quiz, qa.build_spec(QuestionFields("single", "Where do you hold a load?", choices=rows))
        )
        db.flush()
        return {"course": course.id, "unit": unit.id, "track": track.id, "question": question.id}

    return in_db(site, build)


def _someone_else_saves(site, world, kind: str) -> None:
    """Another trainer's save, committed between this editor opening the form and sending it."""
    from lms.models import CaptionTrack, Course, Question, Unit
    from lms.services import caption_tracks, courses, units
    from lms.services import quiz_authoring as qa
    from lms.services.courses import CourseFields
    from lms.services.units import UnitFields

    def save(db):
        if kind == "course":
            course = db.get(Course, world["course"])
            fields = CourseFields(
                title=course.title, summary="Lift with your legs, not your back.", estimated_minutes=20
            )
            courses.update_course(db, course, fields, version=course.version)
        elif kind == "unit":
            unit = db.get(Unit, world["unit"])
            fields = UnitFields(title=unit.title, body_md="Keep the load close to your body.")
            units.update_unit(db, unit, fields, version=unit.version)
        elif kind == "cue":
            track = db.get(CaptionTrack, world["track"])
            caption_tracks.update_cue(
                db, track, 1, "00:00:00.400", "00:00:03.436", "Welcome to Safe Lifting.", version=track.version
            )
        else:
            question = db.get(Question, world["question"])
            spec = qa.build_spec(qa.fields_of(question))
            spec.prompt = "Where should you hold a heavy load?"
            qa.update_question(db, question, spec, version=question.version)

    in_db(site, save)


def _url(world, kind: str) -> str:
    return {
        "course": f"/teach/courses/{world['course']}/edit",
        "unit": f"/teach/units/{world['unit']}/edit",
        "cue": f"/teach/tracks/{world['track']}/cues/1/edit",
        "question": f"/teach/courses/{world['course']}/quiz/questions/{world['question']}",
    }[kind]


#: A field each form has, and what this editor types into it.
MINE = {
    "course": ("^Summary", "Bend your knees and keep your back straight."),
    "unit": ("^Reading text", "Bend your knees. Keep your back straight."),
    "cue": ("^Caption text", "Welcome to the lifting course."),
    "question": ("^Question", "How close to your body should a load be?"),
}


@pytest.mark.parametrize("kind", ["course", "unit", "cue", "question"])
def test_edit_conflict_page_is_accessible_and_saves_mine_by_keyboard(browser, site, world, kind):
    """409 with "Error: … changed by someone else", focus on the comparison, axe-clean; the
    keyboard reaches "Save my version", which saves the editor's text over the other."""
    context = new_context(browser, site)
    sign_in(context, site, EDITOR)
    page = context.new_page()
    try:
        page.goto(_url(world, kind))
        _someone_else_saves(site, world, kind)
        label, mine = MINE[kind]
        page.get_by_label(re.compile(label)).fill(mine)
        with page.expect_navigation() as navigation:
            page.get_by_role("main").get_by_role("button", name=re.compile("^(Save|Add)")).click()
        assert navigation.value.status == 409
        structure = assert_structure(page)
        assert structure["title"].startswith("Error:") and "changed by someone else" in structure["title"]
        summary = page.locator(".error-summary")
        page.wait_for_function("document.activeElement && document.activeElement.matches('.error-summary')")
        table = page.get_by_role("table", name="Their version (saved now) and yours (not saved)")
        assert table.get_by_role("columnheader", name="Their version, saved now").count() == 1
        assert mine in table.inner_text() and page.get_by_label(re.compile(label)).input_value() == mine
        assert_no_axe_violations(page, f"conflict-{kind}")
        assert is_focused(page, summary)
        button = page.get_by_role("main").get_by_role("button", name="Save my version")
        tab_to(page, button)
        press_and_wait(page)
        assert "/edit" not in page.url or kind == "cue"
        assert page.get_by_role("status").count() or page.locator(".flash").count()
        page.goto(_url(world, kind))
        assert page.get_by_label(re.compile(label)).input_value() == mine
    finally:
        context.close()


def test_edit_conflict_works_without_javascript(browser, site, world):
    """Without JavaScript the 409 page still shows both versions and "Save my version" saves."""
    context = new_context(browser, site, java_script_enabled=False)
    sign_in(context, site, EDITOR)
    page = context.new_page()
    try:
        page.goto(_url(world, "unit"))
        _someone_else_saves(site, world, "unit")
        page.get_by_label(re.compile("^Reading text")).fill("Lift with a straight back, without scripts.")
        with page.expect_navigation() as navigation:
            page.get_by_role("main").get_by_role("button", name="Save unit").click()
        assert navigation.value.status == 409
        table = page.get_by_role("table", name="Their version (saved now) and yours (not saved)")
        assert "Keep the load close to your body." in table.inner_text()
        with page.expect_navigation() as navigation:
            page.get_by_role("main").get_by_role("button", name="Save my version").click()
        assert navigation.value.status == 200 and "/teach/courses/" in page.url
        page.goto(_url(world, "unit"))
        assert (
            page.get_by_label(re.compile("^Reading text")).input_value()
            == "Lift with a straight back, without scripts."
        )
    finally:
        context.close()
