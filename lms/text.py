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


#: Longest person's name or title, in characters (after NFC normalisation).
NAME_MAX = 200
#: Format characters a name may hold: Khmer and other scripts need the zero-width space (word
#: breaks), non-joiner and joiner. Every other format character (bidi embeddings, overrides and
#: isolates such as U+202E, byte order marks...) is refused, with control characters and NUL.
_ALLOWED_FORMAT = {"\u200b", "\u200c", "\u200d"}


def unsafe_characters(text: str) -> list[str]:
    """The characters of text a name or title may not hold, as U+XXXX codes (controls, line and
    paragraph separators, surrogates, and format characters other than _ALLOWED_FORMAT)."""
    found = []
    for char in text:
        category = unicodedata.category(char)
        if category in ("Cc", "Cs", "Zl", "Zp") or (category == "Cf" and char not in _ALLOWED_FORMAT):
            code = f"U+{ord(char):04X}"
            if code not in found:
                found.append(code)
    return found


def clean_name(text: str | None, *, limit: int = NAME_MAX) -> tuple[str, str | None]:
    """(the name NFC-normalised and trimmed, None) or (text, a sentence saying what to fix).

    Used for people's names (printed on certificates) and titles; Unicode NFC (UAX #15) so that one
    name typed two ways is stored one way.
    """
    cleaned = unicodedata.normalize("NFC", text or "").strip()
    if not cleaned:
        return text or "", _("Enter a name.")
    bad = unsafe_characters(cleaned)
    if bad:
        return text or "", _(
            "Remove the invisible control characters (%(codes)s): they can make text "
            "print in the wrong order or not at all.",
            codes=", ".join(bad[:5]),
        )
    if len(cleaned) > limit:
        return text or "", _("Keep it under %(n)d characters.", n=limit)
    return cleaned, None
