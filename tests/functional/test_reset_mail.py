"""Password reset by e-mail through a real SMTP server (aiosmtpd), registration notices, and the
admin's reset link when the site sends no mail (issue 10, item 2)."""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import select

from lms.models import AuditEvent
from tests.factories import PASSWORD, make_user
from tests.helpers import SmtpSink, csrf_token, link_in, post

BASE = "https://sala.example.org"
NEW = "a brand new passphrase"


@pytest.fixture
def smtp(app):
    with SmtpSink() as sink:
        app.config.update(sink.config(), BASE_URL=BASE)
        yield sink


def forgot(client, email):
    return post(client, "/password/forgot", {"email": email})


def body(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def test_forgot_password_emails_a_link_that_works_once(app, client, smtp):
    """The e-mail reaches the account's address with a reset link on the configured site; it sets a password once."""
    make_user(app)
    r = forgot(client, "Learner@Example.org ")
    assert r.status_code == 200 and "Check your email" in r.get_data(as_text=True)
    (recipients, message), *_ = smtp.wait_for(1)
    assert recipients == ["learner@example.org"] and message["To"] == "learner@example.org"
    assert message["Subject"] == "Reset your password for Sala — Linking and Learning Cambodia"
    assert message["From"] == "Sala <no-reply@sala.example.org>"
    text = body(message)
    assert "works once, for one hour" in text
    link = link_in(text)
    assert link.startswith(BASE + "/password/reset/")
    path = urlsplit(link).path
    assert client.get(path).status_code == 200
    r = post(client, path, {"password": NEW, "confirm": NEW})
    assert r.status_code == 302 and r.headers["Location"].endswith("/login")
    assert client.get(path).status_code == 400
    assert post(client, "/login", {"email": "learner@example.org", "password": NEW}).status_code == 302
    with app.app_context():
        from lms.db import get_session

        events = get_session().scalars(select(AuditEvent).where(AuditEvent.kind == "reset_link_made")).all()
        assert [(e.email, e.detail) for e in events] == [("learner@example.org", "sent by e-mail")]


def test_unknown_address_sends_nothing_and_gets_the_same_page(app, client, smtp):
    """An address without an account gets the same words and status, and no e-mail is sent to it."""
    make_user(app)
    known = forgot(client, "learner@example.org")
    unknown = forgot(client, "nobody@example.org")
    assert known.status_code == unknown.status_code == 200
    assert known.get_data(as_text=True).replace("learner@example.org", "X") == unknown.get_data(as_text=True).replace(
        "nobody@example.org", "X"
    )
    smtp.wait_for(1)
    assert [r for r, _ in smtp.messages] == [["learner@example.org"]]


def test_emailed_link_expires_after_an_hour(app, client, smtp, monkeypatch):
    """A link signed more than an hour ago no longer opens the reset form."""
    make_user(app)
    with monkeypatch.context() as m:
        m.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - 3601)
        forgot(client, "learner@example.org")
        (_, message), *_ = smtp.wait_for(1)
    r = client.get(urlsplit(link_in(body(message))).path)
    assert r.status_code == 400 and "This link does not work" in r.get_data(as_text=True)


def test_mail_server_sign_in_is_used(app, client):
    """With LMS_MAIL_USER set, Sala signs in to the SMTP server before sending."""
    make_user(app)
    with SmtpSink(user="sala", password="mail secret") as sink:
        app.config.update(sink.config())
        forgot(client, "learner@example.org")
        sink.wait_for(1)
        assert sink.logins == ["sala"]


