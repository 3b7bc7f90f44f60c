"""lms.services.sign_ins.load when the request's session already holds the person: their unsaved
changes are not overwritten by a kept copy, and values not yet committed are not kept for others;
and the page versions a request wrote, which the browser is told, through savepoints."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lms.db import get_session
from lms.models import User
from lms.services import page_versions, sign_ins
from lms.sign_in_cache import SignInCache
from tests.factories import make_user


@pytest.fixture
def kept(monkeypatch) -> SignInCache:
    """A cache answering as a listening worker's would (the listener itself: tests/functional/test_sign_in_cache.py)."""
    cache = SignInCache(connect=lambda: None, people=10)
    monkeypatch.setattr(cache, "_ensure_listener", lambda: None)
    cache._listening(True)
    return cache


def _signed_in(app) -> tuple[int, str]:
    user_id = make_user(app)
    with app.app_context():
        session = get_session()
        token = sign_ins.start(session, session.get(User, user_id))
        session.commit()
    return user_id, f"{user_id}.{token}"


def test_a_kept_copy_does_not_overwrite_the_sessions_unsaved_change(app, kept):
    user_id, alternative_id = _signed_in(app)
    with app.app_context():
        assert sign_ins.load(get_session(), alternative_id, kept).name == "Sok Dara"  # read, and kept
        get_session().rollback()
    assert kept.get(user_id, sign_ins._hash(alternative_id.split(".", 1)[1]), datetime.now(UTC)) is not None
    with app.app_context():
        session = get_session()
        mine = session.get(User, user_id)
        mine.name = "Sok Dara (changed, not yet saved)"
        user = sign_ins.load(session, alternative_id, kept)
        assert user is mine and user.name == "Sok Dara (changed, not yet saved)"
        session.commit()
    with app.app_context():
        assert get_session().get(User, user_id).name == "Sok Dara (changed, not yet saved)"


def test_values_the_session_has_not_committed_are_not_kept(app, kept):
    user_id, alternative_id = _signed_in(app)
    token_hash = sign_ins._hash(alternative_id.split(".", 1)[1])
    with app.app_context():
        session = get_session()
        session.get(User, user_id).name = "Not committed"
        session.flush()  # written, and no longer held: the session keeps clean objects weakly
        assert sign_ins.load(session, alternative_id, kept).name == "Not committed"
        session.rollback()
    assert kept.get(user_id, token_hash, datetime.now(UTC)) is None
    with app.app_context():  # a fresh session: read from the database, and kept as it is there
        assert sign_ins.load(get_session(), alternative_id, kept).name == "Sok Dara"
    assert kept.get(user_id, token_hash, datetime.now(UTC) + timedelta(seconds=1))["name"] == "Sok Dara"


def test_a_savepoint_rolled_back_forgets_only_its_own_version_bumps(app):
    """What lms.auth.session tells a browser it wrote (page_versions.VERSIONS) outlives a savepoint
    that lost a race (lms.db.find_or_add), and goes with the whole transaction's rollback."""
    first, second = make_user(app), make_user(app, email="other@example.org")
    with app.app_context():
        session = get_session()
        page_versions.bump_people(session, {first})
        before = dict(session.info[page_versions.VERSIONS])
        try:
            with session.begin_nested():
                page_versions.bump_people(session, {second})
                assert set(session.info[page_versions.VERSIONS]) == {first, second}
                raise RuntimeError("the savepoint's insert lost")
        except RuntimeError:
            pass
        assert session.info[page_versions.VERSIONS] == before
        with session.begin_nested():  # a savepoint released keeps its bumps
            page_versions.bump_people(session, {second})
        assert set(session.info[page_versions.VERSIONS]) == {first, second}
        session.rollback()
        assert page_versions.VERSIONS not in session.info
