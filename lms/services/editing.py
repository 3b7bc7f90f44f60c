"""Optimistic locking for the edit forms: no edit is lost, none overwrites another unseen.

Courses, units, caption tracks and questions carry a version counter (SQLAlchemy's
``version_id_col``, docs.sqlalchemy.org, "Configuring a Version Counter"): every UPDATE adds 1 and
is made ``WHERE version = <the version loaded>``, so an UPDATE from a stale copy matches no row and
SQLAlchemy raises StaleDataError. An edit form carries the version it was opened at; a save first
compares it with the stored one (someone saved between opening and sending), then flushes (someone
saved between this request's read and its write). Either way the service raises
lms.errors.EditConflict and nothing is written.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar

from flask_babel import gettext as _
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import ObjectDeletedError, StaleDataError

from lms.errors import EditConflict, NotFound

T = TypeVar("T")


@contextmanager
def saving(session: Session, obj: object, version: int | None, touch: str) -> Iterator[None]:
    """Around a service's changes to ``obj``: raise EditConflict unless ``version`` (what the form
    carried; None when it carried none) is the stored ``obj.version``, then run the block and
    flush. An UPDATE that finds its row at another version, in that flush or in an autoflush
    within the block (a concurrent save won), is EditConflict too; the caller's session must then
    be rolled back (lms.db.discard), as after any failed flush. ``touch`` names a column marked
    changed so the save is an UPDATE of the row, and moves the version on, even when only child
    rows (choices) changed or the values are the same."""
    if version is None or version != obj.version:  # type: ignore[attr-defined]
        raise EditConflict()
    try:
        yield
        flag_modified(obj, touch)
        session.flush()
    except StaleDataError:
        raise EditConflict() from None


def reload_theirs(session: Session, obj: T) -> T:
    """After an EditConflict and a rollback: ``obj`` as now stored (what the other person saved),
    or NotFound when they deleted it meanwhile."""
    try:
        session.refresh(obj)
    except (InvalidRequestError, ObjectDeletedError):
        raise NotFound(
            _("Someone else deleted this after you opened it, so there is nothing to save your changes to.")
        ) from None
    return obj
