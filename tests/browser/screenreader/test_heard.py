"""What GNOME Orca says over Chromium on the pages a blind learner uses (issue 12), the account pages
and a trainer's edit-conflict page: what must be heard, and what must not be heard twice. One Orca
session for the module."""

from __future__ import annotations

import re

import pytest

from tests.browser.author_helpers import add_user, conflict_world, edit_url, in_db, someone_else_saves
from tests.browser.helpers import PLAYER_LEARNER, PLAYER_PAGE, player_settings, prepare_player_unit, sign_in
from tests.browser.screenreader.tools.orca_session import joined, times
from tests.factories import PASSWORD

SLUG = "public-speaking"  # the "progress" learner's course: enrolled, quiz failed once


def _sign_in(orca, site, who):
    """Sign in through the window's own cookies, without a page (Chromium would offer to save the password)."""
    if getattr(orca, "signed_in", None) != who:
        orca.page.context.clear_cookies()  # signed in as someone else, the sign-in page would only redirect
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


def spoken(said) -> str:
    """What Orca said as one text: browse mode reads line by line, so a sentence the page wraps
    comes in two utterances."""
    return " ".join(said)


def _summary_then(orca, said, messages):
    """The summary heard once (_summary_heard_once), and focused. On a short, fast page Orca sometimes
    speaks only the focused heading as loading finishes (the focus announcement is lost in the load):
    then its messages must be the next lines read."""
    _summary_heard_once(said, messages, spoken_on_focus=False)
    assert orca.page.evaluate("document.activeElement.className") == "error-summary"
    missing = [m for m in messages if m not in spoken(said)]
    if missing:
        said = orca.keys(*["Down"] * (len(messages) + 1))
        assert all(m in spoken(said) for m in missing), joined(said)


def _signed_out(orca):
    orca.page.context.clear_cookies()
    orca.signed_in = None


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
        # The question's name, then its own error, before focus leaves it. Orca on a machine busy
        # with the other browser tests sometimes handles the two focus events out of step and says
        # only the radio button; entering the question again is what a listener would do. Once (CI,
        # stop 20) Orca said only the radio button on three entries in a row into one document, as if
        # its copy of the page's tree had gone stale: then the empty quiz is sent again, a new document,
        # and entered anew. Once (CI, stop 26, load average 8) that happened on two documents in a row:
        # so up to three documents. A page that never says the error fails every entry.
        heard = []
        for attempt in range(6):
            if attempt in (2, 4):
                orca.do(lambda p: p.click("button[type=submit].button"), loads=True)
            said = orca.do(lambda p, b=before: b.last.focus())
            said += orca.keys("Tab", still=2, fresh=False)
            heard.append(joined(said))
            if re.search(rf"Question {n} of {total}:((?!leaving).)*Error: {re.escape(errors[n - 1])}", heard[-1]):
                break
        else:
            raise AssertionError(f"question {n}: its error was not spoken on entering it: {heard}")
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
    _summary_then(orca, said, ["Enter the verification code printed on the certificate."])
    said = orca.goto(f"{site.url}/verify/{site.codes['genuine']}")
    text = joined(said)
    assert "This certificate is genuine" in text, text


# --- the account pages and the edit-conflict pages. Each signs in as an account of its own (one
# test signs out everywhere), and leaves `orca.signed_in` saying who is signed in now.


def test_forgot_password_without_mail_says_to_ask_an_admin(orca, site):
    """No mail configured: the page's heading, then how to get a reset link from an admin."""
    _signed_out(orca)
    said = orca.goto(f"{site.url}/password/forgot")
    assert "Forgot your password? – Sala" in joined(said), joined(said)
    said = orca.keys("ctrl+Home", "1", "Down", "Down", "Down")  # top, the level-1 heading, on line by line
    text = spoken(said)
    assert "Forgot your password? heading level 1" in text, text
    assert "This site does not send email." in text and "Ask an admin of this site for a reset link" in text, text


def test_forgot_password_with_mail_errors_then_check_your_email(orca, site, mail_on):
    """With mail: an empty send gives the summary once and the field its error; a real address,
    the "check your email" page whose heading and next line say what happens now."""
    _signed_out(orca)
    orca.goto(f"{site.url}/password/forgot")
    said = orca.do(lambda p: p.click("main button[type=submit]"), loads=True)
    _summary_then(orca, said, ["Enter your email address."])
    said = orca.do(lambda p: p.focus("#email"))
    text = joined(said)
    assert "Email address (required) entry" in text and "Error: Enter your email address." in text, text
    assert "The address you sign in with." in text, text
    orca.page.fill("#email", "newcomer@example.org")
    said = orca.do(lambda p: p.click("main button[type=submit]"), loads=True)
    assert "Check your email – Sala" in joined(said), joined(said)
    said = orca.keys("ctrl+Home", "1", "Down", "Down")
    text = spoken(said)
    assert "Check your email heading level 1" in text, text
    assert "If newcomer@example.org is the address of an account here, we have sent it an email" in text, text
    assert [m["To"] for _, m in mail_on.wait_for(1)] == ["newcomer@example.org"]


