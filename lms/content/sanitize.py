"""The one module that turns author Markdown, HTML or SVG into markup safe to show (bleach with
an allowlist), and the only one that marks a string as safe for templates (markupsafe.Markup).

Units store their reading text as sanitized HTML at heading level 2 (`render_markdown`, on
save). Pages place it under their own headings through the `reading_html` template filter,
which cleans again (bleach's output is a fixed point of its own clean, so sanitized HTML comes
back unchanged), shifts the headings and marks the result safe. Whatever string a template
gives the filter, what comes out is allowlisted HTML. Cleaning costs about 5 ms for a 3 KB unit
here, so results are kept in a small LRU cache: a unit pays it once per worker, then about
0.004 ms a page (bench/reading_html.py).
"""

from __future__ import annotations

import re
from functools import lru_cache

import bleach
from bleach.css_sanitizer import CSSSanitizer  # noqa: F401  (imported to fail early if missing)
from markupsafe import Markup

ALLOWED_TAGS = frozenset(
    {
        "p",
        "br",
        "hr",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "strong",
        "em",
        "b",
        "i",
        "code",
        "pre",
        "blockquote",
        "ul",
        "ol",
        "li",
        "dl",
        "dt",
        "dd",
        "a",
        "abbr",
        "span",
        "img",
        "figure",
        "figcaption",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "caption",
        "sub",
        "sup",
        "kbd",
    }
)
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
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
        strip_comments=True,
    )


def render_markdown(text: str) -> str:
    """Markdown → sanitized HTML. Raw HTML inside Markdown goes through the same allowlist."""
    import markdown as md  # only trainers' edits and imports render Markdown; pages show stored HTML

    html = md.markdown(text or "", extensions=["extra", "sane_lists"], output_format="html")
    return clean_html(html)


_HEADING = re.compile(r"<(/?)h([2-6])\b", re.IGNORECASE)
#: Sanitized reading texts kept per worker, keyed by (html, offset): about 2 MB for 4 KB units.
READING_CACHE_SIZE = 256


def _shift_headings(html: str, offset: int) -> str:
    """h2 → h(2+offset), never past h6: author text placed under a page's own headings."""
    return _HEADING.sub(lambda m: f"<{m.group(1)}h{min(int(m.group(2)) + offset, 6)}", html)


@lru_cache(maxsize=READING_CACHE_SIZE)
def _reading(html: str, offset: int) -> str:
    # Shift first, then clean: whatever the shift did to any input, the allowlist has the last word.
    return clean_html(_shift_headings(html, offset))


def reading_html(html: str | None, heading_offset: int = 1) -> Markup:
    """Author HTML (a unit's `body_html`, a preview) as allowlisted markup with its headings moved
    down `heading_offset` levels (0 to 4), marked safe: the `reading_html` template filter."""
    if not 0 <= heading_offset <= 4:
        raise ValueError("heading_offset must be 0 to 4")
    return Markup(_reading(str(html or ""), heading_offset))  # noqa: S704  # cleaned by the allowlist


#: Inline SVG the site draws itself (the certificate's QR code): shapes, a title and a
#: description for screen readers, nothing that can run or fetch (no script, style, use,
#: foreignObject, href or on* attributes).
SVG_TAGS = frozenset({"svg", "g", "path", "rect", "title", "desc"})
_SVG_PAINT = ["fill", "stroke", "stroke-width", "transform", "class", "id"]
SVG_ATTRIBUTES = {
    # html5lib restores SVG's camelCase names (viewBox) before bleach compares them.
    "svg": [
        "xmlns",
        "viewBox",
        "width",
        "height",
        "role",
        "aria-labelledby",
        "aria-describedby",
        "aria-label",
        "aria-hidden",
        "focusable",
        "shape-rendering",
        "class",
        "id",
    ],
    "g": _SVG_PAINT,
    "path": ["d", *_SVG_PAINT],
    "rect": ["x", "y", "width", "height", "rx", "ry", *_SVG_PAINT],
    "title": ["id"],
    "desc": ["id"],
}


def clean_svg(svg: str) -> Markup:
    """Inline SVG kept to SVG_TAGS and SVG_ATTRIBUTES (everything else dropped, text escaped),
    marked safe for a template."""
    cleaned = bleach.clean(
        svg or "", tags=SVG_TAGS, attributes=SVG_ATTRIBUTES, protocols=[], strip=True, strip_comments=True
    )
    return Markup(cleaned)  # noqa: S704  # cleaned by the allowlist just above


def lang_attributes(tag: str, right_to_left: bool = False) -> Markup:
    """` lang="<tag>"` (and ` dir="rtl"`) for an element holding text in another language than its
    page's (WCAG 2.2 SC 3.1.2, Language of Parts); the tag is escaped."""
    attrs = Markup(' lang="%s"') % tag
    return attrs + Markup(' dir="rtl"') if right_to_left else attrs


def in_language(text: str, attrs: Markup) -> Markup:
    """`text`, escaped, in a `<span>` with `attrs` (from lang_attributes)."""
    return Markup("<span%s>%s</span>") % (attrs, text)


def init_app(app) -> None:
    """Register the `reading_html` template filter (lms.templating calls this)."""
    app.jinja_env.filters["reading_html"] = reading_html


def images_without_alt(html: str) -> int:
    """How many <img> in sanitized HTML lack a non-empty alt: the publishing gate counts these."""
    count = 0
    for tag in re.findall(r"<img\b[^>]*>", html):
        alt = re.search(r'\balt="([^"]*)"', tag)
        if alt is None or not alt.group(1).strip():
            count += 1
    return count


def stylesheet(css: str) -> Markup:
    """A stylesheet of the site's own (static/css) for an inline ``<style>`` element, marked safe.

    Inside ``<style>`` the HTML parser reads raw text until ``</style``, so escaping would break
    selectors such as ``a > b``; the one way out of the element is that end tag, refused here.
    :raises ValueError: the text contains ``</style`` (in any case).
    """
    if "</style" in css.lower():
        raise ValueError("an inline stylesheet must not contain </style")
    return Markup(css)  # noqa: S704  # raw text that cannot leave its <style> element
