"""Who is signed in: Flask-Login wiring."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g, session
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from lms import sign_in_cache
from lms.db import get_session
from lms.extensions import login_manager
from lms.models import User
from lms.services import page_versions, sign_ins

#: Flask session key: the page version this browser's own last change gave its person, so that a
#: worker's kept copy of the sign-in (lms.sign_in_cache) older than that is not used.
WROTE_VERSION = "pv"


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Sign in to continue.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    engine, people = app.extensions["lms.engine"], int(app.config["SIGN_IN_CACHE_PEOPLE"])
    kept = sign_in_cache.for_engine(engine, people)
    if kept is None and engine.dialect.name == "sqlite":
        # Imported here: a server on PostgreSQL never loads sqlite3 (0.8 MiB a worker), as lms.db.
        from lms import sign_in_cache_sqlite

        kept = sign_in_cache_sqlite.for_engine(engine, people)
    app.extensions["lms.sign_in_cache"] = kept

    login_manager.user_loader(_load)
    if kept is not None:
        app.after_request(_remember_written_version)


def _load(alternative_id: str) -> User | None:
    # "<user id>.<sign-in token>" (User.get_id): a live sign-in, or nobody. The cache is the
    # app's own: login_manager is one object, shared by every app made in the process.
    kept = current_app.extensions["lms.sign_in_cache"]
    return sign_ins.load(get_session(), alternative_id, kept, session.get(WROTE_VERSION, -1))


def _remember_written_version(response: Response) -> Response:
    """Put the page version this request's changes gave the signed-in person into their session
    (lms.sign_in_cache: their next request, on any worker, uses no older copy)."""
    db = g.get("db_session")
    written = db.info.get(page_versions.VERSIONS) if db is not None else None
    if written and response.status_code < 400 and current_user.is_authenticated and current_user.id in written:
        session[WROTE_VERSION] = written[current_user.id]
    return response


def stop_listening(app: Flask) -> None:
    """End this process's sign-in listener, if the app has one (tests; workers end with their process)."""
    kept = app.extensions.get("lms.sign_in_cache")
    if kept is not None:
        kept.stop()


def safe_next(target: str | None) -> str | None:
    """Only same-site paths: never an open redirect to another host. Control characters are refused
    outright, not left to urlsplit's stripping: browsers drop tabs and newlines from a URL (WHATWG
    URL parsing), so "/<tab>/evil.example" means "//evil.example" to them."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if any(ord(c) < 32 or ord(c) == 127 for c in target):
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None
