"""Script runs: mark complex-script text so the PDF can carry its real Unicode.

WeasyPrint maps every glyph to one Unicode string (a ToUnicode entry per glyph).
For scripts whose glyphs do not map one-to-one onto characters (Khmer pre-base
vowels, subscript consonants, split vowels; likewise Thai, Lao, Myanmar) the text
extracted from the PDF, and so what a screen reader says, comes out garbled.

The certificate template therefore passes every dynamic or translated string
through the ``script_runs`` filter: it escapes the string and wraps each run of
such a script in ``<span class="script-run" lang="..." data-script="...">``.
After rendering, :mod:`lms.credentials.pdf_actualtext` finds the structure
element of each of these spans and sets ``/ActualText`` to the run's exact text.
The spans are harmless (and helpful: they set the language) on the web page.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from markupsafe import Markup, escape

# script name -> (BCP 47 language to declare or None, join words across spaces,
# code point ranges). Khmer script is written almost only for Khmer, so "km" is
# safe. Runs are split at spaces: a line breaks at a space in these scripts
# (or, with overflow-wrap: anywhere, inside an over-long word), so each word
# normally stays in one piece of marked content. The "join" flag keeps inner
# spaces in a run (meant for RTL scripts, none of which is marked now).
SCRIPTS: dict[str, tuple[str | None, bool, tuple[tuple[int, int], ...]]] = {
    "Khmr": ("km", False, ((0x1780, 0x17FF), (0x19E0, 0x19FF))),
    "Thai": ("th", False, ((0x0E00, 0x0E7F),)),
    "Laoo": ("lo", False, ((0x0E80, 0x0EFF),)),
    "Mymr": ("my", False, ((0x1000, 0x109F), (0xA9E0, 0xA9FF), (0xAA60, 0xAA7F))),
}
# Arabic script is deliberately not marked: its glyphs map one-to-one onto
# letters, so it extracts right already, while poppler reverses an RTL
# /ActualText string (tried: "محمد" read back as "دمحم").

# Characters that belong to the run they sit in: ZWSP, ZWNJ, ZWJ and combining marks.
_INNER = {0x200B, 0x200C, 0x200D}

RUN_CLASS = "script-run"
_RUN_RE = re.compile(
    r'<span class="' + RUN_CLASS + r'"(?: lang="[^"]*")? data-script="([A-Za-z]{4})">'
    r"([^<]*)</span>"
)


def script_of(char: str) -> str | None:
    """The ISO 15924 code (``"Khmr"``, ``"Thai"``, ``"Laoo"``, ``"Mymr"``) of ``char``'s script if
    it is one we mark (see :data:`SCRIPTS`), else None. ``char`` is one character."""
    code = ord(char)
    for name, (_lang, _join, ranges) in SCRIPTS.items():
        for low, high in ranges:
            if low <= code <= high:
                return name
    return None


def _is_inner(char: str) -> bool:
    code = ord(char)
    return code in _INNER or 0x0300 <= code <= 0x036F or 0xFE00 <= code <= 0xFE0F


@dataclass(frozen=True)
class Run:
    """A run of one marked script, as it appears in the document."""

    script: str
    text: str

    @property
    def lang(self) -> str | None:
        return SCRIPTS[self.script][0]


def split_runs(text: str) -> list[tuple[str | None, str]]:
    """Split ``text`` into ``(script or None, piece)`` tuples, in order; joined, the pieces
    give ``text`` back. Runs break at spaces; zero-width joiners and combining marks stay in
    the run they follow."""
    pieces: list[tuple[str | None, str]] = []
    current: str | None = None
    buf: list[str] = []

    def flush() -> None:
        if buf:
            pieces.append((current, "".join(buf)))
            buf.clear()

    for i, char in enumerate(text):
        script = script_of(char)
        if script is None and current is not None:
            if _is_inner(char):
                script = current
            elif char == " " and SCRIPTS[current][1]:
                # Keep a space inside an RTL run when the run goes on after it.
                nxt = next((c for c in text[i + 1 :] if c != " "), "")
                if nxt and script_of(nxt) == current:
                    script = current
        if script != current:
            flush()
            current = script
        buf.append(char)
    flush()
    return pieces


def script_runs(value: object) -> Markup:
    """Jinja filter: escape ``value`` and wrap complex-script runs in spans.

    Returns Markup: ``<span class="script-run" lang="km" data-script="Khmr">...</span>`` around
    each run (``lang`` left out for a script without one), everything else escaped. None gives
    ``""``; a Markup value is taken as already escaped and only its text between tags is wrapped.
    """
    if value is None:
        return Markup("")
    if isinstance(value, Markup):
        # Already markup (Jinja's i18n gettext returns Markup under autoescape):
        # wrap the runs in its text between tags, which is already escaped.
        parts = re.split(r"(<[^>]*>)", str(value))
        # Tags kept as given; the text between them is already escaped.
        wrapped = "".join(part if part.startswith("<") else _wrap(part, escaped=True) for part in parts)
        return Markup(wrapped)  # noqa: S704
    # Safe: _wrap escapes every piece of text and adds only its own fixed span markup.
    return Markup(_wrap(str(value), escaped=False))  # noqa: S704


def _wrap(text: str, *, escaped: bool) -> str:
    out: list[str] = []
    for script, piece in split_runs(text):
        safe = piece if escaped else str(escape(piece))
        if script is None:
            out.append(safe)
            continue
        lang = SCRIPTS[script][0]
        lang_attr = f' lang="{lang}"' if lang else ""
        out.append(f'<span class="{RUN_CLASS}"{lang_attr} data-script="{script}">{safe}</span>')
    return "".join(out)


def runs_in_html(document: str) -> list[Run]:
    """The marked runs (:class:`Run`, text unescaped) in the ``<body>`` of a document rendered
    with :func:`script_runs`, in document order: what :mod:`.pdf_actualtext` pairs with the PDF."""
    body_start = document.find("<body")
    body = document[body_start:] if body_start >= 0 else document
    return [Run(script, html.unescape(text)) for script, text in _RUN_RE.findall(body)]


def contains_marked_script(text: str) -> bool:
    """True when ``text`` has a character of a script we mark."""
    return any(script_of(c) for c in text)
