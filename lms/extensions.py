"""Flask extensions, created here and bound in create_app."""

from flask import has_request_context, request
from flask_babel import Babel
from flask_caching import Cache
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf import CSRFProtect

csrf = CSRFProtect()
login_manager = LoginManager()
babel = Babel()
#: Public pages for visitors (lms.catalog.views); CACHE_* settings in lms.config.
cache = Cache()
limiter = Limiter(key_func=get_remote_address, default_limits=[])

#: Locales with a complete translation catalogue. English is the source language; Khmer joins
#: this list when its catalogue is translated, so a page never claims lang="km" over English text.
LOCALES = ("en",)


def select_locale() -> str:
    if not has_request_context():
        return "en"  # CLI commands and background work speak the source language
    return request.accept_languages.best_match(LOCALES) or "en"
