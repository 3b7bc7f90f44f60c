"""What GNOME Orca says over Chromium on the pages a blind learner uses (issue 12): what must be heard,
and what must not be heard twice. One Orca session for the module (about a minute in all)."""

from __future__ import annotations

import re

import pytest

from tests.browser.helpers import PLAYER_LEARNER, PLAYER_PAGE, player_settings, prepare_player_unit, sign_in
from tests.browser.screenreader.tools.orca_session import joined, times
from tests.factories import PASSWORD

SLUG = "public-speaking"  # the "progress" learner's course: enrolled, quiz failed once


def _sign_in(orca, site, who):
    """Sign in through the window's own cookies, without a page (Chromium would offer to save the password)."""
    if getattr(orca, "signed_in", None) != who:
        request = orca.page.context.request
        html = request.get(f"{site.url}/login").text()
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
        r = request.post(
            f"{site.url}/login",
            max_redirects=0,
            form={"csrf_token": token, "email": site.users[who][0], "password": PASSWORD},
        )
        assert r.status == 302, f"signing in {who} failed: {r.status}"
        orca.signed_in = who


def _summary_heard_once(said, messages, spoken_on_focus=True):
    """The error summary is spoken once, as it takes focus: each message once, never as an alert
    ("notification"). Orca then re-reads the line at the caret when loading finishes, which names the
    summary's heading alone ("There is a problem heading level 2") a second time, and no more."""
    text = joined(said)
    assert "notification" not in text and "alert" not in text, text
    for message in messages:
        assert times(said, message) <= 1, f"{message!r} heard more than once: {text}"
        assert times(said, message) == 1 or not spoken_on_focus, f"{message!r} not heard: {text}"
    assert 1 <= times(said, "There is a problem") <= 2, text
    assert times(said, "There is a problem") == 1 or "There is a problem heading level 2" in text, text


# --- the player (issue 12). In this module, not a file of its own: one Orca at a time per machine
# (two xdist workers each starting Orca fight over the AT-SPI bus), and pytest-xdist's loadfile
# keeps a module on one worker. First in the file, on Orca's fresh window; the tracks it adds are
# on the first unit, which the tests below do not visit.

DESCRIPTION = "A slide, The four motives"  # the descriptions track's cue at 10.75 s (tests/factories.py)


@pytest.fixture
def player_unit(orca, site):
    """The first unit with descriptions, chapters and French subtitles, and a learner of its own who
    turned descriptions on (undone after, and signed out, as the tests below expect)."""
    prepare_player_unit(site)
    player_settings(site, descriptions=True)
    yield
    player_settings(site)
    orca.page.context.clear_cookies()


def test_description_is_heard_at_its_time_and_the_new_time_after_a_chapter_link(orca, site, player_unit):
    """Playing past a description cue, Orca speaks its text once; after a chapter link it says the new time."""
    # A fresh sign-in of its own: a session cached by another module's test may have ended since.
    orca.page.context.clear_cookies()
    site.states.pop(PLAYER_LEARNER[0], None)
    sign_in(orca.page.context, site, PLAYER_LEARNER[0])
    orca.goto(site.url + PLAYER_PAGE)
    orca.page.wait_for_selector("#descriptions-toggle", state="visible")
    said = orca.do(lambda p: p.focus("#descriptions-toggle"))
    assert "Descriptions toggle button pressed" in joined(said), joined(said)
    orca.do(lambda p: p.focus("#video"))
    # Play (muted: the test machine has no sound card) from just before the description's time.
    said = orca.do(
        lambda p: p.evaluate(
            "() => { const v = document.getElementById('video'); v.muted = true; v.currentTime = 10.2;"
            " return v.play(); }"
        ),
        still=3,
    )
    said += orca.keys("shift", still=2, fresh=False)  # a harmless key: let Orca finish the live region
    text = joined(said)
    orca.page.evaluate("() => document.getElementById('video').pause()")
    assert DESCRIPTION in text, text
    assert times(said, DESCRIPTION) == 1, f"the description was heard more than once: {text}"
    # A chapter link moves the video and says where it now is.
    orca.do(lambda p: p.locator(".chapters a").nth(2).focus())
    said = orca.keys("Return", still=2.5)
    text = joined(said)
    assert "Video at 0:27" in text, text


def test_registration_errors_heard_once_and_required_once(orca, site):
    """A failed registration: the summary is heard once as it takes focus (no alert too); "required" once a field."""
    orca.goto(f"{site.url}/register")
    said = orca.do(lambda p: p.click("button[type=submit].button"), loads=True)
    text = joined(said)
    _summary_heard_once(said, ["Enter your name.", "Enter your email address.", "Type the password again."])
    said = orca.do(lambda p: p.focus("#name"))  # (Orca's say-all moves focus along the links: go straight there)
    text = joined(said)
    assert "Full name (required) entry" in text and "Error: Enter your name." in text, text
    assert times(said, "required") == 1, text


