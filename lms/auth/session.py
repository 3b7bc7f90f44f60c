"""Who is signed in: Flask-Login wiring."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask
from flask_babel import lazy_gettext as _l

from lms.db import get_session
from lms.extensions import login_manager
from lms.models import User
from lms.services import sign_ins


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Sign in to continue.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def _load(alternative_id: str) -> User | None:
        # "<user id>.<sign-in token>" (User.get_id): a live sign-in, or nobody.
        return sign_ins.load(get_session(), alternative_id)


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
