"""The "forgot password" pages (with and without mail) and the admin's reset link page: axe, structure,
the keyboard, and no JavaScript."""

from __future__ import annotations

import re

import pytest

from tests.browser.helpers import (
    assert_no_axe_violations,
    assert_skip_link_first,
    assert_structure,
    containing,
    press_and_wait,
    tab_to,
)
from tests.factories import make_user

pytestmark = pytest.mark.browser


def check(page, label: str, *, errors: bool = False) -> None:
    assert_no_axe_violations(page, label)
    title = assert_structure(page)["title"]
    assert title.startswith("Error:") == errors, title
    assert_skip_link_first(page)


def test_forgot_password_without_mail_is_accessible(page):
    """The "ask an admin" page passes axe and the structure checks, and sign-in links to it."""
    page.goto("/login")
    with page.expect_navigation():
        page.get_by_role("link", name="Forgot your password?").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Forgot your password?"
    check(page, "forgot-no-mail")


def test_forgot_password_with_mail_by_keyboard(page, mail_on):
    """Form, error state and "check your email" pass axe; the form is filled and sent with the keyboard only."""
    page.goto("/password/forgot")
    check(page, "forgot-form")
    button = page.get_by_role("button", name="Send me a reset link")
    tab_to(page, button)
    press_and_wait(page)
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    check(page, "forgot-errors", errors=True)
    page.goto("/password/forgot")
    tab_to(page, page.get_by_role("textbox", name=containing("Email address")))
    page.keyboard.type("newcomer@example.org")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile("/password/forgot$"))
    page.get_by_role("heading", level=1, name="Check your email").wait_for()
    check(page, "forgot-sent")
    assert [m["To"] for _, m in mail_on.wait_for(1)] == ["newcomer@example.org"]


def test_forgot_password_works_without_javascript(nojs_page, mail_on):
    """With JavaScript off, the form still sends the e-mail and answers "check your email"."""
    nojs_page.goto("/password/forgot")
    nojs_page.get_by_role("textbox", name=containing("Email address")).fill("progress@example.org")
    with nojs_page.expect_navigation():
        nojs_page.get_by_role("button", name="Send me a reset link").click()
    assert nojs_page.get_by_role("heading", level=1).inner_text() == "Check your email"
    assert [m["To"] for _, m in mail_on.wait_for(1)] == ["progress@example.org"]


def test_admin_reset_link_page_by_keyboard(browser, site):
    """An admin reaches "Create a reset link" for a person by keyboard; the page showing the link passes axe."""
    from tests.browser.helpers import new_context, sign_in

    # An admin of this test's own: the Teach axe tests (same live site) register axe.admin@ too.
    make_user(site.app, email="mail.admin@example.org", name="Admin Bopha", role="admin")
    site.users.setdefault("mail-admin", ("mail.admin@example.org", "Admin Bopha"))
    context = new_context(browser, site)
    try:
        sign_in(context, site, "mail-admin")
        page = context.new_page()
        page.goto("/admin/users")
        check(page, "admin-users")
        tab_to(page, page.get_by_role("button", name="Create a reset link for Sok Dara"))
        press_and_wait(page)
        check(page, "admin-reset-link")
        link = page.get_by_role("textbox", name="Reset link")
        assert re.search(r"/password/reset/[\w.-]+$", link.input_value())
    finally:
        context.close()