def test_unit_page_names_the_video_and_says_the_new_time(orca, site):
    """The unit page: its headings once each, the video's own name, and the new time after a transcript link."""
    _sign_in(orca, site, "progress")
    orca.goto(f"{site.url}/courses/{SLUG}/continue")
    said = orca.keys("ctrl+Home", "1", "2", "2")  # top, the level-1 heading, the next two level-2 headings
    text = joined(said)
    heading = orca.page.locator("h1").inner_text()
    assert f"{heading} heading level 1" in text, text
    # The video's section is a plain section under its heading: the heading is heard once, not as a name too.
    video_heading = orca.page.locator("h2").first.inner_text()
    assert times(said, video_heading) == 1 and f"{video_heading} heading level 2" in text, text
    orca.do(lambda p: p.locator("nav.breadcrumbs a").last.focus())
    said = orca.keys("Tab", fresh=False)  # from the last link before the video into the video
    text = joined(said)
    name = orca.page.get_attribute("#video", "aria-label")
    assert f"{name} video" in text, text
    # The download link is the last stop before the cues: Tab, Tab reaches the first two time links
    # (the slide's description at 0:00, then the first spoken cue).
    orca.do(lambda p: p.locator("a[download]").first.focus())
    said = orca.keys("Tab", "Tab", fresh=False)
    time_text = orca.page.locator("a.cue-time").nth(1).evaluate("a => a.lastChild.nodeValue.trim()")
    assert f"Play from {time_text}" in joined(said), joined(said)
    said = orca.keys("Return", still=2.5)
    text = joined(said)
    assert f"Video at {time_text}" in text, text


def test_transcript_search_says_how_many_parts_match(orca, site):
    """Searching the transcript: the page opens at the results heading, heard once with the count."""
    _sign_in(orca, site, "progress")
    orca.goto(f"{site.url}/courses/{SLUG}/units/why-we-speak")
    orca.do(lambda p: p.locator("#q").fill("motives"))
    said = orca.do(lambda p: p.locator("#q").press("Enter"), loads=True)
    text = joined(said)
    assert times(said, "2 parts of the transcript match") == 1, text
    assert "motives" in text.split("2 parts of the transcript match", 1)[1], text
    said = orca.keys("Tab")
    assert "Play from 0:17" in joined(said), joined(said)


def test_quiz_errors_summary_once_and_each_question_error_on_entry(orca, site):
    """The quiz after an empty submit: the summary once; each question says its own error when focus enters it."""
    _sign_in(orca, site, "progress")
    orca.goto(f"{site.url}/courses/{SLUG}/quiz")
    said = orca.do(lambda p: p.click("button[type=submit].button"), loads=True)
    text = joined(said)
    links = orca.page.locator(".error-summary a").all_inner_texts()
    _summary_heard_once(said, links)
    total = orca.page.locator("ol.questions > li").count()
    errors = [m.split(": ", 1)[1] for m in links]
    for n in range(1, total + 1):
        # Focus the control before the question, then Tab into it as a keyboard user does.
        before = (
            orca.page.locator(".error-summary a")
            if n == 1
            else orca.page.locator(f"ol.questions > li:nth-child({n - 1}) input")
        )
        said = orca.do(lambda p, b=before: b.last.focus())
        said += orca.keys("Tab", still=2, fresh=False)
        text = joined(said)
        # The question's name, then its own error, before focus leaves it
        assert re.search(rf"Question {n} of {total}:((?!leaving).)*Error: {re.escape(errors[n - 1])}", text), (
            f"question {n}: its error was not spoken on entering it: {text}"
        )
    # Reading the page: each question, and "Choose all that apply.", once.
    said = orca.keys("Insert+a", "ctrl+Home", "KP_Add", still=3, most=90)  # browse mode, top, say all
    text = joined(said)
    for n in range(1, total + 1):
        assert times(said, f"Question {n} of {total}") == 1, text
    multiple = orca.page.locator("ol.questions > li:has(input[type=checkbox])").count()
    assert multiple and times(said, "Choose all that apply.") == multiple, text


def test_quiz_result_leads_with_outcome_and_score_and_progress_is_said_once(orca, site):
    """The result page is heard from its outcome and score; the course page says the learner's progress once."""
    _sign_in(orca, site, "progress")
    said = orca.goto(site.url + site.results["failed"])
    text = joined(said)
    assert re.search(r"Not passed yet: \d+% heading level 1", text), text
    orca.goto(f"{site.url}/courses/{SLUG}")
    said = orca.keys("ctrl+Home", "2", "Down", "Down", "Down")  # "Your progress", then line by line
    text = joined(said)
    assert "Your progress heading level 2" in text and times(said, "units done") == 1, text


def test_verification_empty_code_and_genuine_certificate(orca, site):
    """Verify with no code: the page's own summary, heard once; a genuine code: the outcome heard."""
    orca.goto(f"{site.url}/verify")
    said = orca.do(lambda p: p.click("form[action='/verify'] button[type=submit]"), loads=True)
    text = joined(said)
    # On this short, fast page Orca sometimes speaks only the focused heading as loading finishes (the
    # focus announcement is lost in the load): then the message must be the next line read.
    message = "Enter the verification code printed on the certificate."
    _summary_heard_once(said, [message], spoken_on_focus=False)
    assert orca.page.evaluate("document.activeElement.className") == "error-summary"
    if message not in text:
        said = orca.keys("Down", "Down")
        assert message in joined(said), joined(said)
    said = orca.goto(f"{site.url}/verify/{site.codes['genuine']}")
    text = joined(said)
    assert "This certificate is genuine" in text, text
