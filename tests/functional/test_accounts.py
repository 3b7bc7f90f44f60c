"""Accounts: sign-ins that end, change password, sign out everywhere, reset links, password and name rules
(issue 10, item 2)."""

from __future__ import annotations

import re

from click.testing import CliRunner
from sqlalchemy import select

from lms.models import User
from lms.services import accounts
from tests.factories import PASSWORD, make_user
from tests.helpers import csrf_token, post

NEW = "a brand new passphrase"


def signed_in(client) -> bool:
    return client.get("/account").status_code == 200


def sign_in(client, email="learner@example.org", password=PASSWORD, remember=False):
    data = {"email": email, "password": password}
    if remember:
        data["remember"] = "y"
    return post(client, "/login", data)


def test_copied_session_cookie_stops_working_at_sign_out(app, client):
    """A session cookie copied before sign-out no longer signs anyone in after it."""
    make_user(app)
    sign_in(client)
    copied = client.get_cookie("session").value
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})
    thief = app.test_client()
    thief.set_cookie("session", copied, domain="localhost")
    assert not signed_in(thief)


def test_remember_token_rotates_and_dies_at_sign_out(app, client):
    """Each sign-in gets a new remember-me token; after sign-out the old one signs nobody in, in any browser."""
    make_user(app)
    sign_in(client, remember=True)
    first = client.get_cookie("remember_token").value
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})
    assert client.get_cookie("remember_token") is None
    sign_in(client, remember=True)
    second = client.get_cookie("remember_token").value
    assert first != second
    live, dead = app.test_client(), app.test_client()
    live.set_cookie("remember_token", second, domain="localhost")
    dead.set_cookie("remember_token", first, domain="localhost")
    assert signed_in(live) and not signed_in(dead)


def test_sign_out_everywhere_ends_every_session_and_remember_token(app, client):
    """ "Sign out everywhere" ends other browsers' sessions and remember-me cookies as well as this one."""
    make_user(app)
    other = app.test_client()
    sign_in(other, remember=True)
    remembered = other.get_cookie("remember_token").value
    sign_in(client)
    r = post(client, "/account/sign-out-everywhere", token_from="/account")
    assert r.status_code == 302 and not signed_in(client) and not signed_in(other)
    fresh = app.test_client()
    fresh.set_cookie("remember_token", remembered, domain="localhost")
    assert not signed_in(fresh)


def test_change_password_asks_the_current_one(app, client):
    """A wrong current password is refused on its field and changes nothing."""
    make_user(app)
    sign_in(client)
    r = post(client, "/account/password", {"current": "not my password", "password": NEW, "confirm": NEW})
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and "That is not your current password." in html and 'href="#current"' in html
    assert "<title>Error:" in html
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})
    assert sign_in(client).status_code == 302


def test_change_password_signs_out_other_devices_and_keeps_this_one(app, client):
    """After a password change the other devices are signed out, this one stays in, and only the new one works."""
    make_user(app)
    other = app.test_client()
    sign_in(other, remember=True)
    sign_in(client)
    r = post(client, "/account/password", {"current": PASSWORD, "password": NEW, "confirm": NEW})
    assert r.status_code == 302 and signed_in(client) and not signed_in(other)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})
    assert sign_in(client).status_code == 400
    assert sign_in(client, password=NEW).status_code == 302


def test_new_passwords_follow_the_rules(app, client):
    """Passwords of 10 to 128 characters that are not common are accepted; others get a clear message."""
    assert accounts.password_problem("a" * 9)
    assert accounts.password_problem("a" * 129)
    assert accounts.password_problem("1234567890") and "common" in accounts.password_problem("Password123")
    assert accounts.password_problem("learner@example.org", email="learner@example.org")
    assert accounts.password_problem("x" * 128) is None and accounts.password_problem(PASSWORD) is None
    make_user(app)
    sign_in(client)
    r = post(client, "/account/password", {"current": PASSWORD, "password": "1234567890", "confirm": "1234567890"})
    assert r.status_code == 400 and "most common" in r.get_data(as_text=True)


