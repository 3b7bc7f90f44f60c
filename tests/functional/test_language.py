"""Choosing the interface language: Accept-Language, the `lang` cookie, the account's choice, the
switch on every page (without JavaScript) and where it may send the browser back to."""

from __future__ import annotations

import re

from flask_babel import force_locale, gettext
from sqlalchemy import select

from lms.db import get_session
from lms.models import User
from tests.factories import make_user
from tests.helpers import csrf_token, post

KM = {"Accept-Language": "km-KH,km;q=0.9,en;q=0.5"}


def html_lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.get_data(as_text=True)).group(1)


def khmer(app, text: str) -> str:
    """The Khmer catalogue's translation of an interface string."""
    with app.test_request_context(), force_locale("km"):
        translated = gettext(text)
    assert translated != text
    return translated


def saved_locale(app, email="learner@example.org"):
    with app.app_context():
        return get_session().scalars(select(User.locale).where(User.email == email)).one()


def test_accept_language_khmer_gives_a_khmer_page(app, client):
    """A browser that asks for Khmer (km-KH) gets <html lang="km"> and the Khmer interface."""
    r = client.get("/", headers=KM)
    assert r.status_code == 200 and html_lang(r) == "km"
    assert f"<h1>{khmer(app, 'Courses')}</h1>" in r.get_data(as_text=True)


def test_no_preference_gives_english(client):
    """Without Accept-Language, a cookie or an account choice the page is English."""
    r = client.get("/")
    assert html_lang(r) == "en" and "<h1>Courses</h1>" in r.get_data(as_text=True)


def test_cookie_wins_over_accept_language(client):
    """The `lang` cookie set by the switch beats the browser's Accept-Language."""
    client.set_cookie("lang", "en", domain="localhost")
    assert html_lang(client.get("/", headers=KM)) == "en"


def test_unknown_cookie_value_is_ignored(client):
    """A cookie naming a language Sala does not have falls back to Accept-Language."""
    client.set_cookie("lang", "fr", domain="localhost")
    assert html_lang(client.get("/", headers=KM)) == "km"


def test_account_locale_wins_over_cookie(app, client):
    """A signed-in person's saved language beats this browser's cookie and Accept-Language."""
    make_user(app)
    post(client, "/login", {"email": "learner@example.org", "password": "correct horse battery staple"})
    assert html_lang(client.get("/", headers=KM)) == "km"  # nothing saved yet: the header decides
    token = csrf_token(client, "/")
    r = client.post("/language", data={"csrf_token": token, "locale": "km", "next": "/my-learning"})
    assert r.status_code == 303 and r.headers["Location"] == "/my-learning"
    assert saved_locale(app) == "km"
    client.set_cookie("lang", "en", domain="localhost")
    assert html_lang(client.get("/", headers={"Accept-Language": "en"})) == "km"


def test_visitor_switch_is_a_link_that_sets_the_cookie(app, client):
    """A visitor's switch is a link per language, named in itself, that sets a year-long Lax cookie."""
    page = client.get("/courses/public-speaking?x=1").get_data(as_text=True)
    nav = re.search(r'<nav aria-label="Language".*?</nav>', page, re.S).group(0)
    assert "<form" not in nav  # no CSRF token, so the visitor's page stays publicly cacheable
    assert 'lang="km" hreflang="km">ខ្មែរ</a>' in nav
    assert 'lang="en" hreflang="en" aria-current="true">English</a>' in nav
    link = re.search(r'href="([^"]+)" lang="km"', nav).group(1).replace("&amp;", "&")
    r = client.get(link)
    assert r.status_code == 303 and r.headers["Location"] == "/courses/public-speaking?x=1"
    cookie = r.headers["Set-Cookie"]
    assert cookie.startswith("lang=km;") and "Max-Age=31536000" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie
    after = client.get("/courses/public-speaking?x=1")
    assert html_lang(after) == "km" and 'hreflang="km" aria-current="true"' in after.get_data(as_text=True)


