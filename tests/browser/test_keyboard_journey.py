"""A newcomer completes a whole course with the keyboard only, finding everything by role and name."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from pathlib import Path

import pikepdf
import pytest
from babel.dates import format_date

from tests.browser.author_helpers import add_user
from tests.browser.helpers import (
    Question,
    containing,
    context_options,
    course_title,
    exactly,
    is_focused,
    load_metadata,
    new_context,
    press_and_wait,
    quiz_answers,
    t,
    tab_to,
    unit_titles,
)
from tests.factories import KHMER_COURSE, PASSWORD

pytestmark = pytest.mark.browser

SLUG = "public-speaking"


def type_into(page, locator, text: str) -> None:
    tab_to(page, locator)
    page.keyboard.type(text)


def answer_by_keyboard(page, question) -> None:
    """Answer one question: radios with Tab then arrow keys, checkboxes with Space, text by typing."""
    if question.type == "short_text":
        type_into(page, page.get_by_role("textbox", name=containing(question.prompt)), question.right[0])
        return
    group = page.get_by_role("group", name=containing(question.prompt))
    if question.type == "multiple":
        for label in question.right:
            box = group.get_by_role("checkbox", name=exactly(label))
            tab_to(page, box)
            page.keyboard.press("Space")
            assert box.is_checked(), f"Space did not tick {label!r}"
        return
    # A radio group is one Tab stop; the arrow keys move the choice within it.
    tab_to(page, group.get_by_role("radio").first)
    target = question.choices.index(question.right[0])
    for _ in range(target):
        page.keyboard.press("ArrowDown")
    if target == 0:
        page.keyboard.press("Space")
    radio = group.get_by_role("radio", name=exactly(question.right[0]))
    assert is_focused(page, radio) and radio.is_checked(), f"could not choose {question.right[0]!r}"


def test_newcomer_completes_a_course_with_the_keyboard_only(page):
    """Register, enrol, finish every unit, pass the quiz and verify the certificate, by keyboard alone."""
    name, email = "Phan Bopha", "keyboard.journey@example.org"
    title = course_title(SLUG)
    page.goto("/")

    # Register.
    tab_to(page, page.get_by_role("link", name="Create an account"))
    press_and_wait(page)
    type_into(page, page.get_by_role("textbox", name=containing("Full name")), name)
    type_into(page, page.get_by_role("textbox", name=containing("Email address")), email)
    type_into(page, page.get_by_label(re.compile(r"^Password \(required\)")), PASSWORD)
    type_into(page, page.get_by_label(re.compile(r"^Password again")), PASSWORD)
    tab_to(page, page.get_by_role("button", name="Create account"))
    press_and_wait(page)
    # The same answer whether or not the address had an account (no enumeration): then sign in.
    assert page.get_by_role("status").filter(has_text="its account is ready").is_visible()
    type_into(page, page.get_by_role("textbox", name=containing("Email address")), email)
    type_into(page, page.get_by_label(re.compile(r"^Password")), PASSWORD)
    tab_to(page, page.get_by_role("button", name="Sign in"))
    press_and_wait(page)
    assert page.get_by_role("status").filter(has_text="You are signed in").is_visible()

    # Open the course from the catalog and enrol.
    tab_to(page, page.get_by_role("link", name=title, exact=True))
    press_and_wait(page)
    assert page.get_by_role("heading", level=1).inner_text() == title
    tab_to(page, page.get_by_role("button", name="Enrol in this course"))
    press_and_wait(page)
    assert page.get_by_role("status").filter(has_text="You are enrolled").is_visible()
    units = unit_titles(SLUG)
    tab_to(page, page.get_by_role("link", name=f"Continue: {units[0]}"))
    press_and_wait(page)

    # Every unit: mark it done, which opens the next one (and, after the last, the quiz).
    for number, unit in enumerate(units, start=1):
        assert page.get_by_role("heading", level=1).inner_text() == unit
        last = number == len(units)
        label = "Mark as done and go to the quiz" if last else "Mark as done and go to the next unit"
        tab_to(page, page.get_by_role("button", name=label), max_presses=200)
        press_and_wait(page)

    # The quiz, answered right from quiz.yaml.
    assert page.get_by_role("heading", level=1).inner_text() == "Check your understanding"
    for question in quiz_answers(SLUG):
        answer_by_keyboard(page, question)
    tab_to(page, page.get_by_role("button", name="Submit answers"))
    press_and_wait(page)

    # The result heading has focus, so a screen reader announces it first.
    heading = page.get_by_role("heading", level=1)
    page.wait_for_function("document.activeElement && document.activeElement.tagName === 'H1'")
    assert heading.inner_text() == "You passed: 100%" and is_focused(page, heading)

    # The certificate, then its public verification page.
    tab_to(page, page.get_by_role("link", name="View your certificate"))
    press_and_wait(page)
    assert page.get_by_role("heading", level=1).inner_text() == "Certificate of completion"
    # Download the PDF by keyboard: a real file, a tagged PDF.
    tab_to(page, page.get_by_role("link", name="Download the certificate as PDF"))
    # The first PDF of a certificate is rendered on request (WeasyPrint + pikepdf): seconds, not ms.
    with page.expect_download(timeout=60_000) as download_info:
        page.keyboard.press("Enter")
    pdf = Path(download_info.value.path()).read_bytes()
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        assert "/StructTreeRoot" in doc.Root and doc.Root.Lang
    tab_to(page, page.get_by_role("link", name="Open the public verification page"))
    press_and_wait(page)
    verified = page.get_by_role("heading", level=1)
    assert verified.inner_text() == "This certificate is genuine"
    page.wait_for_function("document.activeElement && document.activeElement.tagName === 'H1'")
    details = page.get_by_role("region", name="Certificate details").inner_text()
    today = format_date(datetime.now(UTC).date(), "long", locale="en")
    for expected in (name, title, today):
        assert expected in details, f"{expected!r} missing from the verification page: {details!r}"


def test_newcomer_completes_the_khmer_course_in_khmer_with_the_keyboard_only(browser, site, khmer_course):
    """A browser asking for Khmer: register, enrol, finish the Khmer course, pass, get a Khmer
    certificate (page and PDF) and verify it, by keyboard alone, every control found by its Khmer name."""
    context = new_context(browser, site, **context_options("km"))
    page = context.new_page()
    k, name, email = KHMER_COURSE, "ផាន បុប្ផា", "keyboard.khmer@example.org"

    def km(text: str, **variables) -> str:
        return t(text, "km", **variables)

    required = f" ({km('required')})"
    page.goto("/")
    assert page.evaluate("document.documentElement.lang") == "km"

    # Register, then sign in.
    tab_to(page, page.get_by_role("link", name=km("Create an account")))
    press_and_wait(page)
    type_into(page, page.get_by_role("textbox", name=containing(km("Full name"))), name)
    type_into(page, page.get_by_role("textbox", name=containing(km("Email address"))), email)
    type_into(page, page.get_by_label(re.compile("^" + re.escape(km("Password") + required))), PASSWORD)
    type_into(page, page.get_by_label(re.compile("^" + re.escape(km("Password again")))), PASSWORD)
    tab_to(page, page.get_by_role("button", name=km("Create account")))
    press_and_wait(page)
    status = page.get_by_role("status").inner_text()
    assert (
        km(
            "Thank you. If this email address is new to Sala, its account is ready: sign in with it and the password you chose. If it already had an account, sign in with that account's password (or ask an admin for a reset link)."
        )
        in status
    )
    type_into(page, page.get_by_role("textbox", name=containing(km("Email address"))), email)
    type_into(page, page.get_by_label(re.compile("^" + re.escape(km("Password") + required))), PASSWORD)
    tab_to(page, page.get_by_role("main").get_by_role("button", name=km("Sign in")))
    press_and_wait(page)
    assert km("You are signed in.") in page.get_by_role("status").inner_text()

    # The Khmer course from the catalog: enrol and open its unit.
    tab_to(page, page.get_by_role("link", name=k["title"], exact=True))
    press_and_wait(page)
    assert page.get_by_role("heading", level=1).inner_text() == k["title"]
    tab_to(page, page.get_by_role("button", name=km("Enrol in this course")))
    press_and_wait(page)
    tab_to(page, page.get_by_role("link", name=km("Continue: %(title)s", title=k["unit_title"])))
    press_and_wait(page)
    assert page.get_by_role("heading", level=1).inner_text() == k["unit_title"]
    tab_to(page, page.get_by_role("button", name=km("Mark as done and go to the quiz")), max_presses=200)
    press_and_wait(page)

    # The quiz, in Khmer: the right answer is the second choice (Tab, then an arrow key).
    assert page.get_by_role("heading", level=1).inner_text() == k["quiz_title"]
    answer_by_keyboard(page, Question("single", k["prompt"], [k["right"]], k["choices"]))
    tab_to(page, page.get_by_role("button", name=km("Submit answers")))
    press_and_wait(page)
    heading = page.get_by_role("heading", level=1)
    page.wait_for_function("document.activeElement && document.activeElement.tagName === 'H1'")
    assert heading.inner_text() == km("You passed: %(score)s%%", score="100") and is_focused(page, heading)

    # The certificate is worded in Khmer, page and PDF, and verifies.
    tab_to(page, page.get_by_role("link", name=km("View your certificate")))
    press_and_wait(page)
    assert page.get_by_role("heading", level=1).inner_text() == km("Certificate of completion")
    assert km("This certifies that") in page.get_by_role("main").inner_text()
    tab_to(page, page.get_by_role("link", name=km("Download the certificate as PDF")))
    with page.expect_download(timeout=60_000) as download_info:
        page.keyboard.press("Enter")
    pdf = Path(download_info.value.path()).read_bytes()
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        assert "/StructTreeRoot" in doc.Root and str(doc.Root.Lang) == "km"
    tab_to(page, page.get_by_role("link", name=km("Open the public verification page")))
    press_and_wait(page)
    assert page.get_by_role("heading", level=1).inner_text() == km("This certificate is genuine")
    page.wait_for_function("document.activeElement && document.activeElement.tagName === 'H1'")
    details = page.get_by_role("region", name=km("Certificate details")).inner_text()
    today = format_date(datetime.now(UTC).date(), "long", locale="km")
    for expected in (name, k["title"], today, km("This certifies that")):
        assert expected in details, f"{expected!r} missing from the verification page: {details!r}"
    context.close()


def test_language_switch_works_by_keyboard(page_as, site):
    """Signed out (a link) and signed in (a button), the switch is reached by Tab, changes <html lang>
    and comes back to the same page."""
    add_user(site, "switcher", "Ouk Srey", "switcher@example.org")
    for who, role in (("anonymous", "link"), ("switcher", "button")):
        page = page_as(who)
        page.goto(f"/courses/{SLUG}")
        for lang, nav_name, name in (("km", "Language", "ខ្មែរ"), ("en", t("Language", "km"), "English")):
            control = page.get_by_role("navigation", name=nav_name).get_by_role(role, name=name)
            tab_to(page, control)
            press_and_wait(page)
            assert page.evaluate("document.documentElement.lang") == lang, f"{who}: still not {lang}"
            assert page.url.endswith(f"/courses/{SLUG}"), f"{who}: the switch did not come back to the same page"


def test_error_summary_takes_focus_and_links_to_the_fields(page, signed_in_page):
    """After a failed submit the error summary has focus, and each of its links moves focus to its field."""
    page.goto("/login")
    tab_to(page, page.get_by_role("button", name="Sign in", exact=True).last)
    press_and_wait(page)
    summary = page.locator(".error-summary")
    page.wait_for_function("document.activeElement.classList.contains('error-summary')")
    assert "There is a problem" in summary.inner_text()
    for message, field in (("Enter your email address.", "#email"), ("Enter your password.", "#password")):
        tab_to(page, summary.get_by_role("link", name=message))
        page.keyboard.press("Enter")
        page.wait_for_function("sel => document.activeElement === document.querySelector(sel)", arg=field)

    # On the quiz, a link in the summary moves focus to the first choice of the question.
    quiz = signed_in_page
    quiz.goto(f"/courses/{SLUG}/quiz")
    tab_to(quiz, quiz.get_by_role("button", name="Submit answers"), max_presses=120)
    press_and_wait(quiz)
    quiz.wait_for_function("document.activeElement.classList.contains('error-summary')")
    first = quiz_answers(SLUG)[0]
    tab_to(quiz, quiz.get_by_role("link", name="Question 1: Choose an answer."))
    quiz.keyboard.press("Enter")
    group = quiz.get_by_role("group", name=containing(first.prompt))
    quiz.wait_for_function("el => el === document.activeElement", arg=group.get_by_role("radio").first.element_handle())
    # The last question is a text box: its link moves focus into it, ready to type.
    last = quiz_answers(SLUG)[-1]
    links = quiz.locator(".error-summary").get_by_role("link")
    tab_to(quiz, links.last)
    quiz.keyboard.press("Enter")
    box = quiz.get_by_role("textbox", name=containing(last.prompt))
    quiz.wait_for_function("el => el === document.activeElement", arg=box.element_handle())


def test_transcript_time_links_seek_the_video(signed_in_page):
    """With JavaScript, a transcript time link (reached by Tab, followed by Enter) moves the video to that time."""
    page = signed_in_page
    page.goto(f"/courses/{SLUG}/units/why-we-speak")
    load_metadata(page)
    links = page.locator(".transcript").get_by_role("link")
    assert links.count() > 2
    # Screen readers hear a whole phrase, not "Play from0:00".
    assert page.locator(".transcript").get_by_role("link", name="Play from 0:00", exact=True).count() == 1
    link = links.nth(2)
    seek = float(link.get_attribute("data-seek"))
    assert seek > 0
    tab_to(page, link, max_presses=120)
    url = page.url
    page.keyboard.press("Enter")
    page.wait_for_function("t => Math.abs(document.getElementById('video').currentTime - t) < 1.5", arg=seek)
    assert page.url == url, "the link left the page instead of seeking the player"
    assert page.evaluate("document.activeElement.id") == "video", "focus did not move to the player"
    # The cue now playing is marked for screen readers (aria-current) and by sight (a bar, not colour alone).
    page.wait_for_function("() => document.querySelectorAll('.transcript [aria-current=true]').length === 1")
    current = page.locator(".transcript [aria-current=true]")
    assert float(current.get_attribute("data-seek")) <= page.evaluate("document.getElementById('video').currentTime")
    assert "inset" in current.locator("xpath=..").evaluate("li => getComputedStyle(li).boxShadow")
    assert page.evaluate("document.activeElement.id") == "video", "playback moved focus"


FOCUS_STYLE_JS = """el => { const s = getComputedStyle(el);
  return {outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2 ? s.outlineStyle + s.outlineWidth + s.outlineColor : '',
          shadow: s.boxShadow, background: s.backgroundColor}; }"""


@pytest.mark.parametrize(
    "who,path",
    [
        ("anonymous", "/login"),
        ("progress", f"/courses/{SLUG}"),
        ("progress", f"/courses/{SLUG}/units/why-we-speak"),
        ("progress", f"/courses/{SLUG}/quiz"),
    ],
    ids=["sign-in", "course", "unit", "quiz"],
)
def test_every_tab_stop_shows_a_visible_focus_indicator(page_as, who, path):
    """Each element reached by Tab looks different while focused: an outline, a shadow or a background."""
    page = page_as(who)
    page.goto(path)
    seen, missing = 0, []
    for _ in range(150):
        page.keyboard.press("Tab")
        el = page.evaluate_handle("document.activeElement")
        tag = el.evaluate("e => e.tagName")
        if tag == "BODY":
            break  # the walk has left the page
        if tag == "VIDEO":
            continue  # Chromium's own player controls draw their own focus ring
        focused = el.evaluate(FOCUS_STYLE_JS)
        el.evaluate("e => e.blur()")  # the next Tab still starts from here
        plain = el.evaluate(FOCUS_STYLE_JS)
        seen += 1
        if (
            not focused["outline"]
            and focused["shadow"] == plain["shadow"]
            and focused["background"] == plain["background"]
        ):
            missing.append(el.evaluate("e => e.outerHTML.slice(0, 100)"))
    assert seen >= 5, f"only {seen} Tab stops on {path}"
    assert not missing, f"no visible focus indicator on: {missing}"
