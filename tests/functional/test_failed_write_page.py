"""A request whose write fails in the database still gets the accessible 500 page, not a crash in it."""

from __future__ import annotations

from lms.db import session as db
from lms.models import User


def test_failed_flush_shows_the_error_page_to_a_signed_in_user(app, client, auth):
    """A unique-constraint failure mid-request answers the app's 500 page (with its landmarks), the session rolled back first."""

    def clash():
        db.add(User(email="first@example.org", name="Copy", password_hash="x", role="learner"))
        db.flush()  # raises IntegrityError: the session now needs a rollback before any query
        return "unreachable"

    app.add_url_rule("/_clash", "clash", clash)  # before the app's first request
    auth.as_new(email="first@example.org")
    r = client.get("/_clash")
    html = r.get_data(as_text=True)
    assert r.status_code == 500
    assert "<main" in html and 'href="/"' in html
