"""What the unit page's player shows for one learner: which caption track is the default and
which is second, the transcript rows (one or two languages, with the audio descriptions marked),
the chapters, which video file to play and the caption style classes.

Plain data for the template; nothing here depends on a request. The learner's choices come from
lms.services.preferences. Cue times are seconds (floats), as WebVTT cues give them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.models import CaptionTrack, Unit
from lms.models.preferences import SPEEDS
from lms.services import renditions
from lms.services.caption_tracks import cues_of
from lms.services.preferences import PlayerSettings
from lms.services.renditions import Version

TEXT_KINDS = ("captions", "subtitles")

RENDITION_LABELS = {
    "video": _l("Video"),
    "small": _l("Small video (240p)"),
    "audio": _l("Audio only"),
    "transcript": _l("Transcript only (nothing downloads)"),
}


def version_label(version: Version) -> str:
    """ "Audio only (0.3 MB)": a version's name and the megabytes it costs, in the page's locale."""
    if version.kind == "transcript":
        return str(RENDITION_LABELS["transcript"])
    mb = format_decimal(max(version.size_bytes / 1048576, 0.1), format="#,##0.0")
    return _("%(version)s (%(mb)s MB)", version=RENDITION_LABELS[version.kind], mb=mb)


@dataclass
class Row:
    """One line of the transcript: a caption cue (with its second-language text when there is
    one), or an audio description (description=True)."""

    start: float
    end: float
    text: str
    lang: str
    second: str = ""
    second_lang: str = ""
    description: bool = False


@dataclass(frozen=True)
class Chapter:
    start: float
    title: str


@dataclass
class Player:
    """Everything the player macro needs; `tracks` in the order the <video> lists them."""

    tracks: list[CaptionTrack] = field(default_factory=list)
    #: The caption track marked <track default>: the learner's first language.
    first: CaptionTrack | None = None
    #: The second caption language shown above the first (and beside it in the transcript).
    second: CaptionTrack | None = None
    #: The transcript's main language (the first, unless the page asked for another).
    transcript: CaptionTrack | None = None
    descriptions: CaptionTrack | None = None
    rows: list[Row] = field(default_factory=list)
    chapters: list[Chapter] = field(default_factory=list)
    #: Play the trainer's described version of the video instead of the plain one.
    described: bool = False
    settings: PlayerSettings = field(default_factory=PlayerSettings)
    #: The ways to take this video (full, 240p, audio only, transcript only) with their sizes, and
    #: the one played: the learner's choice when this video has it, else the full video.
    versions: list[Version] = field(default_factory=list)
    version: Version | None = None

    @property
    def version_label(self) -> str:
        return version_label(self.version) if self.version is not None else ""

    @property
    def media_element(self) -> str:
        """ "audio" when the learner takes the sound alone, else "video"."""
        return "audio" if self.version is not None and self.version.kind == "audio" else "video"

    @property
    def speeds(self) -> list[tuple[float, str]]:
        return [(s, speed_label(s)) for s in SPEEDS]

    @property
    def caption_languages(self) -> list[CaptionTrack]:
        return [t for t in self.tracks if t.kind in TEXT_KINDS]

    @property
    def caption_classes(self) -> str:
        """Classes that style the captions (static/css/sala.css, "player" block): size, colours,
        background opacity. Classes, not an inline style, so the strict CSP needs no new hash."""
        s = self.settings
        return f"cues-{s.caption_size} cues-{s.caption_colours} cues-bg-{s.caption_opacity}"


def speed_label(speed: float) -> str:
    """ "1.25×"; the normal speed says so."""
    return _("%(n)s× (normal)", n="1") if speed == 1 else f"{speed:g}×"


def _track(tracks: list[CaptionTrack], language: str | None) -> CaptionTrack | None:
    if not language:
        return None
    exact = next((t for t in tracks if t.language == language), None)
    if exact is not None:
        return exact
    # "en" asked, "en-GB" stored (or the reverse): the same language is better than none.
    base = language.split("-")[0].lower()
    return next((t for t in tracks if t.language.split("-")[0].lower() == base), None)


def _pair(first: list, second: list) -> list[str]:
    """Each second-language cue joins the first-language cue it overlaps most, so no words are
    lost when the two tracks cut the speech at different times. Returns the joined second text
    for each first cue."""
    joined: list[list[str]] = [[] for _ in first]
    for cue in second:
        if not first or not cue.transcript_text:
            continue
        overlaps = [min(cue.end, f.end) - max(cue.start, f.start) for f in first]
        best = max(range(len(first)), key=lambda i: (overlaps[i], -abs(first[i].start - cue.start)))
        if overlaps[best] <= 0:  # no overlap at all: the cue whose start is nearest
            best = min(range(len(first)), key=lambda i: abs(first[i].start - cue.start))
        joined[best].append(cue.transcript_text)
    return [" ".join(parts) for parts in joined]


def build(
    unit: Unit,
    settings: PlayerSettings,
    *,
    course_language: str = "",
    transcript_language: str | None = None,
    described: bool | None = None,
) -> Player:
    """The player for this unit and these settings.

    transcript_language: the language the page asked the transcript in (`?lang=`), or None for
    the learner's first language. described: True/False when the page asked for the described
    video or the plain one, None to follow the descriptions setting."""
    player = Player(settings=settings)
    all_tracks = list(unit.caption_tracks)
    texts = [t for t in all_tracks if t.kind in TEXT_KINDS]
    first = _track(texts, settings.caption_language) or _track(texts, course_language) or (texts[0] if texts else None)
    second = _track(texts, settings.second_language)
    if second is first:
        second = None
    player.first, player.second = first, second
    # The default track first: some players show the first track whatever `default` says.
    ordered = [t for t in (first, second) if t is not None]
    player.tracks = ordered + [t for t in all_tracks if t not in ordered]

    main = _track(texts, transcript_language) or first
    other = second if main is first else (first if main is not None else None)
    player.transcript = main
    player.descriptions = _track(
        [t for t in all_tracks if t.kind == "descriptions"], main.language if main else course_language
    ) or next((t for t in all_tracks if t.kind == "descriptions"), None)

    rows: list[Row] = []
    if main is not None:
        cues = [c for c in cues_of(main.vtt) if c.transcript_text]
        seconds = _pair(cues, cues_of(other.vtt)) if other is not None else [""] * len(cues)
        for cue, text in zip(cues, seconds, strict=True):
            rows.append(
                Row(
                    cue.start,
                    cue.end,
                    cue.transcript_text,
                    main.language,
                    second=text,
                    second_lang=other.language if other is not None and text else "",
                )
            )
    if player.descriptions is not None and rows:
        for cue in cues_of(player.descriptions.vtt):
            if cue.transcript_text:
                rows.append(
                    Row(cue.start, cue.end, cue.transcript_text, player.descriptions.language, description=True)
                )
        # A description comes before the words spoken at the same moment: it sets the scene.
        rows.sort(key=lambda r: (r.start, not r.description))
    player.rows = rows

    chapters = next((t for t in all_tracks if t.kind == "chapters"), None)
    if chapters is not None:
        player.chapters = [Chapter(c.start, c.transcript_text) for c in cues_of(chapters.vtt) if c.transcript_text]

    has_described = bool(unit.video is not None and unit.video.described_filename)
    player.described = has_described and (settings.descriptions if described is None else described)
    if unit.video is not None:
        player.versions = renditions.versions(unit.video)
        offered = {v.kind: v for v in player.versions}
        # The described version replaces the full video only: it has no smaller renditions.
        wanted = "video" if player.described and settings.rendition in ("small", "audio") else settings.rendition
        player.version = offered.get(wanted) or offered["video"]
    return player