def test_registering_a_taken_address_tells_its_owner_by_email(app, client, smtp):
    """Registration answers a taken address as a new one; the owner is told by e-mail, with a working reset link."""
    make_user(app)

    def register(email):
        data = {"name": "Someone", "email": email, "password": NEW, "confirm": NEW}
        r = post(client, "/register", data)
        assert r.status_code == 302
        page = client.get(r.headers["Location"]).get_data(as_text=True)
        # A CSRF token carries the second it was signed, so two pages a second apart differ there only.
        return re.sub(r'(name="csrf_token"[^>]*value=")[^"]*', r"\1", page)

    assert register("learner@example.org") == register("new.person@example.org")
    messages = {m["To"]: m for _, m in smtp.wait_for(2)}
    assert set(messages) == {"learner@example.org", "new.person@example.org"}
    assert "account is ready" in messages["new.person@example.org"]["Subject"]
    taken = messages["learner@example.org"]
    assert taken["Subject"].startswith("Someone tried to create")
    assert "already has an account, so nothing was changed" in body(taken)
    path = urlsplit(link_in(body(taken))).path
    assert (
        post(client, path, {"password": "another fine passphrase", "confirm": "another fine passphrase"}).status_code
        == 302
    )
    # The password typed at registration did not take over the account.
    assert post(client, "/login", {"email": "learner@example.org", "password": NEW}).status_code == 400


def test_without_mail_forgot_password_says_to_ask_an_admin(app, client):
    """With no mail configured, the page offers no form and says to ask an admin; posting sends nothing."""
    make_user(app)
    r = client.get("/password/forgot")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "Ask an admin of this site for a reset link" in html and 'name="email"' not in html
    token = csrf_token(client, "/login")
    r = client.post("/password/forgot", data={"email": "learner@example.org", "csrf_token": token})
    assert r.status_code == 200 and "Ask an admin" in r.get_data(as_text=True)


def test_forgot_password_form_shows_an_accessible_error(app, client, smtp):
    """A malformed address is refused on its field, with "Error:" in the title and no e-mail."""
    r = forgot(client, "not an address")
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and "<title>Error:" in html and 'href="#email"' in html
    assert smtp.wait_for(0) == []


def test_admin_creates_a_reset_link_shown_once(app, client):
    """An admin's button makes a working reset link on the configured site, logged, and never cached."""
    app.config["BASE_URL"] = BASE
    learner = make_user(app)
    make_user(app, email="admin@example.org", role="admin")
    post(client, "/login", {"email": "admin@example.org", "password": PASSWORD})
    assert "Create a reset link" in client.get("/admin/users").get_data(as_text=True)
    r = post(client, f"/admin/users/{learner}/reset-link", token_from="/admin/users")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and r.headers["Cache-Control"] == "private, no-store"
    link = re.search(r'value="(https://sala\.example\.org/password/reset/[^"]+)"', html).group(1)
    assert post(client, "/logout", token_from="/account").status_code == 302
    path = urlsplit(link).path
    assert post(client, path, {"password": NEW, "confirm": NEW}).status_code == 302
    assert post(client, "/login", {"email": "learner@example.org", "password": NEW}).status_code == 302
    with app.app_context():
        from lms.db import get_session

        event = get_session().scalars(select(AuditEvent).where(AuditEvent.kind == "reset_link_made")).one()
        assert event.email == "learner@example.org" and "admin@example.org" in event.detail


def test_only_admins_create_reset_links(app, client):
    """A learner posting to the admin's reset-link address is refused, and no link is made."""
    make_user(app)
    other = make_user(app, email="other@example.org")
    post(client, "/login", {"email": "learner@example.org", "password": PASSWORD})
    r = post(client, f"/admin/users/{other}/reset-link", token_from="/account")
    assert r.status_code == 403 and "/password/reset/" not in r.get_data(as_text=True)


def test_send_test_mail_command(app):
    """`lms send-test-mail` delivers at once when mail is configured, and says so when it is not."""
    result = app.test_cli_runner().invoke(args=["send-test-mail", "ops@example.org"])
    assert result.exit_code == 1 and "Mail is not configured" in result.output
    with SmtpSink() as sink:
        app.config.update(sink.config())
        result = app.test_cli_runner().invoke(args=["send-test-mail", "ops@example.org"])
        assert result.exit_code == 0, result.output
        assert [m["To"] for _, m in sink.messages] == ["ops@example.org"]
    result = app.test_cli_runner().invoke(args=["send-test-mail", "ops@example.org"])
    assert result.exit_code == 1 and "Could not send through 127.0.0.1" in result.output
