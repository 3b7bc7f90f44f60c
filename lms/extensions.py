"""Flask extensions, created here and bound in create_app."""

import logging

from flask import current_app, has_app_context, has_request_context, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf import CSRFProtect
from sqlalchemy.orm import Session

from lms.db import after_commit

log = logging.getLogger(__name__)

csrf = CSRFProtect()
login_manager = LoginManager()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])

#: Locales with a complete translation catalogue. English is the source language; Khmer joins
#: this list when its catalogue is translated, so a page never claims lang="km" over English text.
LOCALES = ("en",)


def select_locale() -> str:
    if not has_request_context():
        return "en"  # CLI commands and background work speak the source language
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
