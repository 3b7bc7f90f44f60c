"""The publication version: one number that grows whenever what visitors can read changes.

Pages built only from public content (the catalog, a course page for a visitor) are cached by the
app under this number (lms.visitor_pages), so serving one from the cache costs one primary-key
query, and a change made through any app server or worker is seen by all of them at once.

The number is bumped inside the transaction of the change, by two SQLAlchemy session events
(SQLAlchemy 2.0, "ORM Events": `before_flush`, `do_orm_execute`) registered on every Session:
- a flush that adds, changes or deletes a Course, Unit, Video, CaptionTrack, Quiz, Question or
  Choice, whichever service made it (course editor, unit editor, media, quiz authoring, imports);
- an ORM-enabled `update()` / `delete()` / `insert()` statement on one of those tables.
Writes that bypass the ORM session (raw SQL on a Connection) are not seen: none of Sala's do that
to public content (bench/seed.py fills an empty database, whose number starts at 1).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import TypeVar

from sqlalchemy import event, select, update
from sqlalchemy.orm import ORMExecuteState, Session

from lms.models import CaptionTrack, Choice, Course, PublicationVersion, Question, Quiz, Unit, Video

#: What a visitor's page is built from.
PUBLIC_CONTENT = (Course, Unit, Video, CaptionTrack, Quiz, Question, Choice)
TABLES = frozenset(model.__table__.name for model in PUBLIC_CONTENT)  # type: ignore[attr-defined]
#: The id of the one row of publication_versions.
ROW_ID = 1
_memo_lock = threading.Lock()
#: (memo, key) pairs a thread of this process is reading anew (read_recently).
_reading: set[tuple[int, Hashable]] = set()
T = TypeVar("T")


def current(session: Session) -> int:
    """The publication version (an int, 0 when the row was never made, e.g. a schema made by
    `create_all` in tests); one primary-key query."""
    return session.scalar(select(PublicationVersion.version).where(PublicationVersion.id == ROW_ID)) or 0


def read_recently(memo: dict, key: Hashable, max_age: float, read: Callable[[], T]) -> T:
    """`read()`'s value as this process read it at most `max_age` seconds ago (kept in `memo`, a
    dict of the process, under `key`), else read now; or, while another thread reads it anew,
    the value before (older by at most that read's time). For figures every request needs that may
    lag a change by `max_age` seconds, on every worker and app server alike.

    One thread at a time reads a value anew: while it does, the process's other threads are given
    the value before (older by at most that read's time), rather than all running the same query
    at the moment it expires (a results fingerprint is ~7 ms on a 10,000-learner course). A
    thread with no value yet reads its own."""
    now = time.monotonic()
    reading = (id(memo), key)
    with _memo_lock:
        seen = memo.get(key)
        if seen is not None and (now - seen[0] < max_age or reading in _reading):
            return seen[1]
        _reading.add(reading)
    try:
        value = read()
        with _memo_lock:
            memo[key] = (now, value)
    finally:
        with _memo_lock:
            _reading.discard(reading)
    return value


def recent(session: Session, memo: dict, max_age: float) -> int:
    """The publication version as read at most `max_age` seconds ago by this process (`memo` is
    the process's dict for one database, read_recently), else read now: a page served from the
    cache then costs no query at all."""
    return read_recently(memo, "version", max_age, lambda: current(session))


def bump(session: Session) -> None:
    """Add one to the version in the session's transaction (making the row when missing)."""
    done = session.execute(
        update(PublicationVersion)
        .where(PublicationVersion.id == ROW_ID)
        .values(version=PublicationVersion.version + 1)
        .execution_options(synchronize_session=False)
    )
    if not done.rowcount:  # type: ignore[attr-defined]
        session.add(PublicationVersion(id=ROW_ID, version=1))


def _changes_public_content(session: Session) -> bool:
    for obj in session.new | session.deleted:
        if isinstance(obj, PUBLIC_CONTENT):
            return True
    return any(
        isinstance(obj, PUBLIC_CONTENT) and session.is_modified(obj, include_collections=False) for obj in session.dirty
    )


@event.listens_for(Session, "before_flush")
def _bump_on_flush(session: Session, _context, _instances) -> None:  # noqa: ANN001
    if session.info.get("publication_bumping"):
        return
    if _changes_public_content(session):
        session.info["publication_bumping"] = True
        try:
            bump(session)
        finally:
            session.info["publication_bumping"] = False


@event.listens_for(Session, "do_orm_execute")
def _bump_on_bulk_statement(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete or state.is_insert) or state.session.info.get("publication_bumping"):
        return
    table = getattr(state.statement, "table", None)
    if table is not None and table.name in TABLES:
        state.session.info["publication_bumping"] = True
        try:
            bump(state.session)
        finally:
            state.session.info["publication_bumping"] = False
