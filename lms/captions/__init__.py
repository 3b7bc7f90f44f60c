"""Caption upload and conversion for Sala: read WebVTT, SubRip and SBV the way browsers and
players do (TTML/DFXP, SCC and SAMI through pycaption, SSA/ASS through pysubs2; other formats
named in the error), tell the trainer in plain words what a learner would miss, and write
normalised WebVTT for the player. Cue text is read by one rule, the WebVTT cue text parsing rules
(``cuetext``): the transcript, the quality check and the SubRip reader all use it.

Typical use in an upload view::

    report = read_captions(upload.read(), upload.filename, video_duration=media_duration(path))
    if report.accepted:
        store(to_vtt(report.cues, language="km"))
    show(report.errors, report.warnings)
"""

from .cuetext import plain_text, transcript_text
from .media import detect_speech, media_duration
from .model import CaptionReport, Cue, Problem, QualityReport, StyleBlock
from .quality import quality_check
from .read import read_captions
from .write import to_srt, to_vtt

__all__ = [
    "CaptionReport",
    "Cue",
    "Problem",
    "QualityReport",
    "StyleBlock",
    "detect_speech",
    "media_duration",
    "plain_text",
    "quality_check",
    "read_captions",
    "to_srt",
    "to_vtt",
    "transcript_text",
]