def test_registration_refuses_a_common_password(client):
    """Registering with a common password is refused on the password field."""
    r = post(
        client,
        "/register",
        {"name": "Sok", "email": "sok@example.org", "password": "qwertyuiop", "confirm": "qwertyuiop"},
    )
    assert r.status_code == 400 and 'href="#password"' in r.get_data(as_text=True)


def _reset_link(app, email="learner@example.org") -> str:
    from lms.cli import users_reset_link

    with app.app_context():
        result = CliRunner().invoke(users_reset_link, [email])
    assert result.exit_code == 0, result.output
    return re.search(r"http\S+", result.output).group(0)


def test_reset_link_sets_a_password_once_and_signs_out_everywhere(app, client):
    """The CLI prints a link on the site's address; it sets a new password once, ending every sign-in."""
    make_user(app)
    other = app.test_client()
    sign_in(other, remember=True)
    link = _reset_link(app)
    assert link.startswith("http://localhost/password/reset/")
    path = link.removeprefix("http://localhost")
    page = client.get(path)
    assert page.status_code == 200 and page.headers["Referrer-Policy"] == "no-referrer"
    r = post(client, path, {"password": NEW, "confirm": NEW})
    assert r.status_code == 302 and not signed_in(other)
    assert sign_in(client, password=NEW).status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})
    again = client.get(path)
    assert again.status_code == 400 and "This link does not work" in again.get_data(as_text=True)


def test_reset_links_expire_and_cannot_be_forged(app, db):
    """A link older than an hour, or with a changed signature, finds no user."""
    user_id = make_user(app)
    user = db.get(User, user_id)
    secret = app.config["SECRET_KEY"]
    token = accounts.reset_token(user, secret)
    assert accounts.user_for_reset(db, token, secret) is not None
    assert accounts.user_for_reset(db, token, secret, max_age=-1) is None
    assert accounts.user_for_reset(db, token[:-2] + ("AA" if token[-2:] != "AA" else "BB"), secret) is None
    assert accounts.user_for_reset(db, token, "another secret") is None


def test_reset_link_for_unknown_address_is_refused(app):
    """The CLI says when no account has the address (admins may know that)."""
    from lms.cli import users_reset_link

    with app.app_context():
        result = CliRunner().invoke(users_reset_link, ["nobody@example.org"])
    assert result.exit_code != 0 and "No account" in result.output


def test_names_are_nfc_normalised_and_bidi_overrides_refused(client, app, db):
    """A name is stored in NFC; one holding a bidi override or NUL is refused with a message naming the code."""
    r = post(
        client,
        "/register",
        {"name": "\u202eSok Dara", "email": "a@example.org", "password": PASSWORD, "confirm": PASSWORD},
    )
    assert r.status_code == 400 and "U+202E" in r.get_data(as_text=True)
    make_user(app)
    sign_in(client)
    r = post(client, "/account/name", {"name": "Sok\x00Dara"}, token_from="/account")
    assert r.status_code == 400 and "U+0000" in r.get_data(as_text=True)
    r = post(client, "/account/name", {"name": "Ame\u0301lie  "}, token_from="/account")
    assert r.status_code == 302
    db.expire_all()
    assert db.scalars(select(User.name).where(User.email == "learner@example.org")).one() == "Am\u00e9lie"


def test_khmer_names_with_zero_width_space_are_kept(client):
    """Khmer names may hold the zero-width space that marks word breaks."""
    name = "ស្រី\u200bពៅ"
    r = post(client, "/register", {"name": name, "email": "k@example.org", "password": PASSWORD, "confirm": PASSWORD})
    assert r.status_code == 302


def test_sign_in_starts_a_new_session(app, client):
    """Nothing of the session from before sign-in (a planted value, its CSRF secret) carries over into the
    signed-in one."""
    make_user(app)
    with client.session_transaction() as before:
        before["planted"] = "by someone else"
    before_token = csrf_token(client, "/login")
    with client.session_transaction() as before:
        before_secret = before["csrf_token"]
    sign_in(client)
    with client.session_transaction() as after:
        assert "planted" not in after and after.get("csrf_token") != before_secret and "_user_id" in after
    assert csrf_token(client, "/account") != before_token
