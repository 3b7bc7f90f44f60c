"""The one module that turns author Markdown or HTML into HTML safe to show. Templates mark only
this module's output as safe."""
from __future__ import annotations

import bleach
import markdown as md
from bleach.css_sanitizer import CSSSanitizer  # noqa: F401  (imported to fail early if missing)
from markupsafe import Markup

ALLOWED_TAGS = frozenset({
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "code", "pre",
    "blockquote", "ul", "ol", "li", "dl", "dt", "dd", "a", "abbr", "span", "img", "figure",
    "figcaption", "table", "thead", "tbody", "tr", "th", "td", "caption", "sub", "sup", "kbd",
})
ALLOWED_ATTRIBUTES = {
    "a": ["href", "title", "hreflang", "lang"],
    "abbr": ["title"],
    "img": ["src", "alt", "width", "height"],
    "th": ["scope", "colspan", "rowspan"],
    "td": ["colspan", "rowspan"],
    "span": ["lang", "dir"],
    "p": ["lang", "dir"],
    "blockquote": ["lang", "cite"],
    "ol": ["start"],
}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})


def clean_html(html: str) -> str:
    """Drop every tag, attribute and URL scheme not on the allowlist (scripts, on*, javascript:)."""
    return bleach.clean(
        html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, protocols=ALLOWED_PROTOCOLS, strip=True,
        strip_comments=True,
    )


def render_markdown(text: str) -> str:
    """Markdown → sanitized HTML. Raw HTML inside Markdown goes through the same allowlist."""
    html = md.markdown(text or "", extensions=["extra", "sane_lists"], output_format="html")
    return clean_html(html)


def safe(html: str) -> Markup:
    """Mark this module's output safe for templates (and nothing else)."""
    return Markup(html)


def images_without_alt(html: str) -> int:
    """How many <img> in sanitized HTML lack a non-empty alt: the publishing gate counts these."""
    import re

    count = 0
    for tag in re.findall(r"<img\b[^>]*>", html):
        alt = re.search(r'\balt="([^"]*)"', tag)
        if alt is None or not alt.group(1).strip():
            count += 1
    return count
