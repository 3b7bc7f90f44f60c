"""A unit's caption tracks: upload, check, confirm, edit one cue, download, delete.

An upload (WebVTT or SubRip, any common encoding) is read by lms.captions, and the trainer sees
a report first: the validation problems and the quality figures (BBC/Ofcom-style limits in
lms.captions.quality). A file without errors waits as a PendingCaption until the trainer
confirms it; only then does it replace the live track of the same language and kind. Tracks are
stored as WebVTT text; cues are numbered from 1 in time order.
"""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from pathlib import Path

from flask_babel import gettext as _
from flask_babel import pgettext
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lms.captions import CaptionReport, Cue, Problem, detect_speech, quality_check, read_captions, to_srt, to_vtt
from lms.captions.quality import MAX_CHARS_PER_LINE, MAX_CPS, MAX_LINES, MAX_SECONDS, MIN_SECONDS, visible_lines
from lms.captions.timecode import format_vtt
from lms.errors import FieldErrors, LmsError, NotFound
from lms.models import CaptionTrack, PendingCaption, Unit, User
from lms.models._types import utcnow
from lms.models.media import CAPTION_KINDS
from lms.services.editing import saving
from lms.text import language_name, normalize_language

log = logging.getLogger(__name__)

#: Problems the quality report lists; the validation list leaves these out, so none shows twice.
QUALITY_CODES = frozenset(
    {
        "too-many-lines",
        "line-too-long",
        "too-short",
        "reading-rate",
        "too-long",
        "speech-coverage",
        "uncaptioned-speech",
    }
)
#: Caption uploads not confirmed within this time are cleaned away.
PENDING_LIFETIME = timedelta(days=2)
#: Tags a WebVTT cue may carry (the spec's cue text tags); anything else a trainer types is shown
#: as text, never as markup.
_VTT_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)?")
_VTT_TAGS = frozenset({"b", "i", "u", "c", "v", "lang", "ruby", "rt"})
_CLOCK = re.compile(r"^(\d{1,3}):(\d{2}):(\d{2})[.,](\d{3})$")


def parse_clock(text: str) -> float | None:
    """ "00:01:05.250" → 65.25 seconds; None for anything else (negative, 00:61:00.000, missing parts)."""
    match = _CLOCK.match((text or "").strip())
    if not match:
        return None
    h, m, s, ms = (int(g) for g in match.groups())
    if m > 59 or s > 59:
        return None
    return h * 3600 + m * 60 + s + ms / 1000


