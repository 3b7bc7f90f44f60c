"""Which caption format a text really is, judged by its content: trainers rename files, and
tools save SubRip with a .vtt name."""

from __future__ import annotations

import re

from .parse_srt import _INDEX, SBV_TIMING
from .parse_vtt import normalise_newlines

_SRT_COMMA = re.compile(r"[ \t]*\d+:\d{1,2}:\d{1,2},\d{1,3}[ \t]*-->")


_EXTENSIONS = {
    "vtt": "vtt",
    "webvtt": "vtt",
    "srt": "srt",
    "sbv": "sbv",
    "sub": "sbv",
    "ttml": "ttml",
    "dfxp": "ttml",
    "xml": "ttml",
    "scc": "scc",
    "smi": "sami",
    "sami": "sami",
    "ass": "ass",
    "ssa": "ass",
    "lrc": "lrc",
    "rtf": "rtf",
}


def extension_format(filename: str) -> str | None:
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    return _EXTENSIONS.get(ext)


# Other subtitle formats, told by their first lines (each format's own signature):
# SubStation Alpha v4 / Advanced SubStation (Aegisub) start with a [Script Info] section;
# TTML (W3C) and DFXP (its draft name) have a <tt> root in the TTML namespace; SCC files start
# with "Scenarist_SCC V1.0"; SAMI (Microsoft) with <SAMI>; MicroDVD lines start "{frame}{frame}";
# LRC (song lyrics) lines start "[mm:ss.xx]"; RTF documents start "{\rtf".
_ASS = re.compile(r"\[(?:Script Info|V4\+? Styles|Events)\]", re.IGNORECASE)
_TTML = re.compile(r"<(?:[\w-]+:)?tt[\s>]")
_SAMI = re.compile(r"<SAMI[\s>]", re.IGNORECASE)
_MICRODVD = re.compile(r"\{\d+\}\{\d*\}")
_LRC = re.compile(r"\[\d{1,3}:\d{2}(?:[.:]\d{1,3})?\]")
_LRC_TAG = re.compile(r"\[(?:ar|ti|al|by|offset|length|re|ve):[^\]]*\]", re.IGNORECASE)


def other_format(text: str) -> str | None:
    """The key of another known text format ("ass", "ttml", "scc", "sami", "microdvd", "lrc",
    "rtf") when the text's first lines are that format's, else None."""
    head = text.lstrip("\ufeff \t\r\n")[:4000]
    first = head.split("\n", 1)[0].strip()
    if head.startswith("{\\rtf"):
        return "rtf"
    if first.startswith("Scenarist_SCC"):
        return "scc"
    if _ASS.match(first):
        return "ass"
    if head.startswith("<"):
        if _SAMI.search(head[:2000]):
            return "sami"
        if _TTML.search(head) and ("ttml" in head or "ttaf1" in head):
            return "ttml"
    if "-->" not in head:
        if _MICRODVD.match(first):
            return "microdvd"
        lines = [line.strip() for line in head.split("\n") if line.strip()][:20]
        if (
            lines
            and all(_LRC.match(line) or _LRC_TAG.fullmatch(line) for line in lines)
            and any(_LRC.match(line) for line in lines)
        ):
            return "lrc"
    return None


def detect_format(text: str, filename: str = "") -> str:
    head = text.lstrip("\ufeff")
    first = head.split("\n", 1)[0].strip().upper()
    if first.startswith("WEBVT"):  # "WEBVTT", or a near miss reported against WebVTT
        return "vtt"
    other = other_format(head)
    if other:
        return other
    lines = normalise_newlines(text).split("\n")[:2000]
    has_arrow = False
    for k, line in enumerate(lines):
        if _SRT_COMMA.match(line):
            return "srt"
        if "-->" in line:
            has_arrow = True
            # SubRip written with dots still numbers its cues; WebVTT without a header rarely does.
            if k > 0 and _INDEX.fullmatch(lines[k - 1]) and (k == 1 or not lines[k - 2].strip()):
                return "srt"
        elif SBV_TIMING.fullmatch(line):
            return "sbv"
    if has_arrow:
        # WebVTT with its header missing, unless the name says SubRip: report what is wrong with
        # the format the trainer meant to upload.
        return "srt" if extension_format(filename) == "srt" else "vtt"
    named = extension_format(filename)
    return named if named in ("vtt", "srt", "sbv") else "vtt"
