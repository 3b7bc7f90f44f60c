"""The plain data the caption pipeline hands to the rest of the app.

Nothing here touches Flask, the database or the file system, so the upload view, the content
importer and the tests can all share it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from .cuetext import transcript_text

ERROR = "error"
WARNING = "warning"

#: After this many problems of one kind we summarise the rest: a trainer cannot act on a list of
#: 5,000 identical lines, and an enormous upload must not produce an enormous page.
MAX_PER_CODE = 50


@dataclass(frozen=True)
class Cue:
    start: float  # seconds
    end: float
    text: str  # the WebVTT cue payload (tags and character references as written), lines joined with "\n"
    identifier: str = ""
    settings: str = ""  # VTT cue settings kept as written, e.g. "line:0 align:start"
    line: int = 0  # 1-based line of the timing line in the source, 0 when built in code

    @property
    def transcript_text(self) -> str:
        """The words on one line for a transcript, with the speaker's name from a voice span
        ("Trainer One: Good morning."): no markup, references resolved (cuetext.transcript_text)."""
        return transcript_text(self.text)


@dataclass(frozen=True)
class StyleBlock:
    """A WebVTT STYLE or REGION block from the header (https://w3c.github.io/webvtt/#styling,
    #regions): kept as written and published before the cues, where browsers read it."""

    kind: str  # "STYLE" | "REGION"
    text: str  # the block's lines after its first line, joined with "\n"
    line: int = 0  # 1-based line of the block's first line in the source


@dataclass(frozen=True)
class Problem:
    line: int  # 1-based source line, 0 when it concerns the whole file
    message: str  # already translated, plain language
    severity: str  # "error" | "warning"
    code: str  # short machine code, stable across languages


@dataclass
class CaptionReport:
    cues: list[Cue]
    errors: list[Problem]
    warnings: list[Problem]
    source_format: str  # "vtt" | "srt" | "sbv" | "ttml" | "scc" | "sami" | "ass" ...
    encoding: str
    blocks: list[StyleBlock] = field(default_factory=list)  # WebVTT STYLE and REGION blocks, in order

    @property
    def accepted(self) -> bool:
        # A dropped cue is a warning, exactly as a browser carries on past it; only problems that
        # make the whole file unusable are errors.
        return not self.errors

    @property
    def problems(self) -> list[Problem]:
        return sorted(self.errors + self.warnings, key=lambda p: (p.line, p.severity != ERROR))


@dataclass
class QualityReport:
    warnings: list[Problem] = field(default_factory=list)
    max_chars_per_line: int = 0
    max_lines: int = 0
    max_cps: float = 0.0
    share_of_speech_captioned: float | None = None
    cues_checked: int = 0


class ProblemLog:
    """Collects problems, capping each code so a huge broken file stays reportable."""

    def __init__(self) -> None:
        self.items: list[Problem] = []
        self._counts: Counter[str] = Counter()

    def add(self, line: int, message: str, severity: str, code: str) -> None:
        self._counts[code] += 1
        if self._counts[code] <= MAX_PER_CODE:
            self.items.append(Problem(line=line, message=message, severity=severity, code=code))

    def has_errors(self) -> bool:
        return any(p.severity == ERROR for p in self.items)

    def error(self, line: int, message: str, code: str) -> None:
        self.add(line, message, ERROR, code)

    def warning(self, line: int, message: str, code: str) -> None:
        self.add(line, message, WARNING, code)

    def extend(self, problems: list[Problem]) -> None:
        for p in problems:
            self.add(p.line, p.message, p.severity, p.code)

    def finish(self) -> list[Problem]:
        from flask_babel import gettext as _

        out = sorted(self.items, key=lambda p: p.line)
        for code, count in self._counts.items():
            if count > MAX_PER_CODE:
                severity = next(p.severity for p in self.items if p.code == code)
                out.append(
                    Problem(
                        line=0,
                        message=_(
                            "%(count)d more lines have the same problem (%(code)s); fix the ones "
                            "listed above and upload the file again to see the rest.",
                            count=count - MAX_PER_CODE,
                            code=code,
                        ),
                        severity=severity,
                        code=code,
                    )
                )
        return out
