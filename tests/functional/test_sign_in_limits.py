"""Guessing passwords is limited per account and per client address (issue 10, item 3)."""

from __future__ import annotations

import uuid

import pytest

from tests.factories import PASSWORD, make_user
from tests.helpers import csrf_token


def attempt(client, email="learner@example.org", password="wrong password here", address="192.0.2.1"):
    token = csrf_token(client, "/login")
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token},
        environ_base={"REMOTE_ADDR": address},
    )


def test_wrong_passwords_for_one_account_are_stopped_even_from_many_addresses(app, client):
    """After 10 failed sign-ins to one account, the 11th try (even the right password, from another
    address) gets the accessible 429 page with Retry-After, and the password is not checked."""
    make_user(app)
    statuses = [attempt(client, address=f"192.0.2.{n}").status_code for n in range(10)]
    assert statuses == [400] * 10
    r = attempt(client, password=PASSWORD, address="198.51.100.7")
    html = r.get_data(as_text=True)
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    assert "<h1>Too many requests</h1>" in html and "Too many sign-in attempts" in html
    assert '<main id="main"' in html and '<html lang="en"' in html


def test_one_address_guessing_many_accounts_is_stopped(app, client):
    """One client address failing across many accounts is stopped at the address limit."""
    app.config["SIGN_IN_ADDRESS_LIMIT"] = "5 per 15 minutes"
    statuses = [attempt(client, email=f"person{n}@example.org").status_code for n in range(6)]
    assert statuses == [400] * 5 + [429]
    assert attempt(client, email="other@example.org", address="203.0.113.9").status_code == 400


def test_successful_sign_ins_do_not_use_up_the_limit(app, client):
    """Signing in and out many times never reaches the limit: only failures count."""
    make_user(app)
    for _ in range(12):
        assert attempt(client, password=PASSWORD, address="127.0.0.1").status_code == 302
        client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})


def test_client_address_comes_from_the_trusted_proxy(app, client):
    """Behind a trusted proxy, each visitor's forwarded address has its own allowance."""
    from werkzeug.middleware.proxy_fix import ProxyFix

    app.config["SIGN_IN_ADDRESS_LIMIT"] = "2 per 15 minutes"
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1)

    def via_proxy(visitor, email):
        token = csrf_token(client, "/login")
        return client.post(
            "/login",
            data={"email": email, "password": "wrong password here", "csrf_token": token},
            headers={"X-Forwarded-For": visitor},
        ).status_code

    assert [via_proxy("192.0.2.10", f"a{n}@example.org") for n in range(3)] == [400, 400, 429]
    assert via_proxy("192.0.2.11", "b@example.org") == 400


def test_sign_in_limit_is_shared_through_redis(tmp_path, databases, database):
    """With LMS_RATELIMIT_STORAGE_URI on Redis, failures counted by one worker stop guesses at another."""

    import redis

    from lms import create_app

    url = "redis://127.0.0.1:6379/14"
    try:
        redis.Redis.from_url(url).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    prefix = f"sala-test-{uuid.uuid4().hex}"
    url_db, media = database(), databases.media
    apps = [
        create_app(
            {
                "INSTANCE_PATH": str(tmp_path / "i"),
                "DATABASE_URL": url_db,
                "MEDIA_DIR": str(media),
                "TESTING": True,
                "RATELIMIT_STORAGE_URI": url,
                "RATELIMIT_KEY_PREFIX": prefix,
                "SIGN_IN_ACCOUNT_LIMIT": "3 per minute",
            }
        )
        for _ in range(2)
    ]
    try:
        statuses = [attempt(apps[n % 2].test_client()).status_code for n in range(4)]
    finally:
        client = redis.Redis.from_url(url)
        for key in client.scan_iter(f"*{prefix}*"):
            client.delete(key)
        for app in apps:
            app.extensions["lms.engine"].dispose()
    assert statuses == [400, 400, 400, 429]
