"""Review of the kept pages (lms.personal_pages, lms.visitor_pages): requests whose page depends on
something the key left out, and so were served a page made for another request."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from lms import create_app
from lms.models import Course, User
from lms.services import certificates
from tests.factories import make_user
from tests.helpers import PASSWORD, post

SLUG = "public-speaking"
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture
def learner(app, client, auth):
    """A learner enrolled in the course, signed in on `client`, with no message left to show."""
    app.config["PUBLICATION_CHECK_SECONDS"] = 0
    email = auth.as_new()
    post(client, f"/courses/{SLUG}/enrol", token_from=f"/courses/{SLUG}")
    client.get(f"/courses/{SLUG}").close()  # shows the "enrolled" message: never kept
    return email


@pytest.fixture
def proxied(tmp_path, databases, database):
    """An app behind a trusted proxy that answers to two host names (no BASE_URL): public links
    name the host each request came through (lms.config.public_base_url)."""
    app = create_app(
        {
            "INSTANCE_PATH": str(tmp_path / "proxied"),
            "DATABASE_URL": database(),
            "MEDIA_DIR": str(databases.media),
            "TESTING": True,
            "TRUSTED_PROXIES": 1,
            "TRUSTED_HOSTS": "sala.example.org, www.sala.example.org",
            "PUBLICATION_CHECK_SECONDS": 0,
        }
    )
    yield app
    app.extensions["lms.engine"].dispose()


def _through(host: str) -> dict[str, str]:
    return {"X-Forwarded-Host": host, "X-Forwarded-Proto": "http"}


def test_the_certificate_page_names_the_host_it_was_asked_through(proxied):
    """Behind a trusted proxy with two host names, the certificate page's verification link and QR
    name the host of the request. A page kept from a visit through one host was served for the
    other, with the first host's link and QR code."""
    make_user(proxied, email="dara@example.org")
    client = proxied.test_client()
    first = _through("sala.example.org")
    html = client.get("/login", headers=first).get_data(as_text=True)
    signed_in = client.post(
        "/login",
        data={"email": "dara@example.org", "password": PASSWORD, "csrf_token": TOKEN.search(html).group(1)},
        headers=first,
    )
    assert signed_in.status_code == 302
    client.get("/certificates", headers=first).close()  # shows the "signed in" message, if any
    with proxied.app_context():
        db = proxied.extensions["lms.sessionmaker"]()
        user = db.scalars(select(User).where(User.email == "dara@example.org")).one()
        course = db.scalars(select(Course).where(Course.slug == SLUG)).one()
        code = certificates.issue(db, user, course).code
        db.commit()
        db.close()
    for _ in range(2):  # the second is served from the kept pages
        page = client.get(f"/certificates/{code}", headers=first).get_data(as_text=True)
        assert f"http://sala.example.org/verify/{code}" in page
    other = client.get(f"/certificates/{code}", headers=_through("www.sala.example.org")).get_data(as_text=True)
    assert f"http://www.sala.example.org/verify/{code}" in other
    assert f"http://sala.example.org/verify/{code}" not in other


def test_a_query_that_is_not_utf8_is_answered_as_the_view_answers_it(app, client, learner):
    """A raw byte that is not UTF-8 in the query (sent by a broken client or a bot, never by a
    browser, which percent-encodes) made every kept page answer 500: the key decoded the query
    strictly (request.full_path). The view itself reads such a query (request.args replaces what
    it cannot decode), so the page answers as it would without the cache."""
    raw = {"QUERY_STRING": "from=\xff"}
    for url in ("/my-learning", "/certificates", f"/courses/{SLUG}"):
        assert client.get(url, environ_overrides=raw).status_code == 200, url
        assert client.get(url, environ_overrides=raw).status_code == 200, url


def test_a_query_that_is_not_utf8_is_answered_on_a_visitors_page(app):
    """The visitors' page cache keyed its pages the same way (lms.visitor_pages)."""
    visitor = app.test_client()
    raw = {"QUERY_STRING": "from=\xff"}
    for url in ("/", f"/courses/{SLUG}"):
        assert visitor.get(url, environ_overrides=raw).status_code == 200, url
        assert visitor.get(url, environ_overrides=raw).status_code == 200, url
