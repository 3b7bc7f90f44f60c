"""What a learner on a paid connection downloads, seen in Chromium: no media request before play,
and after choosing "audio only" or "transcript only", no request for anything but what was chosen."""

from __future__ import annotations

import re

import pytest

from lms.db import get_session
from tests.browser.helpers import assert_no_axe_violations, sign_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

UNIT = "/courses/public-speaking/units/why-we-speak"

PLAY_JS = """async () => {
  const m = document.getElementById('video');
  m.muted = true;
  const within = (p, ms) => Promise.race([p, new Promise(r => setTimeout(() => r('timeout'), ms))]);
  const played = await within(m.play().then(() => 'ok', e => String(e)), 8000);
  const deadline = Date.now() + 8000;
  while (played === 'ok' && m.currentTime < 1 && Date.now() < deadline) { await new Promise(r => setTimeout(r, 50)); }
  m.pause();
  return {tag: m.tagName.toLowerCase(), played: m.currentTime, play: played};
}"""


@pytest.fixture
def listener(browser, site):
    """A new learner enrolled in Public Speaking, signed in, whose media requests are counted."""
    from sqlalchemy import select

    from lms.models import Course
    from lms.services import accounts, enrollment

    key = f"listener-{len(site.users)}"
    email = f"{key}@example.org"
    with site.app.app_context():
        db = get_session()
        user = accounts.register(db, name="Ly Sreymom", email=email, password=PASSWORD)
        enrollment.enroll(db, user, db.scalars(select(Course).where(Course.slug == "public-speaking")).one())
        db.commit()
    site.users[key] = (email, "Ly Sreymom")
    context = browser.new_context(base_url=site.url)
    context.set_default_timeout(15_000)
    sign_in(context, site, key)
    page = context.new_page()
    page.media = []  # (url, status) of every /media/ response

    def answered(response):
        if "/media/" in response.url:
            page.media.append((response.url, response.status))

    page.on("response", answered)
    yield page
    context.close()


def _choose(page, name: str) -> None:
    """Pick a version in the player settings, by its label, and save."""
    page.goto(UNIT)
    page.locator("summary", has_text="Player settings").click()
    page.get_by_role("radio", name=re.compile(name)).check()
    page.get_by_role("button", name="Save player settings").click()
    page.wait_for_url(re.compile(r"#video-heading$"))


def test_nothing_downloads_before_the_learner_presses_play(listener):
    """The full video is preload="none": opening the unit costs no media bytes at all."""
    listener.goto(UNIT)
    listener.wait_for_timeout(1500)
    assert listener.media == []


def test_audio_only_downloads_the_audio_file_and_nothing_else(listener):
    """Chosen "audio only" and played: every media byte fetched is the Opus file's."""
    _choose(listener, r"^Audio only \(")
    listener.goto(UNIT)
    assert_no_axe_violations(listener, "unit page, audio only")
    audio = listener.locator("audio#video").get_attribute("src")
    result = listener.evaluate(PLAY_JS)
    assert result["tag"] == "audio" and result["played"] >= 1, result
    listener.wait_for_timeout(500)
    urls = {url for url, _status in listener.media}
    assert urls == {listener.url.split("/courses")[0] + audio}, listener.media
    assert all(status in (200, 206) for _url, status in listener.media)


def test_transcript_only_downloads_no_media(listener):
    """Chosen "transcript only": the page has no player and fetches no media at all."""
    _choose(listener, r"^Transcript only")
    listener.goto(UNIT)
    listener.wait_for_timeout(1500)
    assert listener.locator("video, audio").count() == 0 and listener.locator("#transcript li").count() > 5
    assert listener.media == []
    assert_no_axe_violations(listener, "unit page, transcript only")
