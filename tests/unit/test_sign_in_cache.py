"""lms.sign_in_cache.SignInCache's bookkeeping, without a database: what is kept, what a notice
forgets, and reads that raced a notice (tests/functional/test_sign_in_cache.py runs it on
PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lms import sign_in_cache
from lms.sign_in_cache import EVERYONE, SignInCache

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=1)


def columns(user_id: int, page_version: int = 3) -> dict:
    return {"id": user_id, "name": f"Person {user_id}", "role": "learner", "page_version": page_version}


@pytest.fixture
def cache(monkeypatch) -> SignInCache:
    kept = SignInCache(connect=lambda: None, people=3)
    monkeypatch.setattr(kept, "_ensure_listener", lambda: None)  # no thread: the test is the listener
    kept._listening(True)
    return kept


def test_a_kept_sign_in_is_answered_until_it_expires(cache):
    assert cache.get(1, "a", NOW) is None
    assert cache.keep(cache.ticket(), 1, "a", LATER, columns(1))
    assert cache.get(1, "a", NOW) == columns(1)
    assert cache.get(1, "b", NOW) is None  # another sign-in of the same person: not proven live
    assert cache.get(1, "a", LATER) is None  # expired


def test_a_copy_older_than_the_browsers_own_change_is_not_used(cache):
    cache.keep(cache.ticket(), 1, "a", LATER, columns(1, page_version=3))
    assert cache.get(1, "a", NOW, newer_than=3) == columns(1, page_version=3)
    assert cache.get(1, "a", NOW, newer_than=4) is None


def test_a_notice_forgets_that_person_only(cache):
    for person in (1, 2):
        cache.keep(cache.ticket(), person, "t", LATER, columns(person))
    cache.heard("1")
    assert cache.get(1, "t", NOW) is None
    assert cache.get(2, "t", NOW) == columns(2)
    cache.heard(EVERYONE)
    assert cache.get(2, "t", NOW) is None


def test_a_page_version_notice_moves_the_copy_on_and_keeps_it(cache):
    """A notice that only the page version moved ("<id>:<version>") gives a copy at the version
    before the new number; both of the person's sign-ins stay kept."""
    cache.keep(cache.ticket(), 1, "a", LATER, columns(1, page_version=3))
    cache.keep(cache.ticket(), 1, "b", LATER, columns(1, page_version=3))
    before = cache.get(1, "a", NOW)
    cache.heard("1:4")
    assert cache.get(1, "a", NOW, newer_than=4) == columns(1, page_version=4)
    assert cache.get(1, "b", NOW, newer_than=4) == columns(1, page_version=4)
    assert before == columns(1, page_version=3)  # what a request already holds is not changed
    cache.heard("1:5")
    cache.heard("1:6")
    assert cache.get(1, "a", NOW) == columns(1, page_version=6)


def test_a_page_version_notice_that_skips_a_number_forgets_the_copy(cache):
    """A copy not at the version just before the notice's missed a change: it is forgotten, and
    a read that raced the notice is refused as for any other notice."""
    ticket = cache.ticket()
    cache.keep(cache.ticket(), 1, "a", LATER, columns(1, page_version=3))
    cache.heard("1:5")
    assert cache.get(1, "a", NOW) is None
    assert not cache.keep(ticket, 1, "a", LATER, columns(1, page_version=5))
    cache.keep(cache.ticket(), 2, "a", LATER, columns(2, page_version=3))
    cache.heard("2:x")  # not a number: forgotten
    assert cache.get(2, "a", NOW) is None


def test_a_read_that_raced_a_notice_is_not_kept(cache):
    ticket = cache.ticket()  # the query begins...
    cache.heard("1")  # ...someone changes person 1 and commits...
    assert not cache.keep(ticket, 1, "a", LATER, columns(1))  # ...so what it read may be old
    assert cache.get(1, "a", NOW) is None
    assert cache.keep(ticket, 2, "a", LATER, columns(2))  # a notice about someone else is no reason
    assert cache.keep(cache.ticket(), 1, "a", LATER, columns(1))  # a read begun after the notice is


def test_a_read_begun_before_a_forgotten_notice_is_refused(cache, monkeypatch):
    monkeypatch.setattr(sign_in_cache, "NOTICES_REMEMBERED", 2)
    ticket = cache.ticket()
    for person in (1, 2, 3):  # person 1's notice is pushed out of the remembered ones
        cache.heard(str(person))
    assert not cache.keep(ticket, 1, "a", LATER, columns(1))
    assert not cache.keep(ticket, 4, "a", LATER, columns(4))  # not known either way: refused


def test_nothing_is_used_or_kept_while_the_listener_is_away(cache):
    cache.keep(cache.ticket(), 1, "a", LATER, columns(1))
    ticket = cache.ticket()
    cache._listening(False)  # the connection is lost: notices may be missed from now on
    assert cache.get(1, "a", NOW) is None
    assert not cache.keep(ticket, 1, "a", LATER, columns(1))
    cache._listening(True)  # back: what was kept before is gone, and so is a read from before
    assert cache.get(1, "a", NOW) is None
    assert not cache.keep(ticket, 1, "a", LATER, columns(1))
    assert cache.keep(cache.ticket(), 1, "a", LATER, columns(1))


def test_the_least_recently_seen_people_go_first(cache):
    for person in (1, 2, 3):
        cache.keep(cache.ticket(), person, "t", LATER, columns(person))
    cache.get(1, "t", NOW)  # 1 seen again: 2 is now the oldest
    cache.keep(cache.ticket(), 4, "t", LATER, columns(4))
    assert [p for p in (1, 2, 3, 4) if cache.get(p, "t", NOW) is not None] == [1, 3, 4]


def test_changed_columns_replace_the_persons_copy_and_their_other_sign_ins(cache):
    cache.keep(cache.ticket(), 1, "phone", LATER, columns(1, page_version=3))
    cache.keep(cache.ticket(), 1, "laptop", LATER, columns(1, page_version=4))
    assert cache.get(1, "laptop", NOW) == columns(1, page_version=4)
    assert cache.get(1, "phone", NOW) is None  # kept with other columns: read again


def test_a_copy_is_read_again_after_max_age_whatever_was_heard(cache, monkeypatch):
    cache.keep(cache.ticket(), 1, "a", LATER, columns(1))
    clock = sign_in_cache.time.monotonic() + sign_in_cache.MAX_AGE_SECONDS + 1
    monkeypatch.setattr(sign_in_cache.time, "monotonic", lambda: clock)
    assert cache.get(1, "a", NOW) is None


def test_a_copy_read_again_after_max_age_is_used_again_and_alone(cache, monkeypatch):
    cache.keep(cache.ticket(), 1, "a", LATER, columns(1))
    cache.keep(cache.ticket(), 1, "b", LATER, columns(1))
    clock = [sign_in_cache.time.monotonic() + sign_in_cache.MAX_AGE_SECONDS + 1]
    monkeypatch.setattr(sign_in_cache.time, "monotonic", lambda: clock[0])
    assert cache.get(1, "a", NOW) is None
    # The same columns read again: used for another MAX_AGE_SECONDS (they were not, once: every
    # request after the first minute read the database).
    assert cache.keep(cache.ticket(), 1, "a", LATER, columns(1))
    assert cache.get(1, "a", NOW) == columns(1)
    assert cache.get(1, "b", NOW) is None  # the other sign-in is proven live again by its own read
    clock[0] += sign_in_cache.MAX_AGE_SECONDS - 1
    assert cache.get(1, "a", NOW) == columns(1)