def test_reset_password_form_errors_and_a_link_that_does_not_work(orca, site):
    """From a reset link: the summary once, each field its own error, the button what it does; a
    broken link: its heading and why."""
    from lms.models import User
    from lms.services import accounts

    user_id = add_user(site, "sr-reset", "Ros Sokun", "sr.reset@example.org")
    token = in_db(site, lambda db: accounts.reset_token(db.get(User, user_id), site.app.config["SECRET_KEY"]))
    _signed_out(orca)
    said = orca.goto(f"{site.url}/password/reset/{token}")
    assert "Choose a new password – Sala" in joined(said), joined(said)
    said = orca.do(lambda p: p.click("main button[type=submit]"), loads=True)
    _summary_then(orca, said, ["Choose a password.", "Type the password again."])
    said = orca.do(lambda p: p.focus("#password"))
    text = joined(said)
    assert "New password (required) password text" in text and "Error: Choose a password." in text, text
    said = orca.keys("Tab")
    text = joined(said)
    assert "Password again (required) password text" in text and "Error: Type the password again." in text, text
    said = orca.keys("Tab")
    text = joined(said)
    assert "Set password push button" in text, text
    assert "Setting a new password signs your account out on every device." in text, text
    said = orca.goto(f"{site.url}/password/reset/{token[:-4]}")
    assert "This link does not work – Sala" in joined(said), joined(said)
    said = orca.keys("ctrl+Home", "1", "Down", "Down")
    text = spoken(said)
    assert "This link does not work heading level 1" in text, text
    assert "A password link works once, for one hour." in text, text


def test_account_page_headings_password_error_and_sign_out_everywhere(orca, site):
    """The account page's sections by heading; a wrong current password heard in the summary and on
    its field; each button says what it does; signing out everywhere says how many sign-ins ended."""
    add_user(site, "sr-account", "Keo Dara", "sr.account@example.org")
    _sign_in(orca, site, "sr-account")
    orca.goto(f"{site.url}/account")
    said = orca.keys("ctrl+Home", "h", "h", "h", "h", "h")
    text = joined(said)
    for heading, level in [
        ("Your account", 1),
        ("Your name", 2),
        ("Language", 2),
        ("Change your password", 2),
        ("Sign out everywhere", 2),
    ]:
        assert times(said, f"{heading} heading level {level}") == 1, text
    orca.page.fill("#current", "not the password at all")
    orca.page.fill("#password", "a new and long password")
    orca.page.fill("#confirm", "a new and long password")
    said = orca.do(lambda p: p.click("form[action$='/account/password'] button[type=submit]"), loads=True)
    _summary_then(orca, said, ["That is not your current password."])
    said = orca.do(lambda p: p.focus("#current"))
    text = joined(said)
    assert "Current password (required) password text" in text, text
    assert "Error: That is not your current password." in text, text
    orca.do(lambda p: p.focus("#confirm"))
    said = orca.keys("Tab")
    text = joined(said)
    assert "Change password push button" in text, text
    assert "Changing your password signs you out on every other device." in text, text
    said = orca.keys("Tab")
    text = joined(said)
    assert "Sign out everywhere push button" in text and "Every device will need your password again." in text, text
    said = orca.keys("Return", still=3)
    orca.signed_in = None
    text = joined(said)
    assert "Sign in – Sala" in text and times(said, "You are signed out on every device (1 sign-in ended).") == 1, text


def test_admin_reset_link_page_reads_the_link_and_whom_to_send_it_to(orca, site):
    """The admin's "Create a reset link" button names the person; the page it opens says whom to
    send the link to, and the link is a read-only field holding it."""
    add_user(site, "sr-admin", "Admin Srey", "sr.admin@example.org", "admin")
    _sign_in(orca, site, "sr-admin")
    orca.goto(f"{site.url}/admin/users")
    button = orca.page.get_by_role("button", name="Create a reset link for Sok Dara")
    orca.do(lambda p: p.get_by_role("button", name="Change role of Sok Dara").focus())
    said = orca.keys("Tab")  # the next control in Sok Dara's row
    assert "Create a reset link for Sok Dara push button" in joined(said), joined(said)
    said = orca.do(lambda p: button.click(), loads=True)
    assert "Reset link for Sok Dara – Sala" in joined(said), joined(said)
    # Read on from the heading, line by line, past the link (Orca's "next form field" and "next entry"
    # skip a read-only field: reading is how it is reached, or Tab)
    said = orca.keys("ctrl+Home", "1", *["Down"] * 10)
    text = spoken(said)
    assert "Reset link for Sok Dara heading level 1" in text, text
    assert "Send this link to newcomer@example.org by a channel you trust" in text, text
    link = orca.page.input_value("#reset-link")
    assert re.search(r"/password/reset/[\w.-]+$", link), link
    assert re.search(r"Reset link\.? read only entry " + re.escape(link), text), text


