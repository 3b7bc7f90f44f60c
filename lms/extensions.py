"""Flask extensions, created here and bound in create_app."""

import logging

from flask import current_app, has_app_context, has_request_context, request
from flask_babel import Babel
from flask_caching import Cache
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user
from flask_wtf import CSRFProtect
from sqlalchemy.orm import Session

from lms.db import after_commit

log = logging.getLogger(__name__)

csrf = CSRFProtect()
login_manager = LoginManager()
babel = Babel()
#: Public pages for visitors (lms.visitor_pages); CACHE_* settings in lms.config.
cache = Cache()
limiter = Limiter(key_func=get_remote_address, default_limits=[])

#: Interface languages with a complete translation catalogue (translations/<code>/), in the order
#: the language switch lists them. English is the source language.
LOCALES = ("en", "km")
#: Each interface language named in itself, as the language switch shows it (never translated).
LOCALE_NAMES = {"en": "English", "km": "ខ្មែរ"}
#: The cookie that remembers a visitor's choice (and a signed-in person's, for after they sign out).
LOCALE_COOKIE = "lang"
#: How long the cookie lasts, in seconds: a year.
LOCALE_COOKIE_MAX_AGE = 365 * 24 * 3600


def select_locale() -> str:
    """The interface language of this request: the signed-in person's saved choice, else the `lang`
    cookie, else the best match for Accept-Language (RFC 9110 section 12.5.4, Werkzeug's
    `best_match`, which also matches "km-KH" to "km"), else English. Called by Flask-Babel once
    per request, lazily."""
    if not has_request_context():
        return "en"  # CLI commands and background work speak the source language
    saved = getattr(current_user, "locale", None) if current_user else None
    if saved in LOCALES:
        return saved
    cookie = request.cookies.get(LOCALE_COOKIE)
    if cookie in LOCALES:
        return cookie
    return request.accept_languages.best_match(LOCALES) or "en"


class Jobs:
    """Background work, named by services and carried out by whatever queue the app bound
    (``lms.jobs``: huey). A service says what must happen; it never knows how or where."""

    def enqueue_after_commit(self, session: Session, name: str, *args: object) -> None:
        """Queue job ``name`` with ``args`` once ``session`` commits (never for a rolled-back change)."""
        send = current_app.extensions.get("lms.jobs") if has_app_context() else None
        if send is None:
            log.info("no job queue bound: %s%r is left for `lms jobs sweep`", name, args)
            return
        after_commit(session, lambda: send(name, args))


jobs = Jobs()
