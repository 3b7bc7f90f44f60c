"""Template helpers and the response headers every page gets."""

from __future__ import annotations

from decimal import Decimal
from functools import cache

from babel import Locale, UnknownLocaleError
from babel.numbers import format_percent as babel_percent
from flask import Flask, request
from flask_babel import format_date, format_decimal, get_locale
from markupsafe import Markup, escape

from lms.content import sanitize
from lms.extensions import LOCALE_NAMES, LOCALES
from lms.text import same_language
from lms.visitor_pages import save_data


def format_seconds(seconds: float | None) -> str:
    """12.5 → "0:12", 3725 → "1:02:05": how players show times."""
    if seconds is None:
        return ""
    total = int(seconds)
    h, rem = divmod(total, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def format_number(value) -> str:
    """A count or score as the interface locale writes it (Babel's format_decimal, CLDR's decimal
    pattern): 1234 → "1,234", 85.5 → "85.5"; scores are first rounded to one decimal."""
    if value is None:
        return ""
    return format_decimal(round(value, 1) if isinstance(value, float) else value)


def format_mark(value) -> str:
    """A question's mark as Moodle prints it, to two decimals, in the interface locale: 0.5 → "0.50"."""
    return format_decimal(value, format="#,##0.00")


def format_share(value) -> str:
    """A share given in per cent (0 to 100) as the interface locale writes a percentage (Babel's
    format_percent, CLDR's percent pattern), to one decimal at most: 85.5 → "85.5%", 100 → "100%"."""
    if value is None:
        return ""
    locale = get_locale() or "en"
    return babel_percent(Decimal(str(round(value, 1))) / 100, locale=locale, decimal_quantization=False)


def interface_languages() -> list[tuple[str, str]]:
    """(code, the language's name in itself) for each interface language, as the switch lists them."""
    return [(code, LOCALE_NAMES[code]) for code in LOCALES]


def return_path() -> str | None:
    """Where the language switch comes back to: this page's path and query, for a GET; None after a
    POST (its address may not answer a GET), so the switch then goes to the catalog."""
    if request.method != "GET":
        return None
    query = request.query_string.decode("utf-8", "replace")
    return request.path + ("?" + query if query else "")


def _tag_of(subject) -> str:
    """The BCP 47 tag of a course, a certificate (its snapshot of the course's language) or a tag."""
    if isinstance(subject, str):
        return subject
    return getattr(subject, "course_language", None) or getattr(subject, "language", None) or ""


@cache
def _right_to_left(tag: str) -> bool:
    try:
        return Locale.parse(tag.split("-")[0]).character_order == "right-to-left"
    except (UnknownLocaleError, ValueError):
        return False


def content_lang(subject) -> Markup:
    """` lang="<tag>"` (and ` dir="rtl"` for a right-to-left script, from CLDR's character order via
    Babel) for an element holding content in `subject`'s language (a course, a certificate or a
    BCP 47 tag), when that language is not the page's interface language; empty otherwise, so a page
    never claims a language its text is not in (WCAG 2.2 SC 3.1.2, Language of Parts)."""
    tag = _tag_of(subject)
    if not tag or same_language(tag, str(get_locale() or "en")):
        return escape("")
    return sanitize.lang_attributes(tag, _right_to_left(tag))


def in_lang(text, subject) -> Markup:
    """`text` escaped, in a `<span lang>` when `subject`'s language is not the page's (see
    content_lang): for content put inside an interface sentence, such as a course title in
    "Continue: %(title)s"."""
    attrs = content_lang(subject)
    return sanitize.in_language(text, attrs) if attrs else escape(text)


def init_app(app: Flask) -> None:
    from lms import assets

    # Author HTML reaches a page only through the sanitizer's filter (reading_html).
    sanitize.init_app(app)
    style_hash = assets.init_app(app).inline_css_hash
    app.jinja_env.globals["save_data"] = save_data

    @app.context_processor
    def _page_context():
        return {"html_lang": str(get_locale() or "en"), "interface_languages": interface_languages()}

    app.jinja_env.globals["return_path"] = return_path
    app.jinja_env.globals["content_lang"] = content_lang
    app.jinja_env.globals["in_lang"] = in_lang

    app.jinja_env.filters["seconds"] = format_seconds
    app.jinja_env.filters["number"] = format_number
    app.jinja_env.filters["share"] = format_share
    app.jinja_env.filters["mark"] = format_mark
    from lms.forms import error_items

    app.jinja_env.globals["form_error_items"] = error_items
    from lms.questions import get as question_type

    # Templates ask a question's type how to show it: question_type(q.type).macro, .label, ...
    app.jinja_env.globals["question_type"] = question_type
    from lms.text import language_name

    app.jinja_env.filters["language_name"] = language_name
    from lms.services.caption_tracks import kind_name

    app.jinja_env.filters["track_kind"] = kind_name
    app.jinja_env.filters["date"] = lambda d: format_date(d, "long") if d else ""
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.add_extension("jinja2.ext.do")

    @app.after_request
    def _security_headers(response):
        # Scripts and styles only from this site: user-authored text can never run code. The one
        # inline stylesheet (lms/assets.py) is allowed by its hash, never by 'unsafe-inline'.
        response.headers.setdefault(
            "Content-Security-Policy",
            f"default-src 'self'; img-src 'self' data:; media-src 'self'; style-src 'self' {style_hash}; "
            "script-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
            "frame-ancestors 'none'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if request.endpoint != "static" and response.mimetype == "text/html":
            response.headers.setdefault("Cache-Control", "no-store")
        return response
