"""Timestamps: the exact WebVTT rules browsers apply, a lenient reader used only to suggest a
fix, and the writers.

webvtt-py accepts `0:0:0.0`, `00:00:00.00` and reads `00:00:01.0x00` as one second; browsers drop
all of these cues, so the checks here follow the WebVTT spec's "collect a WebVTT timestamp" step
by step instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import gettext as _

DIGITS = "0123456789"
# The spec's "skip whitespace": space, tab, line feed, form feed, carriage return. Vertical tab is
# deliberately absent, which is why a timing line indented with VT is dropped by browsers.
VTT_SPACE = " \t\n\f\r"


@dataclass(frozen=True)
class TimeFailure:
    position: int  # where in the line the bad timestamp starts
    reason: str  # translated explanation


def _digits(s: str, i: int) -> tuple[str, int]:
    j = i
    while j < len(s) and s[j] in DIGITS:
        j += 1
    return s[i:j], j


def collect_vtt_timestamp(s: str, i: int) -> tuple[float | None, int, str]:
    """Read one timestamp at s[i:]; return (seconds or None, new position, reason if None)."""
    if i >= len(s):
        return None, i, _("the time is missing")
    if s[i] not in DIGITS:
        if s[i] == "-" and i + 1 < len(s) and s[i + 1] in DIGITS:
            return None, i, _("a time cannot be negative")
        return None, i, _("a time must start with a digit")
    first, i = _digits(s, i)
    hours_given = len(first) != 2 or int(first) > 59
    if i >= len(s) or s[i] != ":":
        return None, i, _("the hours, minutes and seconds must be separated by colons")
    second, i = _digits(s, i + 1)
    if len(second) != 2:
        return None, i, _("minutes and seconds must have exactly 2 digits")
    if hours_given or (i < len(s) and s[i] == ":"):
        if i >= len(s) or s[i] != ":":
            return None, i, _("a time with hours needs hours, minutes and seconds (HH:MM:SS.mmm)")
        third, i = _digits(s, i + 1)
        if len(third) != 2:
            return None, i, _("minutes and seconds must have exactly 2 digits")
        h, m, sec = int(first), int(second), int(third)
    else:
        h, m, sec = 0, int(first), int(second)
    if i >= len(s) or s[i] != ".":
        if i < len(s) and s[i] == ",":
            return None, i, _("WebVTT needs a dot before the milliseconds, not a comma (that is SRT style)")
        return None, i, _("the seconds must be followed by a dot and 3 digits of milliseconds")
    frac, i = _digits(s, i + 1)
    if len(frac) != 3:
        return None, i, _("the milliseconds must have exactly 3 digits, for example .500")
    if m > 59 or sec > 59:
        return None, i, _("minutes and seconds must be between 00 and 59")
    return h * 3600 + m * 60 + sec + int(frac) / 1000, i, ""


def skip_vtt_space(s: str, i: int) -> int:
    while i < len(s) and s[i] in VTT_SPACE:
        i += 1
    return i


@dataclass(frozen=True)
class Timing:
    start: float
    end: float
    settings: str


def parse_vtt_timing_line(line: str) -> Timing | TimeFailure:
    """The spec's "collect WebVTT cue timings and settings", reporting why it failed."""
    i = skip_vtt_space(line, 0)
    start_at = i
    start, i, why = collect_vtt_timestamp(line, i)
    if start is None:
        return TimeFailure(start_at, why)
    i = skip_vtt_space(line, i)
    if line[i : i + 3] != "-->":
        return TimeFailure(i, _("the arrow --> between the start and end time is missing or broken"))
    i = skip_vtt_space(line, i + 3)
    end_at = i
    end, i, why = collect_vtt_timestamp(line, i)
    if end is None:
        return TimeFailure(end_at, why)
    return Timing(start, end, line[i:].strip(VTT_SPACE))


_LENIENT = re.compile(r"(?:(\d+):)?(\d+):(\d+)(?:[.,:](\d+))?")


def lenient_seconds(token: str) -> float | None:
    """Best guess at what a sloppy time meant (Teams writes 0:0:3.54); only used to suggest a fix."""
    m = _LENIENT.fullmatch(token.strip())
    if not m:
        return None
    h, mi, s, frac = m.groups()
    if int(mi) > 59 or int(s) > 59:
        return None
    ms = int((frac or "0")[:3].ljust(3, "0"))
    return int(h or 0) * 3600 + int(mi) * 60 + int(s) + ms / 1000


def token_at(line: str, i: int) -> str:
    """The word starting at i, to quote the bad time back to the trainer."""
    j = i
    while j < len(line) and line[j] not in VTT_SPACE and line[j : j + 3] != "-->":
        j += 1
    if j == i:  # nothing there, or the arrow itself: quote a little of the line instead
        j = min(len(line), i + 12)
    return line[i:j][:40]


def _split_ms(seconds: float) -> tuple[int, int, int, int]:
    total = max(0, round(seconds * 1000))
    h, rest = divmod(total, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return h, m, s, ms


def format_vtt(seconds: float) -> str:
    h, m, s, ms = _split_ms(seconds)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


def format_srt(seconds: float) -> str:
    h, m, s, ms = _split_ms(seconds)
    return f"{h:02d}:{m:02d}:{s:02d},{ms:03d}"


def format_clock(seconds: float) -> str:
    """Short form for messages about stretches of the video, e.g. 1:05 or 1:02:07."""
    h, m, s, _ms = _split_ms(seconds)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"
