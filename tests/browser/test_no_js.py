"""The whole learner journey with JavaScript disabled: every core task works without it."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from babel.dates import format_date

from tests.browser.helpers import (
    containing,
    context_options,
    course_title,
    exactly,
    new_context,
    quiz_answers,
    t,
    unit_titles,
)
from tests.factories import KHMER_COURSE, PASSWORD

pytestmark = pytest.mark.browser

SLUG = "telling-impact-stories"


def click_and_wait(page, locator) -> None:
    with page.expect_navigation():
        locator.click()


def h1(page) -> str:
    return page.get_by_role("heading", level=1).inner_text()


def test_learner_completes_a_course_without_javascript(nojs_page):
    """Register, enrol, finish the units, recover from a quiz error, pass, verify, sign out and in again."""
    page = nojs_page
    name, email = "Lim Sopheap", "no.js.journey@example.org"
    title = course_title(SLUG)
    page.goto("/")
    assert page.locator("script[src^='/static/js/enhance.'][src$='.js']").count() == 1  # present, but it cannot run

    click_and_wait(page, page.get_by_role("link", name="Create an account"))
    page.get_by_role("textbox", name=containing("Full name")).fill(name)
    page.get_by_role("textbox", name=containing("Email address")).fill(email)
    page.get_by_label(re.compile(r"^Password \(required\)")).fill(PASSWORD)
    page.get_by_label(re.compile(r"^Password again")).fill("a different password")
    click_and_wait(page, page.get_by_role("button", name="Create account"))
    # A mistake is explained at the top and beside the field, with nothing lost but passwords.
    assert page.title().startswith("Error:")
    assert "The two passwords are not the same." in page.locator(".error-summary").inner_text()
    assert page.get_by_role("textbox", name=containing("Full name")).input_value() == name
    page.get_by_label(re.compile(r"^Password \(required\)")).fill(PASSWORD)
    page.get_by_label(re.compile(r"^Password again")).fill(PASSWORD)
    click_and_wait(page, page.get_by_role("button", name="Create account"))
    # The same answer whether or not the address had an account (no enumeration): then sign in.
    assert "its account is ready" in page.get_by_role("status").inner_text()
    page.get_by_role("textbox", name=containing("Email address")).fill(email)
    page.get_by_label(re.compile(r"^Password")).fill(PASSWORD)
    click_and_wait(page, page.get_by_role("button", name="Sign in"))
    assert "You are signed in" in page.get_by_role("status").inner_text()

    click_and_wait(page, page.get_by_role("link", name=title, exact=True))
    click_and_wait(page, page.get_by_role("button", name="Enrol in this course"))
    units = unit_titles(SLUG)
    click_and_wait(page, page.get_by_role("link", name=f"Continue: {units[0]}"))
    for number, unit in enumerate(units, start=1):
        assert h1(page) == unit
        assert page.locator("video track").count() >= 1, "the captions are part of the page, not added by script"
        assert page.locator(".transcript li").count() > 3, "the transcript is in the page"
        label = "Mark as done and go to the quiz" if number == len(units) else "Mark as done and go to the next unit"
        click_and_wait(page, page.get_by_role("button", name=label))

    # Submitting with one question unanswered: an error summary, and the other answers kept.
    questions = quiz_answers(SLUG)
    assert h1(page) == "Check your understanding"

    def answer(question):
        if question.type == "short_text":
            page.get_by_role("textbox", name=containing(question.prompt)).fill(question.right[0])
            return
        group = page.get_by_role("group", name=containing(question.prompt))
        role = "checkbox" if question.type == "multiple" else "radio"
        for label in question.right:
            group.get_by_role(role, name=exactly(label)).check()

    for question in questions[1:]:
        answer(question)
    click_and_wait(page, page.get_by_role("button", name="Submit answers"))
    assert page.title().startswith("Error:")
    summary = page.locator(".error-summary")
    assert "Question 1: Choose an answer." in summary.inner_text()
    # Without script the link still leads to the question: it targets the first choice's id.
    href = summary.get_by_role("link", name="Question 1: Choose an answer.").get_attribute("href")
    first_choice = page.get_by_role("group", name=containing(questions[0].prompt)).get_by_role("radio").first
    assert href == "#" + first_choice.get_attribute("id")
    kept = page.get_by_role("textbox", name=containing(questions[-1].prompt)).input_value()
    assert kept == questions[-1].right[0], "an answer was lost when the form came back"
    answer(questions[0])
    click_and_wait(page, page.get_by_role("button", name="Submit answers"))
    assert h1(page) == "You passed: 100%"

    click_and_wait(page, page.get_by_role("link", name="View your certificate"))
    assert h1(page) == "Certificate of completion"
    code = page.locator("main .code").first.inner_text().strip()
    assert name in page.get_by_role("main").inner_text()

    # Verify by typing the code into the public form (as an employer would), signed out.
    click_and_wait(page, page.get_by_role("button", name=re.compile("^Sign out")))
    assert "You are signed out." in page.get_by_role("status").inner_text()
    click_and_wait(page, page.get_by_role("link", name="Verify a certificate"))
    page.get_by_role("textbox", name=containing("Verification code")).fill(code.lower().replace("-", " "))
    click_and_wait(page, page.get_by_role("button", name="Verify"))
    assert h1(page) == "This certificate is genuine"
    details = page.get_by_role("region", name="Certificate details").inner_text()
    today = format_date(datetime.now(UTC).date(), "long", locale="en")
    for expected in (name, title, today):
        assert expected in details

    # Sign in again: the certificate is listed.
    click_and_wait(page, page.get_by_role("link", name="Sign in"))
    page.get_by_role("textbox", name=containing("Email address")).fill(email)
    page.get_by_label(re.compile(r"^Password")).fill(PASSWORD)
    click_and_wait(page, page.get_by_role("button", name="Sign in", exact=True).last)
    click_and_wait(page, page.get_by_role("link", name="My certificates"))
    assert page.get_by_role("link", name=title, exact=True).is_visible()


def test_learner_completes_the_khmer_course_in_khmer_without_javascript(browser, site, khmer_course):
    """JavaScript off, Khmer asked for: switch languages, register, enrol, recover from a quiz error,
    pass, get the Khmer certificate, verify it by typing its code, signed out."""
    context = new_context(browser, site, java_script_enabled=False, **context_options("km"))
    page = context.new_page()
    k, name, email = KHMER_COURSE, "លឹម សុភាព", "no.js.khmer@example.org"

    def km(text: str, **variables) -> str:
        return t(text, "km", **variables)

    required = f" ({km('required')})"
    page.goto("/")
    assert page.evaluate("document.documentElement.lang") == "km"
    # The switch is a plain link for a visitor: it works without script, both ways.
    click_and_wait(page, page.get_by_role("navigation", name=km("Language")).get_by_role("link", name="English"))
    assert page.evaluate("document.documentElement.lang") == "en" and h1(page) == "Courses"
    click_and_wait(page, page.get_by_role("navigation", name="Language").get_by_role("link", name="ខ្មែរ"))
    assert page.evaluate("document.documentElement.lang") == "km" and h1(page) == km("Courses")

    click_and_wait(page, page.get_by_role("link", name=km("Create an account")))
    page.get_by_role("textbox", name=containing(km("Full name"))).fill(name)
    page.get_by_role("textbox", name=containing(km("Email address"))).fill(email)
    page.get_by_label(re.compile("^" + re.escape(km("Password") + required))).fill(PASSWORD)
    page.get_by_label(re.compile("^" + re.escape(km("Password again")))).fill(PASSWORD)
    click_and_wait(page, page.get_by_role("button", name=km("Create account")))
    page.get_by_role("textbox", name=containing(km("Email address"))).fill(email)
    page.get_by_label(re.compile("^" + re.escape(km("Password") + required))).fill(PASSWORD)
    click_and_wait(page, page.get_by_role("main").get_by_role("button", name=km("Sign in")))
    assert km("You are signed in.") in page.get_by_role("status").inner_text()

    click_and_wait(page, page.get_by_role("link", name=k["title"], exact=True))
    click_and_wait(page, page.get_by_role("button", name=km("Enrol in this course")))
    click_and_wait(page, page.get_by_role("link", name=km("Continue: %(title)s", title=k["unit_title"])))
    assert h1(page) == k["unit_title"]
    click_and_wait(page, page.get_by_role("button", name=km("Mark as done and go to the quiz")))

    # Nothing chosen: the error summary says so in Khmer and links to the first choice.
    assert h1(page) == k["quiz_title"]
    click_and_wait(page, page.get_by_role("button", name=km("Submit answers")))
    assert page.title().startswith(km("Error:"))
    message = km("Question %(n)d: %(message)s", n=1, message=km("Choose an answer."))
    link = page.locator(".error-summary").get_by_role("link", name=message)
    group = page.get_by_role("group", name=containing(k["prompt"]))
    assert link.get_attribute("href") == "#" + group.get_by_role("radio").first.get_attribute("id")
    group.get_by_role("radio", name=exactly(k["right"])).check()
    click_and_wait(page, page.get_by_role("button", name=km("Submit answers")))
    assert h1(page) == km("You passed: %(score)s%%", score="100")

    click_and_wait(page, page.get_by_role("link", name=km("View your certificate")))
    assert h1(page) == km("Certificate of completion")
    code = page.locator("main .code").first.inner_text().strip()
    main = page.get_by_role("main").inner_text()
    assert name in main and km("This certifies that") in main

    click_and_wait(page, page.get_by_role("button", name=re.compile("^" + re.escape(km("Sign out")))))
    click_and_wait(page, page.get_by_role("link", name=km("Verify a certificate")))
    page.get_by_role("textbox", name=containing(km("Verification code"))).fill(code.lower().replace("-", " "))
    click_and_wait(page, page.get_by_role("button", name=km("Verify")))
    assert h1(page) == km("This certificate is genuine")
    details = page.get_by_role("region", name=km("Certificate details")).inner_text()
    today = format_date(datetime.now(UTC).date(), "long", locale="km")
    for expected in (name, k["title"], today):
        assert expected in details, f"{expected!r} missing: {details!r}"
    context.close()
