"""The Khmer Public Speaking course in Chromium: its pages pass axe and its Khmer tracks load."""

from __future__ import annotations

import re

import pytest

from tests.browser.helpers import assert_no_axe_violations
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

SLUG = "public-speaking-km"


def _register_and_sign_in(page, email: str) -> None:
    page.goto("/register")
    page.get_by_role("textbox", name=re.compile("Full name")).fill("Sok Malis")
    page.get_by_role("textbox", name=re.compile("Email address")).fill(email)
    page.get_by_label(re.compile(r"^Password \(required\)")).fill(PASSWORD)
    page.get_by_label(re.compile(r"^Password again")).fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Create account").click()
    page.goto("/login")
    page.get_by_role("textbox", name=re.compile("Email address")).fill(email)
    page.get_by_label(re.compile(r"^Password")).fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def test_khmer_course_pages_pass_axe_and_load_khmer_tracks(page):
    """The Khmer course page, a unit and the quiz pass axe; the unit's Khmer captions and
    descriptions tracks load in Chromium with one cue per cue or slide."""
    page.goto(f"/courses/{SLUG}")
    assert_no_axe_violations(page, "khmer-course-signed-out")
    _register_and_sign_in(page, "khmer.course@example.org")
    page.goto(f"/courses/{SLUG}")
    with page.expect_navigation():
        page.locator(f"form[action$='/courses/{SLUG}/enrol'] button").click()
    page.goto(f"/courses/{SLUG}/units/why-we-speak")
    assert page.get_by_role("heading", level=1).inner_text() == "ហេតុអ្វីយើងនិយាយ៖ គោលបំណងទាំងបួន"
    assert_no_axe_violations(page, "khmer-unit")
    tracks = page.evaluate(
        """async () => {
      const tracks = [...document.querySelectorAll('#video track')];
      for (const el of tracks) { el.track.mode = 'hidden'; }
      const deadline = Date.now() + 8000;
      while (Date.now() < deadline && tracks.some(el => el.readyState < 2)) {
        await new Promise(r => setTimeout(r, 50));
      }
      return Object.fromEntries(tracks.map(el => [el.kind + ':' + el.srclang, el.track.cues ? el.track.cues.length : 0]));
    }"""
    )
    assert tracks == {"captions:km": 18, "subtitles:en": 18, "descriptions:km": 5}
    page.goto(f"/courses/{SLUG}/quiz")
    assert_no_axe_violations(page, "khmer-quiz")
