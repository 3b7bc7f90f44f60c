"""Page versions: the numbers a signed-in learner's cached pages are keyed by (lms.personal_pages).

A learner's page is built from public content and from that learner's own rows. Public content
has the publication version (lms.services.publication). Each person has `users.page_version`,
bumped inside the transaction of any change to a row of theirs (an enrolment, unit progress, a
quiz attempt, a certificate, player preferences, the account itself), whoever makes it: the
learner, a trainer revoking a certificate, the job worker issuing one. A change to anything else a
page might show (a rendition finished, a table added later and not listed here) bumps the
publication version, so every cached page is stale at once: unknown means stale, never wrong.

Registered on every Session as SQLAlchemy ORM events (SQLAlchemy 2.0, "ORM Events"):
- `before_flush`: objects added, changed or deleted; an object with a `user_id` is that person's;
- `do_orm_execute`: an ORM-enabled `insert()` whose rows all name their `user_id` bumps those
  people; any other `update()` / `delete()` / `insert()`, whose rows are not known, bumps the
  publication version, unless its table is unseen or it sets only unseen columns.
Writes on a Connection, outside the ORM session, are not seen (none of Sala's views make them).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Table, bindparam, event, update
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction

from lms.models import AuditEvent, LoginSession, PendingCaption, PublicationVersion, User
from lms.services import publication

#: Rows no cached page shows: the audit log, sign-ins (ending one signs the browser out, so its
#: pages are no longer served), the version row itself, and trainers' captions waiting for a check.
UNSEEN = (AuditEvent, LoginSession, PublicationVersion, PendingCaption)
_UNSEEN_TABLES = frozenset(model.__table__.name for model in UNSEEN)  # type: ignore[attr-defined]
#: Columns no cached page shows, by table: a rendition's encoding progress is on Teach pages only,
#: and the job worker writes it every few seconds while encoding.
UNSEEN_COLUMNS = {"renditions": frozenset({"progress"})}
#: session.info key: set when this session bumped a version (lms.personal_pages keeps no page
#: rendered by a request that changed what it shows).
BUMPED = "page_versions_bumped"
_BUMPING = "page_versions_bumping"
#: session.info key: {user id: page version} of the people this session's transaction bumped
#: (lms.auth.session tells the browser its own, lms.sign_in_cache keeps no older copy for it).
VERSIONS = "page_versions_bumped_to"
_USERS: Table = User.__table__  # type: ignore[assignment]  # a Table, typed as FromClause
_BUMP = (
    update(_USERS)
    .where(_USERS.c.id.in_(bindparam("ids", expanding=True)))
    .values(page_version=_USERS.c.page_version + 1)
    .returning(_USERS.c.id, _USERS.c.page_version)
)


def bump_people(session: Session, user_ids: set[int]) -> None:
    """Add one to the page version of each of `user_ids`, in the session's transaction; the new
    numbers are in ``session.info[VERSIONS]`` ({user id: page version}) until it rolls back."""
    if not user_ids:
        return
    # A Core statement on the session's connection: no ORM events to see it, none of the ORM's
    # compiling, which a quiz submission felt (lms.services.quiz_submissions).
    rows = session.connection().execute(_BUMP, {"ids": sorted(user_ids)})
    session.info.setdefault(VERSIONS, {}).update((user_id, version) for user_id, version in rows)


def bump_people_now(session: Session, user_ids: set[int]) -> None:
    """bump_people for a write these events do not see (a Core statement on the session's
    connection): the people's versions only, with the session marked as having bumped (BUMPED)."""
    session.info[_BUMPING] = True
    try:
        bump_people(session, user_ids)
    finally:
        session.info[_BUMPING] = False
    session.info[BUMPED] = True


def note_bumped(session: Session, rows: Iterable[tuple[int, int]]) -> None:
    """Record bumps a caller's own statement made ((user id, new page version) rows from its
    RETURNING) as bump_people_now would have."""
    session.info.setdefault(VERSIONS, {}).update(rows)
    session.info[BUMPED] = True


#: What VERSIONS held as each savepoint began, so that rolling one back forgets only its own bumps.
_AT_SAVEPOINT: WeakKeyDictionary[SessionTransaction, dict[int, int]] = WeakKeyDictionary()


@event.listens_for(Session, "after_transaction_create")
def _note_versions_at_savepoint(session: Session, transaction: SessionTransaction) -> None:
    if transaction.nested:
        _AT_SAVEPOINT[transaction] = dict(session.info.get(VERSIONS, {}))


@event.listens_for(Session, "after_soft_rollback")
def _forget_versions(session: Session, previous: SessionTransaction) -> None:
    # A savepoint's rollback (lms.db.find_or_add losing a race) leaves the transaction's earlier
    # bumps standing; only a whole transaction's rollback forgets them all.
    if previous.nested and previous in _AT_SAVEPOINT:
        session.info[VERSIONS] = _AT_SAVEPOINT.pop(previous)
    else:
        session.info.pop(VERSIONS, None)


def _people_and_rest(session: Session) -> tuple[set[int], bool]:
    """(ids of the people whose rows this flush changes, whether it changes anything else a page
    may show). Public content is left to lms.services.publication's own event."""
    people: set[int] = set()
    rest = False
    changed = [*session.new, *session.deleted]
    changed += [obj for obj in session.dirty if session.is_modified(obj, include_collections=False)]
    for obj in changed:
        if isinstance(obj, (*UNSEEN, *publication.PUBLIC_CONTENT)):
            continue
        if isinstance(obj, User):
            if obj.id is not None:
                people.add(obj.id)
            continue
        owner = getattr(obj, "user_id", None)
        if owner is not None:
            people.add(owner)
        else:
            rest = True
    return people, rest


@event.listens_for(Session, "before_flush")
def _bump_on_flush(session: Session, _context, _instances) -> None:  # noqa: ANN001
    if session.info.get(_BUMPING):
        return
    people, rest = _people_and_rest(session)
    if not (people or rest):
        return
    session.info[_BUMPING] = True
    try:
        bump_people(session, people)
        if rest:
            publication.bump(session)
    finally:
        session.info[_BUMPING] = False
    session.info[BUMPED] = True


@event.listens_for(Session, "do_orm_execute")
def _bump_on_bulk_statement(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete or state.is_insert) or state.session.info.get(_BUMPING):
        return
    table = getattr(state.statement, "table", None)
    if table is None or table.name in _UNSEEN_TABLES or table.name in publication.TABLES:
        return
    if state.is_insert:
        # New rows of known people (a bulk insert names them); new people have no pages yet.
        given = state.parameters
        rows: list[Mapping[str, Any]] = [given] if isinstance(given, Mapping) else list(given or [{}])
        if table.name == User.__tablename__:
            return
        if rows and all(row.get("user_id") is not None for row in rows):
            bump_people_now(state.session, {row["user_id"] for row in rows})
            return
    if state.is_update:
        unseen = UNSEEN_COLUMNS.get(table.name, frozenset())
        values = getattr(state.statement, "_values", None) or {}
        names = {getattr(column, "key", column) for column in values}
        if names and names <= unseen:
            return
    state.session.info[_BUMPING] = True
    try:
        publication.bump(state.session)
    finally:
        state.session.info[_BUMPING] = False
    state.session.info[BUMPED] = True
