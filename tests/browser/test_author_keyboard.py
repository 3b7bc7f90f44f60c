"""A trainer builds a captioned course with the keyboard only; a learner then gets the captions."""

from __future__ import annotations

import re

import pytest

from tests.browser.author_helpers import (
    SRT,
    WEBM,
    activate,
    add_user,
    containing,
    # noqa: F401  (a fixture)
    replace_text,
    sign_in_by_keyboard,
    type_into,
)
from tests.browser.helpers import describe_focus, is_focused, new_context, tab_to

pytestmark = pytest.mark.browser

TITLE = "Clean Water Basics"
UNITS = ("Why clean water matters", "Boiling water")


def status_text(page) -> str:
    return " ".join(page.get_by_role("status").all_inner_texts())


def upload_by_keyboard(page, field_name: str, path=None, *, name: str | None = None, data: bytes | None = None):
    """Tab to a file input, then set its file: a native file dialog cannot be driven from a test."""
    field = page.get_by_label(re.compile(rf"^{re.escape(field_name)}"))
    tab_to(page, field, max_presses=150)
    assert is_focused(page, field), describe_focus(page)
    if path is not None:
        field.set_input_files(path)
    else:
        field.set_input_files(files=[{"name": name, "mimeType": "application/octet-stream", "buffer": data}])


def unit_link(page, text: str, number: int):
    """A toolbar link of the course page, whose accessible name ends with the unit it acts on."""
    return page.get_by_role("link", name=f"{text} unit {number}: {UNITS[number - 1]}", exact=True)


