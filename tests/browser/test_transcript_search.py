"""Transcript search in the browser: by keyboard alone, and without JavaScript, the learner types a
word, gets the matching cues with their times, and plays from one."""

from __future__ import annotations

import re

import pytest

from tests.browser.helpers import UNIT, press_and_wait, tab_to

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_search_the_transcript_by_keyboard(page_as, javascript):
    """Tab to the search box, type, Enter: the page opens at the results heading; the next Tab
    reaches the first result's time link, which names the time it plays from."""
    page = page_as("progress", java_script_enabled=javascript)
    page.goto(UNIT)
    box = page.get_by_role("searchbox", name="Search the transcript")
    tab_to(page, box)
    page.keyboard.type("motives")
    press_and_wait(page)
    assert re.search(r"\?q=motives#transcript-search-results$", page.url)
    heading = page.locator("#transcript-search-results")
    assert heading.inner_text() == "2 parts of the transcript match “motives”"
    assert heading.evaluate("el => el === document.activeElement")
    page.keyboard.press("Tab")
    link = page.locator(".transcript--results .cue-time").first
    assert link.evaluate("el => el === document.activeElement")
    assert link.text_content().replace("\xa0", " ") == "Play from 0:17"
    assert page.locator(".transcript--results mark").all_inner_texts() == ["motives", "motives"]
    assert page.get_by_role("searchbox", name="Search the transcript").input_value() == "motives"


def test_result_time_link_plays_the_video_from_that_cue(page_as):
    """With JavaScript, a result's time link seeks the player on the page to the cue's start."""
    page = page_as("progress")
    page.goto(UNIT + "?q=motives")
    page.locator(".transcript--results .cue-time").first.click()
    page.wait_for_function("() => Math.abs(document.getElementById('video').currentTime - 17.416) < 0.5")
    assert page.url.endswith("?q=motives")
