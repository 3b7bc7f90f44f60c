"""WebVTT cue text, parsed once into its parts, and the plain text a viewer reads.

The tokenizer and tree builder follow the WebVTT spec, "WebVTT cue text parsing rules"
(https://w3c.github.io/webvtt/#cue-text-parsing-rules): class ``<c.x>``, italic, bold,
underline, ruby and ``<rt>``, voice ``<v Name>``, language ``<lang en>`` spans, inline
timestamps ``<00:00:01.000>`` and HTML character references (``&amp;``, ``&lrm;``, ``&nbsp;``...,
resolved with the standard library's HTML5 rules, :func:`html.unescape`). Unknown tags are
dropped as a browser drops them; their text stays.

Every consumer reads these parts: the learner's transcript (:func:`plain_text` with the speaker),
the quality check (:func:`plain_lines`, what is on screen), and the SubRip reader, which turns
SubRip's HTML-like tags into WebVTT markup with :func:`srt_markup`.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from lms.segmentation import join_lines

#: The element names the spec turns into nodes; any other start tag is ignored.
SPAN_KINDS = ("c", "i", "b", "u", "ruby", "rt", "v", "lang")
_SPACE = "\t\n\f "
_TIMESTAMP = re.compile(r"(?:(\d{2,}):)?([0-5]\d):([0-5]\d)\.(\d{3})")


@dataclass
class Text:
    """A run of text, character references already resolved; may contain line breaks."""

    value: str


@dataclass
class Timestamp:
    """An inline timestamp ``<00:00:01.000>`` (karaoke-style captions): seconds from the start."""

    seconds: float


@dataclass
class Span:
    """An element: ``kind`` is one of SPAN_KINDS (``"root"`` for the cue itself).

    ``annotation`` is the voice name for ``v`` and the BCP 47 tag for ``lang``; ``classes`` are
    the dot-separated names after the tag name (``<c.yellow.bg_blue>``).
    """

    kind: str
    classes: list[str] = field(default_factory=list)
    annotation: str = ""
    children: list[Text | Timestamp | Span] = field(default_factory=list)
    parent: Span | None = field(default=None, repr=False, compare=False)


# --- Tokenizer (spec: "WebVTT cue text tokenizer") -------------------------------------------------


def _tokens(text: str):
    """Yield ("text", str) | ("start", name, classes, annotation) | ("end", name) | ("timestamp", str)."""
    i, n = 0, len(text)
    while i < n:
        if text[i] != "<":
            j = text.find("<", i)
            j = n if j < 0 else j
            yield ("text", html.unescape(text[i:j]))
            i = j
            continue
        i += 1  # tag state
        if i >= n:
            yield ("start", "", [], "")
            return
        c = text[i]
        if c == "/":
            j = text.find(">", i)
            j = n if j < 0 else j
            yield ("end", text[i + 1 : j])
            i = j + 1
            continue
        if c.isdigit() and c.isascii():
            j = text.find(">", i)
            j = n if j < 0 else j
            yield ("timestamp", text[i:j])
            i = j + 1
            continue
        # Start tag: name, then ".class" parts, then an annotation after whitespace.
        j = i
        while j < n and text[j] not in _SPACE + ".>":
            j += 1
        name = text[i:j]
        classes: list[str] = []
        while j < n and text[j] == ".":
            k = j + 1
            while k < n and text[k] not in _SPACE + ".>":
                k += 1
            classes.append(text[j + 1 : k])
            j = k
        annotation = ""
        if j < n and text[j] in _SPACE:
            k = text.find(">", j)
            k = n if k < 0 else k
            annotation = " ".join(html.unescape(text[j:k]).split())
            j = k
        yield ("start", name, [c for c in classes if c], annotation)
        i = j + 1


def _timestamp(token: str) -> float | None:
    m = _TIMESTAMP.fullmatch(token)
    if not m:
        return None
    h, mi, s, ms = m.groups()
    return int(h or 0) * 3600 + int(mi) * 60 + int(s) + int(ms) / 1000


def parse_cue_text(text: str) -> Span:
    """The cue payload as a tree rooted at a ``Span("root")`` (spec: "WebVTT cue text parsing rules")."""
    root = Span("root")
    current = root
    for token in _tokens(text):
        kind = token[0]
        if kind == "text":
            if token[1]:
                current.children.append(Text(token[1]))
        elif kind == "start":
            _, name, classes, annotation = token
            if name not in SPAN_KINDS or (name == "rt" and current.kind != "ruby"):
                continue
            span = Span(name, classes, annotation if name in ("v", "lang") else "", parent=current)
            current.children.append(span)
            current = span
        elif kind == "end":
            name = token[1]
            if name == current.kind and current.parent is not None:
                current = current.parent
            elif name == "ruby" and current.kind == "rt" and current.parent and current.parent.parent:
                current = current.parent.parent
        else:
            seconds = _timestamp(token[1])
            if seconds is not None:
                current.children.append(Timestamp(seconds))
    return root


# --- Reading the parts -------------------------------------------------------------------------


def _render(node: Span, with_speaker: bool, out: list[str]) -> None:
    for child in node.children:
        if isinstance(child, Text):
            out.append(child.value)
        elif isinstance(child, Span):
            if child.kind == "rt":
                continue  # ruby text is a reading aid above the base text, not more words
            if child.kind == "v" and with_speaker and child.annotation:
                out.append(f"{child.annotation}: ")
            _render(child, with_speaker, out)


def _payload(cue_or_text) -> str:
    return cue_or_text if isinstance(cue_or_text, str) else cue_or_text.text


def plain_text(cue_or_text, with_speaker: bool = True) -> str:
    """The cue's text without markup, line breaks kept: "Trainer One: Good morning." for
    ``<v Trainer One>Good morning.</v>`` (the speaker only when ``with_speaker``).

    Accepts a Cue or a payload string; never raises.
    """
    out: list[str] = []
    _render(parse_cue_text(_payload(cue_or_text)), with_speaker, out)
    return "".join(out)


def plain_lines(cue_or_text, with_speaker: bool = False) -> list[str]:
    """The non-empty lines a viewer reads on screen, each stripped of surrounding space."""
    return [line.strip() for line in plain_text(cue_or_text, with_speaker).split("\n") if line.strip()]


def transcript_text(cue_or_text) -> str:
    """One line for a transcript: the speaker's name and the words, line breaks as spaces (none
    between two Khmer words, which Khmer writes without one: lms.segmentation.join_lines)."""
    lines = plain_text(cue_or_text, with_speaker=True).split("\n")
    return join_lines([" ".join(line.split()) for line in lines])


def speakers(cue_or_text) -> list[str]:
    """The voice names of the cue, in order of appearance, without repeats."""
    names: list[str] = []

    def walk(node: Span) -> None:
        for child in node.children:
            if isinstance(child, Span):
                if child.kind == "v" and child.annotation and child.annotation not in names:
                    names.append(child.annotation)
                walk(child)

    walk(parse_cue_text(_payload(cue_or_text)))
    return names


# --- SubRip's HTML-like tags -------------------------------------------------------------------

# SubRip has no spec; players (VLC, mpv, Subtitle Edit) read <b> <i> <u>, <font ...>, the
# SubStation-style {b}/{i}/{u} switches and ASS override blocks such as {\an8}.
_SRT_MARKUP = re.compile(
    r"<(/?)([A-Za-z][A-Za-z0-9]*)(?:[ \t][^>]*)?>"  # an HTML-like tag
    r"|\{(/?)([biu])\}"  # {b} {/b}
    r"|\{\\[^}]*\}"  # ASS override codes: positions, colours, karaoke
)
_REFERENCE = re.compile(r"&(?:[A-Za-z][A-Za-z0-9]*;|#[0-9]+;|#[xX][0-9A-Fa-f]+;)")


def _escape_srt_text(text: str) -> str:
    # A "&" that starts a character reference is kept (SubRip files made from HTML carry them);
    # any other "&" and every "<" are plain text in SubRip but markup in WebVTT.
    out, i = [], 0
    for m in _REFERENCE.finditer(text):
        out.append(text[i : m.start()].replace("&", "&amp;").replace("<", "&lt;"))
        out.append(m.group(0))
        i = m.end()
    out.append(text[i:].replace("&", "&amp;").replace("<", "&lt;"))
    return "".join(out)


def srt_markup(text: str) -> str:
    """A SubRip cue's text as a WebVTT cue payload: b, i and u kept as WebVTT tags, font tags and
    ASS override codes dropped, bare ``&`` and ``<`` escaped. Line breaks are kept."""
    out, i = [], 0
    for m in _SRT_MARKUP.finditer(text):
        out.append(_escape_srt_text(text[i : m.start()]))
        name = (m.group(2) or m.group(4) or "").lower()
        if name in ("b", "i", "u"):
            out.append(f"<{'/' if (m.group(1) or m.group(3)) else ''}{name}>")
        i = m.end()
    out.append(_escape_srt_text(text[i:]))
    return "".join(out)
