"""Caption quality against the DCMP Captioning Key and the BBC subtitle guidelines.

The figures are the common ground of both: at most 2 lines of at most 42 characters, a reading
rate of at most 20 characters a second, and each caption on screen for 1 to 7 seconds. Deaf and
hard-of-hearing learners rely on every caption being readable in the time it is shown.

A "character" is what a viewer sees: a grapheme cluster (lms.segmentation.width, ICU), so a
Khmer syllable with its stacked vowel and subscript consonant counts once, not as 3 to 6 code
points.
"""

from __future__ import annotations

from flask_babel import gettext as _

from lms.segmentation import join_lines, wrap
from lms.segmentation import width as visible_width

from .cuetext import plain_lines
from .model import Cue, ProblemLog, QualityReport
from .timecode import format_clock, format_vtt
from .validate import _where

MAX_LINES = 2
MAX_CHARS_PER_LINE = 42
MAX_CPS = 20.0
MIN_SECONDS = 1.0
MAX_SECONDS = 7.0
#: Speech that runs this long with no caption is worth naming by time.
GAP_WORTH_NAMING = 3.0
#: Below this share of the speech time captioned, say so as a whole-file warning.
MIN_SHARE = 0.9


def visible_lines(text: str) -> list[str]:
    """The cue text as a viewer reads it on screen: markup parsed by the WebVTT cue text rules
    (cuetext.plain_lines), character references resolved, no speaker names (browsers do not show
    the voice annotation), ruby text left out; non-empty lines only."""
    return plain_lines(text, with_speaker=False)


def visible_length(line: str) -> int:
    """Characters as the eye counts them: grapheme clusters (Khmer, Thai, Lao... stack vowel signs
    and subscript consonants on a base letter, so counting code points would flag ordinary Khmer
    lines as too long), zero-width spaces and other invisible marks not counted."""
    return visible_width(line)


def suggested_lines(text: str) -> list[str] | None:
    """The cue's visible words broken again at word boundaries (lms.segmentation.wrap: ICU line
    breaks, an author's zero-width spaces first) into lines of at most MAX_CHARS_PER_LINE
    characters, as even as they can be; None when they need more than MAX_LINES lines (the caption must be split in time)."""
    lines = wrap(join_lines(visible_lines(text)), MAX_CHARS_PER_LINE, balance=True)
    return lines if lines and len(lines) <= MAX_LINES else None


def _suggestion(text: str) -> str:
    lines = suggested_lines(text)
    if lines is None:
        return ""
    return " " + _("Broken at word boundaries, it fits: %(lines)s", lines=" / ".join(f"“{line}”" for line in lines))


def _merge(intervals: list[tuple[float, float]]) -> list[tuple[float, float]]:
    merged: list[tuple[float, float]] = []
    for a, b in sorted((a, b) for a, b in intervals if b > a):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def _uncovered(speech: list[tuple[float, float]], covered: list[tuple[float, float]]) -> list[tuple[float, float]]:
    gaps = []
    for a, b in speech:
        cursor = a
        for c, d in covered:
            if d <= cursor or c >= b:
                continue
            if c > cursor:
                gaps.append((cursor, c))
            cursor = max(cursor, d)
        if cursor < b:
            gaps.append((cursor, b))
    return gaps


def quality_check(
    cues: list[Cue], video_duration: float | None = None, speech: list[tuple[float, float]] | None = None
) -> QualityReport:
    log = ProblemLog()
    report = check_quality_into(log, cues, video_duration, speech)
    report.warnings = log.finish()
    return report


def check_quality_into(
    log: ProblemLog,
    cues: list[Cue],
    video_duration: float | None = None,
    speech: list[tuple[float, float]] | None = None,
) -> QualityReport:
    """The checks, adding to a log shared with validation so one list comes out in line order."""
    report = QualityReport(cues_checked=len(cues))
    for cue in cues:
        lines = visible_lines(cue.text)
        if not lines:
            continue  # empty cues are reported by validation
        where = _where(cue)
        lengths = [visible_length(line) for line in lines]
        report.max_lines = max(report.max_lines, len(lines))
        report.max_chars_per_line = max(report.max_chars_per_line, max(lengths))
        if len(lines) > MAX_LINES:
            log.warning(
                cue.line,
                _(
                    "%(where)s: this caption has %(count)d lines; keep it to %(max)d so it does not cover the picture.",
                    where=where,
                    count=len(lines),
                    max=MAX_LINES,
                )
                + _suggestion(cue.text),
                "too-many-lines",
            )
        longest = max(lengths)
        if longest > MAX_CHARS_PER_LINE:
            log.warning(
                cue.line,
                _(
                    "%(where)s: a line has %(count)d characters; keep lines to %(max)d or fewer so they fit on small screens.",
                    where=where,
                    count=longest,
                    max=MAX_CHARS_PER_LINE,
                )
                + ("" if len(lines) > MAX_LINES else _suggestion(cue.text)),
                "line-too-long",
            )
        duration = cue.end - cue.start
        if duration == 0:
            log.warning(
                cue.line,
                _(
                    "%(where)s: this caption starts and ends at the same moment (%(time)s), so it is never shown.",
                    where=where,
                    time=format_vtt(cue.start),
                ),
                "too-short",
            )
            continue
        if duration < 0:
            continue  # validation reports end-before-start
        cps = sum(lengths) / duration
        report.max_cps = max(report.max_cps, round(cps, 1))
        if cps > MAX_CPS:
            log.warning(
                cue.line,
                _(
                    "%(where)s: %(cps).0f characters a second is too fast to read; aim for %(max)d or fewer by showing the caption longer or shortening it.",
                    where=where,
                    cps=cps,
                    max=int(MAX_CPS),
                ),
                "reading-rate",
            )
        if duration < MIN_SECONDS:
            log.warning(
                cue.line,
                _(
                    "%(where)s: this caption is shown for only %(seconds).2f seconds; show each caption for at least %(min)d second.",
                    where=where,
                    seconds=duration,
                    min=int(MIN_SECONDS),
                ),
                "too-short",
            )
        elif duration > MAX_SECONDS:
            log.warning(
                cue.line,
                _(
                    "%(where)s: this caption stays on screen for %(seconds).1f seconds; split it so no caption stays longer than %(max)d seconds.",
                    where=where,
                    seconds=duration,
                    max=int(MAX_SECONDS),
                ),
                "too-long",
            )
    if speech is not None:
        limit = video_duration if video_duration is not None else float("inf")
        spoken = _merge([(max(0.0, a), min(b, limit)) for a, b in speech])
        total = sum(b - a for a, b in spoken)
        if total > 0:
            covered = _merge([(c.start, c.end) for c in cues if visible_lines(c.text)])
            gaps = _uncovered(spoken, covered)
            report.share_of_speech_captioned = max(0.0, min(1.0, 1 - sum(b - a for a, b in gaps) / total))
            if report.share_of_speech_captioned < MIN_SHARE:
                log.warning(
                    0,
                    _(
                        "Only %(percent)d%% of the speech in the video has captions; learners who cannot hear it will miss the rest.",
                        percent=int(report.share_of_speech_captioned * 100),
                    ),
                    "speech-coverage",
                )
            for a, b in gaps:
                if b - a >= GAP_WORTH_NAMING:
                    log.warning(
                        0,
                        _(
                            "Someone seems to speak from %(start)s to %(end)s, but there is no caption then.",
                            start=format_clock(a),
                            end=format_clock(b),
                        ),
                        "uncaptioned-speech",
                    )
    return report
