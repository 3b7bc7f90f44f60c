"""read_captions: from uploaded bytes to the cues a browser would show, with every problem named."""

from __future__ import annotations

import logging

from flask_babel import gettext as _

from .convert import LIBRARY_FORMATS, read_with_library
from .decode import decode
from .detect import detect_format, extension_format
from .model import ERROR, CaptionReport, ProblemLog, StyleBlock
from .parse_srt import parse_blocks
from .parse_vtt import parse_vtt
from .quality import check_quality_into
from .validate import check_cues

logger = logging.getLogger(__name__)

_FORMAT_NAMES = {
    "vtt": "WebVTT (.vtt)",
    "srt": "SubRip (.srt)",
    "sbv": "YouTube SBV (.sbv)",
    "ttml": "TTML / DFXP (.ttml, .dfxp, .xml)",
    "scc": "Scenarist SCC (.scc)",
    "sami": "SAMI (.smi)",
    "ass": "SubStation Alpha / Advanced SubStation (.ssa, .ass)",
    "microdvd": "MicroDVD (.sub)",
    "lrc": "LRC song lyrics (.lrc)",
    "rtf": "Rich Text Format document (.rtf)",
}


# Formats that are known but hold no captions that can be converted: named with what to do instead.
_NOT_CAPTIONS = {
    "lrc": lambda: _(
        "This is an LRC song-lyrics file: it gives only the time each line starts, so it cannot be used as captions. Export the captions from your tool as WebVTT (.vtt) or SubRip (.srt)."
    ),
    "rtf": lambda: _(
        "This is a word-processor document (RTF), not a caption file. Save or export the captions as WebVTT (.vtt) or SubRip (.srt) and upload that file."
    ),
    "microdvd": lambda: _(
        "This is a MicroDVD (.sub) subtitle file: its times count video frames, not seconds. Convert it to WebVTT (.vtt) or SubRip (.srt), for example with Subtitle Edit, and upload that file."
    ),
}


def read_captions(data: bytes, filename: str = "", video_duration: float | None = None) -> CaptionReport:
    """Decode, recognise, parse and check a caption upload. Never raises on bad input."""
    try:
        return _read(bytes(data), filename or "", video_duration)
    except Exception:  # a bug here must not become a 500 page for a trainer's upload
        logger.exception("caption file could not be read: %r", filename)
        log = ProblemLog()
        log.error(
            0,
            _(
                "This caption file could not be read. Please check it is a WebVTT (.vtt) or SubRip (.srt) file, or send it to the support team."
            ),
            "unreadable",
        )
        return CaptionReport([], log.finish(), [], extension_format(filename or "") or "vtt", "")


def _read(data: bytes, filename: str, video_duration: float | None) -> CaptionReport:
    log = ProblemLog()
    decoded = decode(data)
    log.extend(decoded.problems)
    named = extension_format(filename)
    if decoded.text is None:
        return _report([], log, named or "vtt", decoded.encoding)

    fmt = detect_format(decoded.text, filename)
    if fmt in _NOT_CAPTIONS:
        log.error(0, _NOT_CAPTIONS[fmt](), "other-format")
        return _report([], log, fmt, decoded.encoding)
    if named and named != fmt:
        log.warning(
            0,
            _(
                "This file is named %(name)s, but it is really a %(real)s file. It was read as %(real)s; captions are stored as WebVTT either way.",
                name=filename.rsplit("/", 1)[-1],
                real=_FORMAT_NAMES[fmt],
            ),
            "wrong-format",
        )

    blocks: list[StyleBlock] = []
    if fmt in LIBRARY_FORMATS:
        cues = read_with_library(decoded.text, fmt, log)
        if not cues and not log.has_errors():
            log.error(
                0, _("No captions could be read from this %(format)s file.", format=_FORMAT_NAMES[fmt]), "no-cues"
            )
    elif fmt == "vtt":
        cues, signature_ok = parse_vtt(decoded.text, log, blocks)
        if signature_ok and not cues:
            log.warning(
                0, _("The file is a valid WebVTT file, but it has no captions that a browser can show."), "no-cues"
            )
    else:
        cues = parse_blocks(decoded.text, fmt, log)
        if not cues:
            # Without a spec to fall back on, an SRT file with nothing readable is more likely the
            # wrong file than an intentionally empty one.
            log.error(
                0,
                _(
                    "No captions could be read from this %(format)s file. Each caption needs a number, a timing line like 00:00:01,000 --> 00:00:04,000 and its text.",
                    format=_FORMAT_NAMES[fmt],
                ),
                "no-cues",
            )

    check_cues(cues, log, video_duration)
    check_quality_into(log, cues, video_duration=video_duration)
    return _report(cues, log, fmt, decoded.encoding, blocks)


def _report(cues, log: ProblemLog, fmt: str, encoding: str, blocks: list[StyleBlock] | None = None) -> CaptionReport:
    problems = log.finish()
    return CaptionReport(
        cues=cues,
        errors=[p for p in problems if p.severity == ERROR],
        warnings=[p for p in problems if p.severity != ERROR],
        source_format=fmt,
        encoding=encoding,
        blocks=blocks or [],
    )