def safe_cue_text(text: str) -> str:
    """A trainer's cue text as a WebVTT payload: cue tags (b, i, u, v, lang…) kept, any other
    "<" written as a character reference, so "<script>" shows as text in every player."""
    text = "\n".join(line.strip() for line in (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    text = re.sub(r"\n{2,}", "\n", text).strip()
    text = re.sub(r"&(?!#\d+;|#x[0-9a-fA-F]+;|[A-Za-z]+;)", "&amp;", text)

    def keep_or_escape(match: re.Match[str]) -> str:
        name = (match.group(2) or "").lower()
        return match.group(0) if name in _VTT_TAGS else "&lt;" + match.group(0)[1:]

    return _VTT_TAG.sub(keep_or_escape, text)


# --- Upload, report, confirm ---------------------------------------------------------------------


def _problem_dict(p: Problem) -> dict:
    return {"line": p.line, "message": p.message, "severity": p.severity, "code": p.code}


def build_report(report: CaptionReport, video_duration: float | None, speech: list[tuple[float, float]] | None) -> dict:
    """The validation list and the quality figures, as plain JSON for the report page.
    `video_duration` is in seconds; `speech` is (start, end) seconds of detected speech, or None
    when speech was not checked."""
    quality = quality_check(report.cues, video_duration=video_duration, speech=speech)
    durations = [c.end - c.start for c in report.cues if c.end > c.start]
    return {
        "format": report.source_format,
        "encoding": report.encoding,
        "errors": [_problem_dict(p) for p in report.errors],
        "warnings": [_problem_dict(p) for p in report.warnings if p.code not in QUALITY_CODES],
        "quality": {
            "warnings": [_problem_dict(p) for p in quality.warnings],
            "cues": len(report.cues),
            "max_chars_per_line": quality.max_chars_per_line,
            "max_lines": quality.max_lines,
            "max_cps": quality.max_cps,
            "shortest": round(min(durations), 3) if durations else None,
            "longest": round(max(durations), 3) if durations else None,
            "share_of_speech": quality.share_of_speech_captioned,
            "speech_checked": speech is not None,
        },
        "limits": {
            "chars": MAX_CHARS_PER_LINE,
            "lines": MAX_LINES,
            "cps": MAX_CPS,
            "min": MIN_SECONDS,
            "max": MAX_SECONDS,
        },
    }


def _speech(unit: Unit, media_dir: Path) -> list[tuple[float, float]] | None:
    if unit.video is None:
        return None
    try:
        return detect_speech(Path(media_dir) / unit.video.filename)
    except Exception:  # no ffmpeg, or the file went missing: the report says speech was not checked
        log.warning("speech detection failed for %s", unit.video.filename, exc_info=True)
        return None


@dataclass
class CaptionCheck:
    """The report on an upload, and the pending captions when the file may go live."""

    report: dict
    pending: PendingCaption | None

    @property
    def accepted(self) -> bool:
        return self.pending is not None


def check_captions(
    session: Session, unit: Unit, user: User, data: bytes, filename: str, *, language: str, kind: str, media_dir: Path
) -> CaptionCheck:
    """Read an upload and report on it. A file without errors is kept as pending (not live); a
    rejected file is not stored at all. Raises FieldErrors ("kind", "language")."""
    if kind not in CAPTION_KINDS:
        raise FieldErrors({"kind": _("Choose what the track contains.")})
    try:
        language = normalize_language(language)
    except ValueError as err:
        raise FieldErrors({"language": str(err)}) from None
    duration = unit.video.duration if unit.video else None
    result = read_captions(data, filename or "", video_duration=duration)
    if result.accepted and not result.cues:
        # A browser accepts such a file and shows nothing: report it as it is, but it cannot go live.
        result.warnings.append(
            Problem(
                0,
                _(
                    "This file holds no caption a player would show, so it cannot be used. "
                    "Fix the lines named above and upload it again."
                ),
                "warning",
                "no-cues",
            )
        )
    speech = _speech(unit, media_dir) if result.accepted else None
    report = build_report(result, duration, speech)
    report["filename"] = (filename or "")[-200:]
    if not result.accepted:
        return CaptionCheck(report, None)
    _drop_stale_pending(session)
    pending = PendingCaption(
        token=secrets.token_urlsafe(32),
        unit_id=unit.id,
        user_id=user.id,
        language=language,
        kind=kind,
        original_name=(filename or "")[-200:],
        vtt=to_vtt(result.cues, language=language, blocks=result.blocks),
        cue_count=len(result.cues),
        report=report,
    )
    session.add(pending)
    session.flush()
    return CaptionCheck(report, pending)


def _drop_stale_pending(session: Session) -> None:
    session.execute(delete(PendingCaption).where(PendingCaption.created_at < utcnow() - PENDING_LIFETIME))


def get_pending(session: Session, unit: Unit, token: str) -> PendingCaption:
    """The unit's pending captions with this token, or NotFound (used, discarded or expired)."""
    pending = session.scalars(select(PendingCaption).where(PendingCaption.token == token)).first()
    if pending is None or pending.unit_id != unit.id:
        raise NotFound(
            _("These captions are no longer waiting: they were used, discarded or expired. Upload the file again.")
        )
    return pending


def confirm_captions(session: Session, pending: PendingCaption) -> CaptionTrack:
    """Make pending captions live, replacing the unit's track of the same language and kind."""
    if not pending.cue_count:
        raise LmsError(
            _("These captions hold no cue a player would show, so they cannot go live. Upload a corrected file.")
        )
    unit = pending.unit
    track = next((t for t in unit.caption_tracks if t.language == pending.language and t.kind == pending.kind), None)
    if track is None:
        track = CaptionTrack(language=pending.language, kind=pending.kind)
        unit.caption_tracks.append(track)
    track.label = language_name(pending.language)
    track.vtt = pending.vtt
    track.cue_count = pending.cue_count
    session.delete(pending)
    session.flush()
    return track


def discard_pending(session: Session, pending: PendingCaption) -> None:
    """Forget an upload that was not confirmed; the live track is unchanged."""
    session.delete(pending)
    session.flush()


# --- Live tracks ---------------------------------------------------------------------------------


def get_track(session: Session, track_id: int) -> CaptionTrack:
    """The caption track, or NotFound."""
    track = session.get(CaptionTrack, track_id)
    if track is None:
        raise NotFound()
    return track


#: Parsed tracks kept per worker. Every unit page shows up to four tracks (captions, a second
#: language, descriptions, chapters) and parsing them was a seventh of its time (bench/RESULTS.md).
PARSED_TRACKS = 64


@lru_cache(maxsize=PARSED_TRACKS)
def _parsed(vtt: str) -> tuple[Cue, ...]:
    # Keyed by the text itself, so an edited track (new text) is parsed again and nothing goes stale.
    return tuple(read_captions(vtt.encode("utf-8"), "track.vtt").cues)


def cues_of(vtt: str) -> list[Cue]:
    """The cues of a stored WebVTT track, in time order (the learner's transcript reads these).

    A new list each call (callers may change it); the cues themselves are frozen and shared."""
    return list(_parsed(vtt))


def cue_plain_text(cue: Cue) -> str:
    """A cue's text as a person reads it: tags removed, one line per line shown."""
    return "\n".join(visible_lines(cue.text))


def update_cue(
    session: Session, track: CaptionTrack, number: int, start: str, end: str, text: str, *, version: int | None
) -> Cue:
    """Change one cue (numbered from 1 in time order). `version` is the track's version the cue
    form was opened at: the whole track is stored as one text, so any other save since is
    EditConflict. FieldErrors names every problem at once ("start", "end", "text"); a number with
    no cue is NotFound."""
    with saving(session, track, version, "vtt"):
        return _replace_cue(track, number, start, end, text)


def _replace_cue(track: CaptionTrack, number: int, start: str, end: str, text: str) -> Cue:
    cues = cues_of(track.vtt)
    if not 1 <= number <= len(cues):
        raise NotFound()
    errors: dict[str, str] = {}
    start_s, end_s = parse_clock(start), parse_clock(end)
    if start_s is None:
        errors["start"] = _("Enter the start time as hours, minutes, seconds and milliseconds, like 00:01:05.250.")
    if end_s is None:
        errors["end"] = _("Enter the end time as hours, minutes, seconds and milliseconds, like 00:01:08.000.")
    if start_s is not None and end_s is not None and end_s <= start_s:
        errors["end"] = _("The end time must be after the start time (%(start)s).", start=format_vtt(start_s))
    payload = safe_cue_text(text)
    if not payload:
        errors["text"] = _("Enter the caption text.")
    if errors or start_s is None or end_s is None:
        raise FieldErrors(errors)
    old = cues[number - 1]
    cues[number - 1] = Cue(start=start_s, end=end_s, text=payload, identifier=old.identifier, settings=old.settings)
    # STYLE and REGION blocks are part of the track: an edited cue must not lose them.
    track.vtt = to_vtt(
        cues, language=track.language, blocks=read_captions(track.vtt.encode("utf-8"), "track.vtt").blocks
    )
    track.cue_count = len(cues)
    return cues[number - 1]


def delete_track(session: Session, track: CaptionTrack) -> None:
    """Delete a live track from its unit."""
    track.unit.caption_tracks.remove(track)
    session.flush()


def track_download(track: CaptionTrack, fmt: str) -> tuple[str, str]:
    """(text, mime type) of the track as WebVTT ("vtt") or SubRip ("srt"); any other is NotFound."""
    if fmt == "vtt":
        return track.vtt, "text/vtt"
    if fmt == "srt":
        return to_srt(cues_of(track.vtt)), "application/x-subrip"
    raise NotFound()


def kind_name(kind: str) -> str:
    """A track kind (HTML Standard, the track element's kind attribute) as a sentence names it,
    in the interface language: "captions", "subtitles", "descriptions", "chapters"."""
    names = {
        "captions": pgettext("track kind", "captions"),
        "subtitles": pgettext("track kind", "subtitles"),
        "descriptions": pgettext("track kind", "descriptions"),
        "chapters": pgettext("track kind", "chapters"),
    }
    return names.get(kind, kind)
