"""Which caption format a text really is, judged by its content: trainers rename files, and
tools save SubRip with a .vtt name."""
from __future__ import annotations

import re

from .parse_srt import _INDEX, SBV_TIMING
from .parse_vtt import normalise_newlines

_SRT_COMMA = re.compile(r"[ \t]*\d+:\d{1,2}:\d{1,2},\d{1,3}[ \t]*-->")


def extension_format(filename: str) -> str | None:
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    return {"vtt": "vtt", "webvtt": "vtt", "srt": "srt", "sbv": "sbv", "sub": "sbv"}.get(ext)


def detect_format(text: str, filename: str = "") -> str:
    head = text.lstrip("\ufeff")
    first = head.split("\n", 1)[0].strip().upper()
    if first.startswith("WEBVT"):  # "WEBVTT", or a near miss reported against WebVTT
        return "vtt"
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
    return extension_format(filename) or "vtt"
