"""Names and tags shared by every layer: URL slugs and BCP 47 language tags.

Nothing here touches the database or a request; the content format, services and templates all
read the same rules from here.
"""
from __future__ import annotations

import re
import unicodedata

from babel import Locale, UnknownLocaleError
from flask_babel import gettext as _

#: Longest slug (the web-address name of a course or unit), in characters.
SLUG_MAX = 80
#: A slug: lower-case ASCII letters and digits in groups joined by single hyphens.
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
#: Caption menu labels for the languages Sala's own courses use; others come from Babel's CLDR data.
LANGUAGE_NAMES = {"en": "English", "km": "ខ្មែរ (Khmer)", "fr": "Français", "vi": "Tiếng Việt"}
#: BCP 47 as used on the web: language, optional script, optional region, optional variants.
LANGUAGE_RE = re.compile(
    r"^(?P<lang>[A-Za-z]{2,3})(?:-(?P<script>[A-Za-z]{4}))?(?:-(?P<region>[A-Za-z]{2}|\d{3}))?"
    r"(?P<variants>(?:-(?:[A-Za-z0-9]{5,8}|\d[A-Za-z0-9]{3}))*)$"
)


def slugify(text: str) -> str:
    """A URL-safe name from a title: "Preparing your talk" → "preparing-your-talk"."""
    ascii_text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:SLUG_MAX].rstrip("-")


def normalize_language(tag: str) -> str:
    """A BCP 47 tag in its usual case ("en-gb" → "en-GB"); ValueError with a message if not valid."""
    tag = (tag or "").strip().replace("_", "-")
    match = LANGUAGE_RE.match(tag)
    if not match:
        raise ValueError(_("Enter a language tag like en, km or en-GB (BCP 47)."))
    parts = [match["lang"].lower()]
    if match["script"]:
        parts.append(match["script"].title())
    if match["region"]:
        parts.append(match["region"].upper())
    if match["variants"]:
        parts.extend(v.lower() for v in match["variants"].strip("-").split("-"))
    normalized = "-".join(parts)
    try:
        Locale.parse(parts[0])
    except (UnknownLocaleError, ValueError):
        raise ValueError(_("“%(tag)s” is not a language we know. Use a tag like en, km or en-GB.", tag=tag)) from None
    return normalized


def language_name(tag: str) -> str:
    """What players show in their caption menu: the language's own name, e.g. "English", "ខ្មែរ"."""
    if tag in LANGUAGE_NAMES:
        return LANGUAGE_NAMES[tag]
    try:
        name = Locale.parse(tag.replace("-", "_")).get_display_name()
    except (UnknownLocaleError, ValueError):
        try:
            name = Locale.parse(tag.split("-")[0]).get_display_name()
        except (UnknownLocaleError, ValueError):
            name = None
    return (name[:1].upper() + name[1:]) if name else tag


def same_language(a: str, b: str) -> bool:
    """True when two BCP 47 tags name the same language ("en-GB" and "en"), whatever the region."""
    return a.split("-")[0].lower() == b.split("-")[0].lower()


def split_lines(text: str) -> list[str]:
    """The non-empty lines of a text box, stripped: one outcome per line."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]