def test_switch_cookie_is_secure_over_https(client):
    """Over HTTPS the language cookie is Secure too."""
    r = client.get("/language/km?next=/", base_url="https://localhost")
    assert "; Secure" in r.headers["Set-Cookie"]


def test_visitor_pages_vary_on_the_cookie(client):
    """Public visitor pages name Cookie and Accept-Language in Vary, so caches keep each language apart."""
    r = client.get("/")
    assert {"Accept-Language", "Cookie"} <= {v.strip() for v in r.headers["Vary"].split(",")}


def test_next_must_be_a_path_on_this_site(client):
    """`next` pointing elsewhere (another host, a scheme, //host, a backslash) goes to the catalog."""
    for bad in (
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "/\t/evil.example",
        "/\n/x",
        "javascript:alert(1)",
        "",
    ):
        r = client.get("/language/km", query_string={"next": bad})
        assert r.status_code == 303 and r.headers["Location"] == "/", bad


def test_unknown_language_is_an_accessible_404(client):
    """/language/fr answers an error page in the base layout, and sets no cookie."""
    r = client.get("/language/fr?next=/")
    assert r.status_code == 404 and "Set-Cookie" not in r.headers
    assert "<h1>" in r.get_data(as_text=True) and "English or Khmer" in r.get_data(as_text=True)


def test_signed_in_switch_is_a_post_form_with_csrf(app, client):
    """Signed in, the switch posts (CSRF-protected) and comes back to the same page, in Khmer."""
    make_user(app)
    post(client, "/login", {"email": "learner@example.org", "password": "correct horse battery staple"})
    page = client.get("/courses/public-speaking").get_data(as_text=True)
    nav = re.search(r'<nav aria-label="Language".*?</nav>', page, re.S).group(0)
    assert 'action="/language"' in nav and 'name="csrf_token"' in nav
    assert 'name="next" value="/courses/public-speaking"' in nav
    assert re.search(r'<button type="submit" class="link-button" name="locale" value="km" lang="km">ខ្មែរ</button>', nav)
    assert client.post("/language", data={"locale": "km", "next": "/"}).status_code == 400  # no token
    assert saved_locale(app) is None
    token = csrf_token(client, "/")
    r = client.post("/language", data={"csrf_token": token, "locale": "km", "next": "/courses/public-speaking"})
    assert r.status_code == 303 and r.headers["Location"] == "/courses/public-speaking"
    assert saved_locale(app) == "km" and "lang=km" in r.headers["Set-Cookie"]


def test_signed_in_switch_refuses_an_unknown_language(app, client):
    """Posting a language Sala does not offer gives an accessible 400 and saves nothing."""
    make_user(app)
    post(client, "/login", {"email": "learner@example.org", "password": "correct horse battery staple"})
    r = post(client, "/language", {"locale": "fr", "next": "/"}, token_from="/")
    assert r.status_code == 400 and "Choose one of the languages offered." in r.get_data(as_text=True)
    assert saved_locale(app) is None


def test_account_page_has_a_language_field(app, client):
    """The account page offers the languages as radio buttons, each labelled in its own language."""
    make_user(app)
    post(client, "/login", {"email": "learner@example.org", "password": "correct horse battery staple"})
    page = client.get("/account").get_data(as_text=True)
    assert 'id="locale" name="locale" value="en" checked' in page
    assert '<span lang="km">ខ្មែរ</span>' in page
    r = post(client, "/language", {"locale": "km", "next": "/account"}, token_from="/account")
    assert r.headers["Location"] == "/account"
    again = client.get("/account")
    assert html_lang(again) == "km" and 'value="km" checked' in again.get_data(as_text=True)


def test_signed_out_person_keeps_the_language_through_the_cookie(app, client):
    """After signing out, the cookie set with the account's choice keeps the page in that language."""
    make_user(app)
    post(client, "/login", {"email": "learner@example.org", "password": "correct horse battery staple"})
    post(client, "/language", {"locale": "km", "next": "/"}, token_from="/")
    post(client, "/logout", token_from="/")
    assert html_lang(client.get("/")) == "km"
