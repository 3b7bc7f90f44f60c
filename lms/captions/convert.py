"""Caption formats Sala reads through libraries rather than parsers of its own, turned into cues.

- TTML / DFXP, Scenarist SCC and SAMI through pycaption (Apache-2.0,
  https://github.com/pbs/pycaption): its CaptionSet gives start and end in microseconds and text,
  break and style nodes per caption.
- SubStation Alpha / Advanced SubStation (.ssa/.ass, Aegisub) through pysubs2 (MIT,
  https://github.com/tkarabela/pysubs2): its events give start and end in milliseconds, the
  speaker's name and the text without override codes.

Each cue's text becomes a WebVTT cue payload (characters escaped, italics as ``<i>``, an ASS
speaker as a voice span) so the rest of the pipeline (checks, quality, transcript, writing) is the
same as for an uploaded WebVTT file. Whatever the library raises or warns becomes a Problem in
plain words; nothing here raises on bad input.
"""

from __future__ import annotations

import logging
import re
import warnings

from flask_babel import gettext as _

from .model import Cue, ProblemLog

logger = logging.getLogger(__name__)

#: The formats this module reads, with their names for messages.
LIBRARY_FORMATS = {
    "ttml": "TTML / DFXP",
    "scc": "Scenarist SCC",
    "sami": "SAMI",
    "ass": "SubStation Alpha / Advanced SubStation",
}


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _detail(exc: BaseException) -> str:
    detail = " ".join(str(exc).split())
    return detail[:160] + ("\N{HORIZONTAL ELLIPSIS}" if len(detail) > 160 else "")


def _failed(log: ProblemLog, fmt: str, exc: BaseException | None = None) -> None:
    name = LIBRARY_FORMATS[fmt]
    if exc is not None and _detail(exc):
        log.error(
            0,
            _(
                "This %(format)s file could not be read (the converter reported: %(detail)s). Check that the file is complete, or export the captions as WebVTT (.vtt) or SubRip (.srt).",
                format=name,
                detail=_detail(exc),
            ),
            "convert-failed",
        )
    else:
        log.error(
            0,
            _(
                "This %(format)s file could not be read. Check that the file is complete, or export the captions as WebVTT (.vtt) or SubRip (.srt).",
                format=name,
            ),
            "convert-failed",
        )


def _library_warnings(log: ProblemLog, fmt: str, caught: list[warnings.WarningMessage]) -> None:
    # Only pycaption's CaptionReadWarning says something about the file (a cue off screen...);
    # the rest are the libraries' own deprecation notices and field-parsing chatter (pysubs2 on
    # SSA v4's "Marked=0"), which a trainer cannot act on.
    from pycaption import CaptionReadWarning

    seen: set[str] = set()
    for w in caught:
        if not issubclass(w.category, CaptionReadWarning):
            logger.debug("%s reader: %s", fmt, w.message)
            continue
        detail = _detail(w.message) if isinstance(w.message, BaseException) else str(w.message)[:160]
        if detail and detail not in seen:
            seen.add(detail)
            log.warning(
                0,
                _("The %(format)s converter noted: %(detail)s", format=LIBRARY_FORMATS[fmt], detail=detail),
                "convert-note",
            )


# --- pycaption: TTML / DFXP, SCC, SAMI ------------------------------------------------------------

# pycaption's style keys for the three styles WebVTT and SubRip share.
_STYLE_TAGS = (("bold", "b"), ("italics", "i"), ("underline", "u"))


def _pycaption_payload(caption) -> str:
    from pycaption import CaptionNode

    out: list[str] = []
    for node in caption.nodes:
        if node.type_ == CaptionNode.TEXT:
            out.append(_escape(node.content))
        elif node.type_ == CaptionNode.BREAK:
            out.append("\n")
        elif node.type_ == CaptionNode.STYLE and isinstance(node.content, dict):
            tags = [tag for key, tag in _STYLE_TAGS if node.content.get(key)]
            out.append("".join(f"<{t}>" for t in tags) if node.start else "".join(f"</{t}>" for t in reversed(tags)))
    lines = [line.strip() for line in "".join(out).split("\n")]
    return "\n".join(line for line in lines if line)


def _read_pycaption(text: str, fmt: str, log: ProblemLog) -> list[Cue]:
    import pycaption

    reader = {"ttml": pycaption.DFXPReader, "scc": pycaption.SCCReader, "sami": pycaption.SAMIReader}[fmt]()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            captions = reader.read(text)
        except pycaption.CaptionReadNoCaptions:
            captions = None
        except Exception as exc:  # pycaption raises its own errors, lxml's and plain ones (KeyError...)
            _failed(log, fmt, exc)
            return []
    _library_warnings(log, fmt, caught)
    # pycaption's language list comes from a dict of sets; sorted, the choice is the same every time.
    languages = sorted(captions.get_languages()) if captions is not None else []
    if not languages:
        return []
    if len(languages) > 1:
        log.warning(
            0,
            _(
                "This file holds captions in more than one language (%(languages)s); the first, %(first)s, was read.",
                languages=", ".join(languages),
                first=languages[0],
            ),
            "more-languages",
        )
    cues = []
    for caption in captions.get_captions(languages[0]):
        payload = _pycaption_payload(caption)
        if payload:
            cues.append(Cue(start=caption.start / 1_000_000, end=caption.end / 1_000_000, text=payload))
    return cues


# --- pysubs2: SSA / ASS ----------------------------------------------------------------------------

_EVENT_LINE = re.compile(r"(Dialogue|Comment|Picture|Sound|Movie|Command)\s*:", re.IGNORECASE)


def _read_ass(text: str, log: ProblemLog) -> list[Cue]:
    import pysubs2

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            subs = pysubs2.SSAFile.from_string(text, format_="ass")
        except Exception as exc:  # pysubs2's own errors and ValueError from a broken time or field
            _failed(log, "ass", exc)
            return []
    _library_warnings(log, "ass", caught)
    # pysubs2 keeps events in file order; numbering the event lines of the source lets the report
    # name them like any other file's.
    numbers = [k for k, line in enumerate(text.split("\n"), start=1) if _EVENT_LINE.match(line.lstrip())]
    if len(numbers) != len(subs.events):
        numbers = [0] * len(subs.events)
    cues = []
    for event, line_no in zip(subs.events, numbers, strict=True):
        if event.is_comment or event.is_drawing:
            continue  # notes for the subtitle editor and vector drawings show no words
        words = "\n".join(line.strip() for line in _escape(event.plaintext).split("\n") if line.strip())
        if not words:
            continue
        if event.name.strip():
            words = f"<v {_escape(' '.join(event.name.split()))}>{words}</v>"
        cues.append(Cue(start=event.start / 1000, end=event.end / 1000, text=words, line=line_no))
    return cues


def read_with_library(text: str, fmt: str, log: ProblemLog) -> list[Cue]:
    """Cues from a TTML/DFXP, SCC, SAMI or SSA/ASS text (``fmt`` a key of LIBRARY_FORMATS).

    Returns [] with an error in ``log`` when the library cannot read the file; never raises.
    """
    if fmt == "ass":
        return _read_ass(text, log)
    return _read_pycaption(text, fmt, log)
