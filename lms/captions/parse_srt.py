"""SubRip (.srt) and YouTube SBV (.sbv): block formats with no spec, read the way the common
players and libraries do, and turned into WebVTT cue payloads.

Decision (from the SRT conformance corpus): a block that cannot be read is dropped with a
warning naming its line and the rest of the file is kept (webvtt-py's invalid_timeframe.srt and
missing_timeframe.srt keep 4 of 5 cues); a file where no block can be read at all is rejected
(pysrt's invalid.srt, webvtt-py's invalid_format*.srt). Cues with no text are dropped, as
webvtt-py's "empty gets removed" test expects, because they show nothing.
"""

from __future__ import annotations

import re

from flask_babel import gettext as _

from .cuetext import srt_markup
from .model import Cue, ProblemLog
from .parse_vtt import _shorten, normalise_newlines
from .timecode import format_vtt

# Players (VLC, mpv, ffmpeg) read a fraction of 0 to 3 digits, or none at all ("00:00:04").
_SRT_TIME = r"(\d+):(\d{1,2}):(\d{1,2})(?:[,.](\d{0,3}))?"
SRT_TIMING = re.compile(r"[ \t]*" + _SRT_TIME + r"[ \t]*-->[ \t]*" + _SRT_TIME + r"(?:[ \t].*)?")
_SBV_TIME = r"(\d+):(\d{1,2}):(\d{1,2})(?:\.(\d{0,3}))?"
SBV_TIMING = re.compile(r"[ \t]*" + _SBV_TIME + r"," + _SBV_TIME + r"[ \t]*")
_INDEX = re.compile(r"[ \t]*\d+[ \t]*")


def _seconds(h: str, m: str, s: str, frac: str | None) -> float | None:
    if int(m) > 59 or int(s) > 59:
        return None
    # "00:00:00,1" is a tenth of a second, as a decimal fraction is read (VLC, ffmpeg).
    return int(h) * 3600 + int(m) * 60 + int(s) + int((frac or "").ljust(3, "0")) / 1000


def _short_fractions(m: re.Match[str]) -> bool:
    return any(frac is None or len(frac) < 3 for frac in (m.group(4), m.group(8)))


def _payload(lines: list[str]) -> str:
    # SubRip's HTML-like tags are read by the same rule as WebVTT cue text (cuetext.srt_markup).
    text = "\n".join(line.rstrip() for line in srt_markup("\n".join(lines)).split("\n"))
    return text.replace("-->", "--&gt;")


def _blocks(text: str) -> list[tuple[int, list[str]]]:
    """Split on blank (or whitespace-only) lines; each block keeps the line number it starts on."""
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    start = 0
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            if not current:
                start = number
            current.append(line)
        elif current:
            blocks.append((start, current))
            current = []
    if current:
        blocks.append((start, current))
    return blocks


def parse_blocks(text: str, fmt: str, log: ProblemLog) -> list[Cue]:
    text = normalise_newlines(text.replace("\0", "\ufffd"))
    timing_re = SRT_TIMING if fmt == "srt" else SBV_TIMING
    cues: list[Cue] = []
    for start_line, lines in _blocks(text):
        # A missing blank line between two cues is common in hand-edited files; starting a new
        # cue at every timing line keeps both instead of swallowing the second into the first.
        k = 0
        while k < len(lines):
            at = next((j for j in range(k, len(lines)) if "-->" in lines[j] or timing_re.fullmatch(lines[j])), None)
            if at is None:
                leftover = "\n".join(lines[k:])
                log.warning(
                    start_line + k,
                    _(
                        'Line %(line)d: the text "%(text)s" has no timing line (start --> end) above it, so it was left out.',
                        line=start_line + k,
                        text=_shorten(leftover),
                    ),
                    "no-timing",
                )
                break
            lead = lines[k:at]
            if lead and fmt == "srt" and _INDEX.fullmatch(lead[-1]):
                identifier, lead = lead[-1].strip(), lead[:-1]
            else:
                identifier = ""
            if lead:
                log.warning(
                    start_line + k,
                    _(
                        'Line %(line)d: the text "%(text)s" has no timing line (start --> end) above it, so it was left out.',
                        line=start_line + k,
                        text=_shorten("\n".join(lead)),
                    ),
                    "no-timing",
                )
            nxt = next(
                (j for j in range(at + 1, len(lines)) if "-->" in lines[j] or timing_re.fullmatch(lines[j])), len(lines)
            )
            # An index number right before the next timing line belongs to the next cue.
            body_end = (
                nxt - 1
                if nxt < len(lines) and fmt == "srt" and nxt - 1 > at and _INDEX.fullmatch(lines[nxt - 1])
                else nxt
            )
            line_no = start_line + at
            m = timing_re.fullmatch(lines[at])
            start = _seconds(*m.groups()[:4]) if m else None
            end = _seconds(*m.groups()[4:8]) if m else None
            if start is None or end is None:
                example = "00:01:05,250 --> 00:01:08,000" if fmt == "srt" else "0:01:05.250,0:01:08.000"
                log.warning(
                    line_no,
                    _(
                        'Line %(line)d: the timing "%(timing)s" cannot be read, so this caption was left out. Times are written like %(example)s.',
                        line=line_no,
                        timing=lines[at].strip()[:60],
                        example=example,
                    ),
                    "bad-timestamp",
                )
            else:
                if m is not None and _short_fractions(m):
                    log.warning(
                        line_no,
                        _(
                            'Line %(line)d: the times "%(timing)s" have fewer than 3 digits of milliseconds; they were read as %(start)s --> %(end)s. Players differ here, so write all 3 digits.',
                            line=line_no,
                            timing=lines[at].strip()[:60],
                            start=format_vtt(start),
                            end=format_vtt(end),
                        ),
                        "short-time",
                    )
                body = lines[at + 1 : body_end]
                payload = _payload(body)
                if not payload.strip():
                    log.warning(
                        line_no,
                        _("Line %(line)d: this caption has no text, so it was left out.", line=line_no),
                        "empty-cue",
                    )
                else:
                    cues.append(Cue(start=start, end=end, text=payload, identifier=identifier, line=line_no))
            k = body_end
    return cues
