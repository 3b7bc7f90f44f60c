"""Searching a transcript: which cues hold the words a learner typed, with the words marked.

A cue is searched as the transcript shows it (``Cue.transcript_text``: markup parsed by the WebVTT
cue text rules, the speaker's name in front), so a voice tag or ``&amp;`` never hides or fakes a
match. Matching is lms.segmentation.find: case- and accent-insensitive, word-based through ICU, so
a Khmer word is found inside an unspaced Khmer sentence.
"""

from __future__ import annotations

from dataclasses import dataclass

from lms.segmentation import find

from .model import Cue

#: Longest query, in characters: a phrase, never a paragraph pasted by mistake.
MAX_QUERY = 100


@dataclass(frozen=True)
class CueMatch:
    """One cue that matched, its 1-based number in the transcript, and its text in parts:
    (text, True) for a matched stretch, (text, False) for the rest."""

    number: int
    cue: Cue
    parts: list[tuple[str, bool]]


def search_cues(cues: list[Cue], query: str, language: str | None = None) -> list[CueMatch]:
    """The cues whose transcript text matches ``query``, in transcript order; [] for a blank query.

    ``language`` is the track's BCP 47 tag (ICU picks word rules by script, so mixed text works
    whatever it says).
    """
    matches = []
    for number, cue in enumerate(cues, start=1):
        text = cue.transcript_text
        spans = find(query, text, language)
        if not spans:
            continue
        parts: list[tuple[str, bool]] = []
        at = 0
        for start, end in spans:
            if start > at:
                parts.append((text[at:start], False))
            parts.append((text[start:end], True))
            at = end
        if at < len(text):
            parts.append((text[at:], False))
        matches.append(CueMatch(number, cue, parts))
    return matches