def test_trainer_builds_captioned_course_by_keyboard_and_learner_gets_the_captions(browser, site, page, drafted_after):
    """Create a course with two units, upload a video and SRT, read the report, fix a cue, publish; a learner's track loads."""
    email = "kb.trainer@example.org"
    add_user(site, "kb-trainer", "Keo Pisey", email, "trainer")
    sign_in_by_keyboard(page, email)

    # Teach -> Create a course.
    activate(page, page.get_by_role("navigation", name="Site").get_by_role("link", name="Teach"))
    assert page.get_by_role("heading", level=1).inner_text() == "Teach"
    activate(page, page.get_by_role("main").get_by_role("link", name="Create a course"))
    type_into(page, page.get_by_role("textbox", name=containing("Course title")), TITLE)
    type_into(page, page.get_by_role("textbox", name=containing("Summary")), "Keep drinking water safe at home.")
    type_into(
        page, page.get_by_role("textbox", name=containing("Learning outcomes")), "Boil water safely\nStore it clean"
    )
    replace_text(page, page.get_by_role("spinbutton", name=containing("Estimated time")), "25")
    activate(page, page.get_by_role("button", name="Create course"))
    assert page.get_by_role("heading", level=1).inner_text() == TITLE
    assert "created as a draft" in status_text(page)
    course_id = int(re.search(r"/teach/courses/(\d+)", page.url).group(1))
    drafted_after.append(course_id)

    # Two units.
    for title, body in zip(
        UNITS, ("## Germs\n\nMost illness from water comes from germs.", "Boil for one minute."), strict=False
    ):
        activate(page, page.get_by_role("link", name="Add a unit"))
        assert page.get_by_role("heading", level=1).inner_text() == "Add a unit"
        type_into(page, page.get_by_role("textbox", name=containing("Unit title")), title)
        type_into(page, page.get_by_role("textbox", name=containing("Reading text")), body)
        activate(page, page.get_by_role("button", name="Save unit"))
        assert f"Unit “{title}” added as a draft." in status_text(page)
    for number, title in enumerate(UNITS, start=1):
        assert page.get_by_role("heading", level=3, name=f"Unit {number}: {title}").is_visible()

    # Video for unit 1, which leads straight to its caption upload.
    activate(page, unit_link(page, "Add a video for", 1))
    assert page.get_by_role("heading", level=1).inner_text() == f"Video for {UNITS[0]}"
    upload_by_keyboard(page, "Video or audio file", WEBM)
    type_into(
        page,
        page.get_by_role("textbox", name=containing("What the video shows")),
        "A trainer speaks to a room about clean water.",
    )
    activate(page, page.get_by_role("button", name="Upload video"))
    assert f"Video saved for “{UNITS[0]}”" in status_text(page)
    assert page.get_by_role("heading", level=1).inner_text() == f"Upload captions for {UNITS[0]}"

    # The SRT file, then its validation and quality report.
    upload_by_keyboard(page, "Caption file", name="talk.srt", data=SRT.encode("utf-8"))
    assert page.get_by_role("textbox", name=containing("Language of the captions")).input_value() == "en"
    assert page.get_by_role("radio", name=containing("Captions: speech")).is_checked()
    activate(page, page.get_by_role("button", name="Check the captions"))
    assert page.get_by_role("heading", level=1).inner_text() == f"Caption report for {UNITS[0]}"
    assert "The file can be used." in status_text(page)
    main = page.get_by_role("main")
    for heading in ("Validation", "Quality", "Preview with the new captions", "Use these captions?"):
        assert main.get_by_role("heading", level=2, name=heading).count() == 1, heading
    assert main.get_by_role("heading", level=3, name="Quality warnings").count() == 1
    figures = main.get_by_role("table", name="Caption quality figures, with the guideline for each")
    expected = {
        "Longest line": "27 characters",
        "Most lines in one caption": "2",
        "Shortest caption": "3.04 seconds",
        "Longest caption": "31.90 seconds",
    }
    for measure, value in expected.items():
        row = figures.get_by_role("row").filter(has=page.get_by_role("rowheader", name=measure, exact=True))
        assert row.get_by_role("cell").first.inner_text() == value, measure
    speech = figures.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Speech with captions"))
    assert re.fullmatch(r"\d{1,3}%", speech.get_by_role("cell").first.inner_text()), speech.inner_text()
    assert "Line 12: this caption stays on screen for 31.9 seconds" in " ".join(main.inner_text().split())

    # Use the captions, then fix the typo in caption 2.
    activate(page, page.get_by_role("button", name="Use these captions"))
    assert f"are live for “{UNITS[0]}”" in status_text(page)
    cues = page.get_by_role("table", name=containing("Each caption with its times"))
    assert "why peple speak in public." in cues.get_by_role("row").nth(2).inner_text()
    activate(page, page.get_by_role("link", name="Edit caption 2", exact=True))
    assert page.get_by_role("heading", level=1).inner_text() == "Edit caption 2 of 3"
    text = page.get_by_role("textbox", name=containing("Caption text"))
    assert text.input_value() == "In this unit, we look at\nwhy peple speak in public."
    replace_text(page, text, "In this unit, we look at\nwhy people speak in public.")
    activate(page, page.get_by_role("button", name="Save caption"))
    assert "Caption 2 saved." in status_text(page)
    row = page.get_by_role("table", name=containing("Each caption with its times")).get_by_role("row").nth(2)
    assert "why people speak in public." in row.inner_text()

    # Unit 2 gets a video and no captions.
    activate(page, page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name=TITLE))
    activate(page, unit_link(page, "Add a video for", 2))
    upload_by_keyboard(page, "Video or audio file", WEBM)
    activate(page, page.get_by_role("button", name="Upload video"))
    activate(page, page.get_by_role("link", name="Back to the course"))
    assert page.get_by_role("heading", level=1).inner_text() == TITLE

    # Publish unit 1 (no gaps), unit 2 (with a reason), then the course.
    activate(page, unit_link(page, "Publish", 1))
    assert "No gaps found" in page.get_by_role("main").inner_text()
    activate(page, page.get_by_role("button", name="Publish unit"))
    assert f"Unit “{UNITS[0]}” is published." in status_text(page)
    activate(page, unit_link(page, "Publish", 2))
    assert "no captions in the course language" in page.locator("#gaps").inner_text()
    type_into(
        page,
        page.get_by_role("textbox", name=containing("Reason for publishing without these")),
        "The workshop starts tomorrow; captions follow on Friday.",
    )
    activate(page, page.get_by_role("button", name="Publish with these gaps"))
    assert f"Unit “{UNITS[1]}” is published." in status_text(page)
    assert "Published with gaps." in page.locator(f"li:has(h3:text-is('Unit 2: {UNITS[1]}'))").inner_text()
    activate(page, page.get_by_role("button", name="Publish the course"))
    assert f"“{TITLE}” is published" in status_text(page)

    # A learner enrols, opens unit 1, and its captions track loads the corrected cue.
    learner_email = "kb.learner@example.org"
    add_user(site, "kb-learner", "Sam Nary", learner_email)
    context = new_context(browser, site)
    try:
        learner = context.new_page()
        sign_in_by_keyboard(learner, learner_email)
        activate(learner, learner.get_by_role("link", name=TITLE, exact=True), max_presses=200)
        activate(learner, learner.get_by_role("button", name="Enrol in this course"))
        activate(learner, learner.get_by_role("link", name=UNITS[0], exact=True))
        assert learner.get_by_role("heading", level=1).inner_text() == UNITS[0]
        track = learner.locator("video track[kind=captions]")
        assert track.get_attribute("srclang") == "en" and track.get_attribute("label") == "English"
        track.evaluate("t => { t.track.mode = 'hidden'; }")
        learner.wait_for_function("t => t.track.cues && t.track.cues.length === 3", arg=track.element_handle())
        texts = track.evaluate("t => Array.from(t.track.cues, c => c.text)")
        assert texts[1] == "In this unit, we look at\nwhy people speak in public.", texts
    finally:
        context.close()
