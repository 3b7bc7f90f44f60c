"""Secure cookies and HSTS over HTTPS, Permissions-Policy, and no caching of personal or draft data
(issue 10, item 4)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from lms.models import Course, User
from lms.services import certificates, enrollment
from tests.factories import PASSWORD, make_user
from tests.helpers import csrf_token

SLUG = "public-speaking"


def https_sign_in(client, base_url="https://localhost", headers=None, remember=True):
    """Sign in as a browser would at base_url (over HTTPS Flask-WTF also checks the Referer)."""
    headers = dict(headers or {}, Referer="https://localhost/login")
    page = client.get("/login", base_url=base_url, headers=headers).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    data = {"email": "learner@example.org", "password": PASSWORD, "csrf_token": token}
    if remember:
        data["remember"] = "y"
    return client.post("/login", data=data, base_url=base_url, headers=headers)


def _cookies(response) -> dict[str, str]:
    return {c.split("=", 1)[0]: c for c in response.headers.getlist("Set-Cookie")}


def test_https_gets_secure_cookies_and_hsts(app, client):
    """Over HTTPS the session and remember-me cookies are Secure and HSTS is sent."""
    make_user(app)
    r = https_sign_in(client)
    cookies = _cookies(r)
    assert r.status_code == 302 and "; Secure" in cookies["session"] and "; Secure" in cookies["remember_token"]
    assert "HttpOnly" in cookies["session"] and "HttpOnly" in cookies["remember_token"]
    assert r.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_plain_http_gets_no_hsts_and_no_secure_flag(app, client):
    """Over plain HTTP (the embedded default on 127.0.0.1) cookies still work and no HSTS is sent."""
    make_user(app)
    r = https_sign_in(client, base_url="http://localhost")
    assert r.status_code == 302 and "Secure" not in _cookies(r)["session"]
    assert "Strict-Transport-Security" not in r.headers


def test_https_through_a_trusted_proxy_counts_as_https(app_with):
    """Behind a trusted proxy, X-Forwarded-Proto: https gives Secure cookies and HSTS; without one it is ignored."""
    results = {}
    for proxies in (1, 0):
        app = app_with(TRUSTED_PROXIES=proxies, TRUSTED_HOSTS=["localhost"], BASE_URL="https://localhost")
        make_user(app)
        r = https_sign_in(app.test_client(), base_url="http://localhost", headers={"X-Forwarded-Proto": "https"})
        results[proxies] = ("; Secure" in _cookies(r)["session"], "Strict-Transport-Security" in r.headers)
    assert results == {1: (True, True), 0: (False, False)}


def test_every_answer_has_a_permissions_policy(client):
    """Pages, static files and errors carry a Permissions-Policy that turns off camera, microphone and location."""
    for url in ("/", "/static/css/sala.css", "/no-such-page"):
        with client.get(url) as r:
            policy = r.headers["Permissions-Policy"]
        assert "camera=()" in policy and "microphone=()" in policy and "geolocation=()" in policy


@pytest.fixture
def learner_with_certificate(app, db):
    learner = db.get(User, make_user(app))
    course = db.scalars(select(Course).where(Course.slug == SLUG)).one()
    enrollment.enroll(db, learner, course)
    cert = certificates.issue(db, learner, course)
    db.commit()
    return course, cert.code


def test_personal_and_draft_downloads_are_never_cached(app, client, auth, learner_with_certificate):
    """Course export, learner and question CSVs, GIFT export, certificate PDF and credential are sent
    `Cache-Control: private, no-store` (the export used to be public)."""
    course, code = learner_with_certificate
    auth.as_new("admin")
    urls = [
        f"/dashboard/courses/{course.id}/export.zip",
        f"/dashboard/courses/{course.id}/learners.csv",
        f"/dashboard/courses/{course.id}/questions.csv",
        f"/teach/courses/{course.id}/quiz/export.gift",
        f"/certificates/{code}.pdf",
        f"/certificates/{code}/credential.json",
        "/admin/users",
    ]
    problems = []
    for url in urls:
        with client.get(url) as r:
            if r.status_code != 200 or r.headers.get("Cache-Control") != "private, no-store":
                problems.append(f"{url}: {r.status_code} {r.headers.get('Cache-Control')}")
    assert problems == []


def test_transcripts_are_never_cached(app, client, learner_with_certificate):
    """A unit's transcript (which may be a draft's) is sent `Cache-Control: private, no-store`."""
    course, _code = learner_with_certificate
    client.post(
        "/login",
        data={"email": "learner@example.org", "password": PASSWORD, "csrf_token": csrf_token(client, "/login")},
    )
    unit = course.published_units()[0]
    r = client.get(f"/courses/{SLUG}/units/{unit.slug}/transcript.txt")
    assert r.status_code == 200 and r.headers["Cache-Control"] == "private, no-store"