@pytest.fixture(scope="module")
def conflict(site):
    return conflict_world(site, ("sr-conflict", "Chan Rotha", "sr.conflict@example.org"), "Lifting Together")


#: For each kind of edit: the field this editor types into and what; the control just before
#: "Save my version"; where "keep theirs" goes back to.
CONFLICTS = {
    "unit": ("#body_md", "Lift with your knees bent.", "#preview", "course"),
    "question": ("#prompt", "How close should a load be?", "#title", "quiz"),
}


#: What the conflict summary says after its heading: what happened, and what each way out does.
CONFLICT_SAYS = [
    "Someone else saved this after you opened it. Nothing you typed is lost: it is still in the form below.",
    "To keep yours, check the form and press “Save my version”: it replaces theirs.",
    "To keep theirs, leave this page without saving.",
]


#: Known fault, not yet mended: on the question editor's conflict page Orca sometimes goes on from
#: the summary that took focus to read the six "Marks" lists (Chromium reports each as just chosen
#: when the page loads); the same fix as for the editor's error summary has not been found for it.
_QUESTION_LISTS_READ = pytest.mark.xfail(
    reason="Orca may read the Marks lists after the conflict summary", strict=False
)


@pytest.mark.parametrize(
    "kind", [pytest.param(k, marks=_QUESTION_LISTS_READ) if k == "question" else k for k in CONFLICTS]
)
def test_edit_conflict_says_what_happened_and_what_each_choice_does(orca, site, conflict, kind):
    """A trainer saves a unit or question someone else saved meanwhile: on arrival the summary says
    it was not saved, why, and what each way out does, once (or, when the load swallowed the focus
    announcement, in the lines read after its heading); the comparison table is announced by its
    caption; "Save my version" says it replaces theirs; the link says it keeps theirs."""
    field, mine, last, back = CONFLICTS[kind]
    _sign_in(orca, site, "sr-conflict")
    orca.goto(site.url + edit_url(conflict, kind))
    someone_else_saves(site, conflict, kind)
    orca.page.fill(field, mine)
    said = orca.do(lambda p: p.get_by_role("main").get_by_role("button", name=re.compile("^Save")).click(), loads=True)
    text = joined(said)
    assert "Finished loading Error:" in text and "was changed by someone else – Lifting Together – Sala" in text, text
    assert "combo box" not in text, f"lists read out after the summary: {text}"
    assert "notification" not in text and "alert" not in text, text
    assert times(said, "Your changes were not saved yet") <= 2, text
    for sentence in CONFLICT_SAYS:
        assert times(said, sentence) <= 1, f"{sentence!r} heard more than once: {text}"
    assert orca.page.evaluate("document.activeElement.classList.contains('conflict')")
    if not all(times(said, sentence) for sentence in CONFLICT_SAYS):
        said = orca.keys("ctrl+Home", "2", "Down", "Down", "Down", "Down")  # its heading, then line by line
        assert "Your changes were not saved yet heading level 2" in joined(said), joined(said)
        for sentence in CONFLICT_SAYS:
            assert sentence in spoken(said), f"{sentence!r} not read after the heading: {joined(said)}"
    said = orca.keys("t")  # the next table
    text = joined(said)
    assert "Their version (saved now) and yours (not saved)" in text and "table with" in text, text
    orca.do(lambda p: p.focus(last))
    said = orca.keys("Tab")
    text = joined(said)
    assert "Save my version push button" in text and "it replaces theirs" in text, text
    said = orca.keys("Tab")
    assert f"Keep their version and go back to the {back} link" in joined(said), joined(said)


def test_question_editor_errors_are_heard_without_its_marks_lists(orca, site, conflict):
    """The question editor sent empty: the summary once, and Orca stays there, without reading out
    the six "Marks" lists of the choices (see templates/quizauthor/question.html)."""
    _sign_in(orca, site, "sr-conflict")
    orca.goto(f"{site.url}/teach/courses/{conflict['course']}/quiz/questions/new/single")
    said = orca.do(lambda p: p.get_by_role("main").get_by_role("button", name="Add question").click(), loads=True)
    text = joined(said)
    _summary_then(orca, said, ["Enter the question.", "Give at least two choices."])
    assert "Finished loading Error:" in text and "combo box" not in text, text
    said = orca.keys("KP_Enter", still=2)  # "where am I"
    assert "There is a problem" in joined(said), joined(said)
