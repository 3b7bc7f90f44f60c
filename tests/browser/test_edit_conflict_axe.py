"""The page a second editor gets when someone saved first (HTTP 409): axe-clean, its summary takes
focus, both versions readable, and the editor's own version can be saved by keyboard alone."""

from __future__ import annotations

import re

import pytest

from tests.browser.author_helpers import conflict_world, edit_url, someone_else_saves
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
    return conflict_world(site, (EDITOR, "Keo Sothea", "conflict.trainer@example.org"), "Safe Lifting")


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
        page.goto(edit_url(world, kind))
        someone_else_saves(site, world, kind)
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
        page.goto(edit_url(world, kind))
        assert page.get_by_label(re.compile(label)).input_value() == mine
    finally:
        context.close()


def test_edit_conflict_works_without_javascript(browser, site, world):
    """Without JavaScript the 409 page still shows both versions and "Save my version" saves."""
    context = new_context(browser, site, java_script_enabled=False)
    sign_in(context, site, EDITOR)
    page = context.new_page()
    try:
        page.goto(edit_url(world, "unit"))
        someone_else_saves(site, world, "unit")
        page.get_by_label(re.compile("^Reading text")).fill("Lift with a straight back, without scripts.")
        with page.expect_navigation() as navigation:
            page.get_by_role("main").get_by_role("button", name="Save unit").click()
        assert navigation.value.status == 409
        table = page.get_by_role("table", name="Their version (saved now) and yours (not saved)")
        assert "Keep the load close to your body." in table.inner_text()
        with page.expect_navigation() as navigation:
            page.get_by_role("main").get_by_role("button", name="Save my version").click()
        assert navigation.value.status == 200 and "/teach/courses/" in page.url
        page.goto(edit_url(world, "unit"))
        assert (
            page.get_by_label(re.compile("^Reading text")).input_value()
            == "Lift with a straight back, without scripts."
        )
    finally:
        context.close()
