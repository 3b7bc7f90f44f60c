"""The database: declarative base with named constraints, one session and one transaction per request.

A request's changes are committed once, after its view returns a success (status below 400), and
rolled back on any error page or exception, as Indico's request handler does; views never commit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, Response, current_app, g
from sqlalchemy import MetaData, create_engine, event, exc
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from werkzeug.routing import BaseConverter, IntegerConverter

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


#: Seconds a SQLite connection waits for another connection's write lock before giving up with
#: "database is locked" (pysqlite's `timeout`, SQLite's busy timeout). Several gunicorn workers,
#: each with threads, write to the same file; the driver's default of 5 s was met by bench/load.py
#: on a loaded machine (a writer holds the lock from its first write to the request's commit).
#: Writers made here first wait up to as long for their turn (lms.sqlite_writers).
SQLITE_BUSY_TIMEOUT = 30


def make_engine(url: str) -> Engine:
    kwargs: dict[str, Any] = {}
    if url.startswith("sqlite"):
        # Writers on a file queue for their turn instead of polling in SQLite's busy handler, and a
        # savepoint nests in the request's transaction (lms.sqlite_writers). Imported here: a
        # server on PostgreSQL never loads SQLite (1-2 MiB a worker).
        from lms.sqlite_writers import QueuedConnection

        kwargs["connect_args"] = {
            "check_same_thread": False,
            "timeout": SQLITE_BUSY_TIMEOUT,
            "factory": QueuedConnection,
        }
        if ":memory:" in url or url in {"sqlite://", "sqlite:///"}:
            from sqlalchemy.pool import StaticPool

            kwargs["poolclass"] = StaticPool
    engine = create_engine(url, **kwargs)
    if engine.dialect.driver == "psycopg2":
        event.listen(engine, "handle_error", _nul_is_a_data_error)
    if url.startswith("sqlite"):

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # noqa: ANN001
            cur = dbapi_conn.cursor()
            # SQLite leaves foreign keys off unless asked; WAL lets readers run beside a writer.
            cur.execute("PRAGMA foreign_keys=ON")
            # Each pooled connection (one per worker thread) keeps a page cache of its own, 2 MiB by
            # default; the operating system caches the same file once for all of them, so a small
            # one saves a threaded worker several MiB at little cost (bench/RESULTS.md, memory).
            cur.execute("PRAGMA cache_size=-512")
            if ":memory:" not in url:
                cur.execute("PRAGMA journal_mode=WAL")
            cur.close()

    return engine


def _nul_is_a_data_error(context):  # noqa: ANN001, ANN202 - SQLAlchemy's ExceptionContext
    """psycopg2 refuses text holding NUL (PostgreSQL's text cannot) before sending it, with a plain
    ValueError, which SQLAlchemy passes on as it is; PostgreSQL itself, refusing other values,
    gives a DataError. Turned into that DataError, so lms.errors answers both as bad input (400),
    not as a fault of ours (500). SQLAlchemy's ``handle_error`` event: a returned exception is
    raised instead."""
    err = context.original_exception
    if isinstance(err, ValueError) and "NUL" in str(err) and context.sqlalchemy_exception is None:
        return exc.DataError(context.statement, context.parameters, err)
    return None


#: The largest id the database stores (a signed 32-bit INTEGER in PostgreSQL; SQLite allows more,
#: but ids never get there). A URL asking for more is 404, not an overflow error.
MAX_ID = 2**31 - 1


def _at_most(limit: int) -> str:
    """A regular expression for the decimal numbers 0..limit (leading zeros allowed up to its length)."""
    digits = str(limit)
    options = [rf"\d{{1,{len(digits) - 1}}}"] if len(digits) > 1 else []
    for i, digit in enumerate(digits):
        if digit != "0":
            rest = len(digits) - i - 1
            options.append(digits[:i] + f"[0-{int(digit) - 1}]" + (rf"\d{{{rest}}}" if rest else ""))
    options.append(digits)
    return "(?:" + "|".join(options) + ")"


class IdConverter(IntegerConverter):
    """Werkzeug's `int` converter, bounded by the database's integer range (max=MAX_ID unless a
    route asks for less), so `/courses/99999999999999999999` is 404 on every `<int:...>` route.
    The bound is in the pattern itself: a number that only failed the converter's check would make
    a route with another method (POST) answer 405 instead."""

    regex = _at_most(MAX_ID)

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits, min, MAX_ID if max is None else max, signed)


class NulFreeString(BaseConverter):
    """Werkzeug's default `string` converter without U+0000: such a URL matches no route (404)
    instead of reaching a query PostgreSQL refuses (its text cannot hold that character)."""

    regex = "[^/\\x00]+"


def init_app(app: Flask) -> None:
    # Before any blueprint adds its routes: a rule binds its converter when it is added.
    app.url_map.converters["int"] = IdConverter
    app.url_map.converters["default"] = app.url_map.converters["string"] = NulFreeString
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["lms.engine"] = engine
    app.extensions["lms.sessionmaker"] = sessionmaker(engine, expire_on_commit=False)
    app.teardown_appcontext(_close_session)


def end_transactions(app: Flask) -> None:
    """Commit or roll back each request's transaction as soon as its view's response is made. Call
    after every other after-request hook is registered: Flask runs them in reverse order, so this
    one runs first and the hooks that only set headers (CSP, compression, caching, the session's
    page version) run after the commit. A writer holds SQLite's write turn (lms.sqlite_writers),
    or PostgreSQL's row locks, from its first write to its commit, and on SQLite submissions are
    as many a second as turns: those hooks took about 0.07 ms of a quiz submission's 0.8 ms turn
    (bench/RESULTS.md, 2026-12-01). None of them writes to the database."""
    app.after_request(_end_transaction)


def get_session() -> Session:
    """The session of the current app context (one per request)."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["lms.sessionmaker"]()
    return g.db_session


def discard() -> None:
    """Forget what this request changed so far (a service refused the input half-way), so the page
    that shows the errors reads the stored state and nothing of the refused input is committed."""
    session = g.get("db_session")
    if session is not None:
        session.rollback()


def _end_transaction(response: Response) -> Response:
    """Commit the request's changes when it succeeded; roll them back when it answers with an error."""
    session = g.get("db_session")
    if session is None:
        return response
    if response.status_code < 400:
        session.commit()
    else:
        session.rollback()
    return response


def _close_session(exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        if exc is not None:
            session.rollback()
        session.close()


class _SessionProxy:
    """`db.session` reads like Flask-SQLAlchemy's, without its legacy query API."""

    def __getattr__(self, name):
        return getattr(get_session(), name)


session: Session = _SessionProxy()  # type: ignore[assignment]


T = TypeVar("T")


def find_or_add(session: Session, find: Callable[[], T | None], make: Callable[[], T]) -> T:
    """The row `find()` returns, else the new row `make()` builds, added and flushed. When another
    transaction adds the same row first (a double-posted form), the unique constraint refuses this
    insert inside a savepoint, so the rest of the transaction stands, and the row that won is
    returned; an IntegrityError with no such row is raised again."""
    row = find()
    if row is not None:
        return row
    try:
        with session.begin_nested():
            row = make()
            session.add(row)
            session.flush()
    except IntegrityError:
        won = find()
        if won is None:
            raise
        return won
    return row


def after_commit(session: Session, action: Callable[[], None]) -> None:
    """Run ``action`` once the session's current transaction commits; forget it on rollback.

    For work that must see the committed rows, such as a background job about a row this request
    creates: queued before the commit, a fast worker could look for the row before it exists.
    """
    session.info.setdefault("after_commit", []).append(action)


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    for action in session.info.pop("after_commit", []):
        action()


@event.listens_for(Session, "after_soft_rollback")
def _forget_after_commit(session: Session, _previous_transaction) -> None:  # noqa: ANN001
    session.info.pop("after_commit", None)
