"""A request's transaction ends as soon as its view's response is made (lms.db.end_transactions):
the after-request hooks that only set headers run after the commit, so a writer holds SQLite's
write turn, or PostgreSQL's row locks, for the view's work alone."""

from __future__ import annotations

from flask import g
from sqlalchemy import select

from lms.db import _end_transaction
from lms.db import session as db
from lms.models import User


def test_the_other_after_request_hooks_run_after_the_commit(app, client, auth):
    seen: list[tuple[str, bool]] = []

    def watched(hook):  # noqa: ANN001, ANN202
        def run(response):  # noqa: ANN001, ANN202
            session = g.get("db_session")
            seen.append((getattr(hook, "__name__", repr(hook)), session is not None and session.in_transaction()))
            return hook(response)

        return run

    hooks = app.after_request_funcs[None]
    assert _end_transaction in hooks
    app.after_request_funcs[None] = [h if h is _end_transaction else watched(h) for h in hooks]

    def rename():
        user = db.scalars(select(User).where(User.email == "renamed@example.org")).one()
        user.name = "Renamed"
        db.flush()
        return "renamed"

    app.add_url_rule("/_rename", "rename", rename)
    auth.as_new(email="renamed@example.org")
    seen.clear()
    assert client.get("/_rename").status_code == 200
    assert len(seen) == len(hooks) - 1 >= 3  # the headers', the compressor's, the page version's...
    assert [name for name, in_transaction in seen if in_transaction] == []
    with app.app_context():
        assert db.scalars(select(User.name).where(User.email == "renamed@example.org")).one() == "Renamed"
