"""WTForms' own messages ("Not a valid integer value.", "Not a valid choice.", a Length without a
message) reach a Khmer page in Sala's words from Sala's catalogue, never in WTForms' English
(lms.forms.BUILT_IN_MESSAGES): WTForms ships no Khmer."""

from __future__ import annotations

import html as htmllib

import pytest
from flask_babel import force_locale, gettext, ngettext

from tests.factories import make_user
from tests.helpers import new_course, post, sign_in_as

KM = {"Accept-Language": "km-KH,km;q=0.9,en;q=0.5"}


def in_khmer(app, text: str, plural: str | None = None, n: int = 1, **variables) -> str:
    """`text` as a Khmer page shows it: its Khmer translation, or the msgid itself until the
    catalogue has one (tests/unit/test_translations.py fails until then)."""
    with app.test_request_context(), force_locale("km"):
        return ngettext(text, plural, n, **variables) if plural else gettext(text, **variables)


def shown(response) -> str:
    assert '<html lang="km"' in response.get_data(as_text=True)
    return htmllib.unescape(response.get_data(as_text=True))


@pytest.fixture
def trainer(app, client):
    sign_in_as(app, client)
    client.set_cookie("lang", "km", domain="localhost")
    return new_course(client)


def test_letters_in_a_number_field_get_sala_words_in_khmer(app, client, trainer):
    """Minutes typed as a word: the field says Sala's "Enter a whole number", not WTForms' English."""
    r = post(
        client,
        f"/teach/courses/{trainer}/units/new",
        {"title": "Talk", "body_md": "Read.", "estimated_minutes": "ten", "save": "Save"},
        headers=KM,
    )
    page = shown(r)
    assert r.status_code == 422
    assert "Not a valid integer value." not in page
    message = in_khmer(app, "Enter a whole number, like 12.")
    assert f"</span> {message}" in page  # beside the field, after its hidden "Error:"
    assert f'<a href="#estimated_minutes">{message}</a>' in page  # and in the summary


def test_a_too_long_field_without_its_own_message_gets_sala_words_in_khmer(app, client, trainer):
    """A unit summary over its 2000 characters (a Length with no message of its own)."""
    r = post(
        client,
        f"/teach/courses/{trainer}/units/new",
        {"title": "Talk", "summary": "x" * 2001, "estimated_minutes": "5", "save": "Save"},
        headers=KM,
    )
    page = shown(r)
    assert r.status_code == 422
    assert "Field cannot be longer than" not in page
    message = in_khmer(
        app, "Keep this to %(num)d character or fewer.", "Keep this to %(num)d characters or fewer.", 2000
    )
    assert "2000" in message and f'<a href="#summary">{message}</a>' in page


def test_a_choice_not_offered_gets_sala_words_in_khmer(app, client):
    """An admin's role form sent with a role that does not exist."""
    sign_in_as(app, client, role="admin", name="Admin Dara")
    learner_id = make_user(app, email="someone@example.org", name="Someone")
    client.set_cookie("lang", "km", domain="localhost")
    r = post(client, f"/admin/users/{learner_id}/role", {"role": "emperor"}, token_from="/admin/users", headers=KM)
    page = shown(r)
    assert r.status_code == 422
    assert "Not a valid choice." not in page
    assert in_khmer(app, "Choose one of the options given.") in page


def test_a_date_that_is_not_a_date_gets_sala_words_in_khmer(app, client):
    """The audit log's date filter given a day in another form."""
    sign_in_as(app, client, role="admin", name="Admin Dara")
    r = client.get("/admin/audit?since=30/11/2026", headers=KM)
    page = shown(r)
    assert r.status_code == 400
    assert "Not a valid date value." not in page
    assert in_khmer(app, "Enter a date as year-month-day, like 2026-11-30.") in page
