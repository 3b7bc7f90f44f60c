"""Checks across cues that a browser tolerates but a learner would notice.

Browsers keep all of these cues (WPT timings-negative keeps a cue that ends before it starts),
so they are warnings: the file is stored, and the trainer is told what will look wrong.
"""

from __future__ import annotations

from flask_babel import gettext as _

from .model import Cue, ProblemLog
from .timecode import format_vtt

# Rounding in other tools makes neighbouring cues overlap by a few milliseconds; nobody sees that.
OVERLAP_TOLERANCE = 0.010


def _where(cue: Cue) -> str:
    return _("Line %(line)d", line=cue.line) if cue.line else _("Caption at %(time)s", time=format_vtt(cue.start))


def check_cues(cues: list[Cue], log: ProblemLog, video_duration: float | None = None) -> None:
    previous: Cue | None = None
    latest: Cue | None = None  # the cue, so far, that ends last
    for cue in cues:
        where = _where(cue)
        if cue.end < cue.start:
            log.warning(
                cue.line,
                _(
                    "%(where)s: the end time %(end)s is before the start time %(start)s, so this caption is never shown.",
                    where=where,
                    end=format_vtt(cue.end),
                    start=format_vtt(cue.start),
                ),
                "end-before-start",
            )
        if not cue.text.strip():
            log.warning(cue.line, _("%(where)s: this caption has no text.", where=where), "empty-cue")
        if previous is not None and cue.start < previous.start:
            log.warning(
                cue.line,
                _(
                    "%(where)s: this caption starts at %(start)s, before the caption above it (%(previous)s). Players sort captions by time, so check the order is what you meant.",
                    where=where,
                    start=format_vtt(cue.start),
                    previous=format_vtt(previous.start),
                ),
                "out-of-order",
            )
        elif latest is not None and cue.start < latest.end - OVERLAP_TOLERANCE and cue.end > cue.start:
            log.warning(
                cue.line,
                _(
                    "%(where)s: this caption starts at %(start)s while the caption at %(other_time)s is still on screen (until %(other_end)s). Both will show at once, one above the other.",
                    where=where,
                    start=format_vtt(cue.start),
                    other_time=format_vtt(latest.start),
                    other_end=format_vtt(latest.end),
                ),
                "overlap",
            )
        if video_duration is not None:
            if cue.start >= video_duration:
                log.warning(
                    cue.line,
                    _(
                        "%(where)s: this caption starts at %(start)s, after the video ends (%(duration)s), so it is never shown. Is this the caption file for this video?",
                        where=where,
                        start=format_vtt(cue.start),
                        duration=format_vtt(video_duration),
                    ),
                    "past-end",
                )
            elif cue.end > video_duration + 0.5:
                log.warning(
                    cue.line,
                    _(
                        "%(where)s: this caption ends at %(end)s, after the video ends (%(duration)s).",
                        where=where,
                        end=format_vtt(cue.end),
                        duration=format_vtt(video_duration),
                    ),
                    "past-end",
                )
        previous = cue
        if cue.end > cue.start and (latest is None or cue.end > latest.end):
            latest = cue
