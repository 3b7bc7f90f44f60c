"""Writing cues back out: normalised WebVTT for storage and the player, SubRip for download."""

from __future__ import annotations

import re
from collections.abc import Iterable

from .cuetext import Span, Text, parse_cue_text
from .model import Cue, StyleBlock
from .timecode import VTT_SPACE, format_srt, format_vtt

_LANGUAGE = re.compile(r"[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*")


def _ordered(cues: list[Cue]) -> list[Cue]:
    # A valid WebVTT file lists cues by start time; sorted() is stable, so ties keep their order.
    return sorted(cues, key=lambda c: c.start)


def _vtt_text_lines(text: str) -> list[str]:
    # A blank line would end the cue and a line with "-->" would start a new one; neither can be
    # written inside a cue, so blank lines go and the arrow is written as a character reference.
    return [line.replace("-->", "--&gt;") for line in text.replace("\r", "").split("\n") if line != ""]


def to_vtt(cues: list[Cue], language: str | None = None, blocks: Iterable[StyleBlock] = ()) -> str:
    """Normalised WebVTT: the header, then the STYLE and REGION blocks (before any cue, where the
    spec requires them), then the cues by start time. Raises ValueError for a bad language tag."""
    if language is not None and not _LANGUAGE.fullmatch(language):
        raise ValueError(f"not a BCP 47 language tag: {language!r}")
    out = ["WEBVTT"]
    if language:
        out.append(f"Language: {language}")  # header metadata; browsers ignore it, editors read it
    for block in blocks:
        # As in a cue, a blank line would end the block early and "-->" would turn it into a cue.
        lines = [line for line in block.text.replace("\r", "").split("\n") if line.strip() and "-->" not in line]
        out.extend(["", block.kind, *lines])
    for cue in _ordered(cues):
        out.append("")
        identifier = " ".join(cue.identifier.split("\n"))
        if identifier and "-->" not in identifier:
            out.append(identifier)
        settings = cue.settings.replace("\n", " ").strip(VTT_SPACE)
        timing = f"{format_vtt(cue.start)} --> {format_vtt(cue.end)}"
        out.append(f"{timing} {settings}" if settings else timing)
        out.extend(_vtt_text_lines(cue.text.replace("\0", "\ufffd")))
    return "\n".join(out) + "\n"


def srt_text(payload: str) -> str:
    """A WebVTT cue payload as SubRip text, read by the cue text rules (cuetext.parse_cue_text):
    b/i/u kept as tags (the only ones SubRip players understand), other spans reduced to their
    words, ruby text and inline timestamps left out, references resolved; blank lines dropped."""
    out: list[str] = []

    def walk(node: Span) -> None:
        for child in node.children:
            if isinstance(child, Text):
                out.append(child.value)
            elif isinstance(child, Span) and child.kind != "rt":
                tag = child.kind if child.kind in ("b", "i", "u") else ""
                out.append(f"<{tag}>" if tag else "")
                walk(child)
                out.append(f"</{tag}>" if tag else "")

    walk(parse_cue_text(payload))
    return "\n".join(line for line in "".join(out).split("\n") if line.strip())


def to_srt(cues: list[Cue]) -> str:
    blocks = []
    number = 0
    for cue in _ordered(cues):
        text = srt_text(cue.text)
        if not text:
            continue  # an SRT block without text ends early and confuses readers
        number += 1
        blocks.append(f"{number}\n{format_srt(cue.start)} --> {format_srt(cue.end)}\n{text}\n")
    return "\n".join(blocks)
