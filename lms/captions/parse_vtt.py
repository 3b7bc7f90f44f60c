"""WebVTT, parsed the way browsers do (https://w3c.github.io/webvtt/#file-parsing).

The block loop follows the spec closely, because the conformance suite (WPT) checks exactly which
cues survive. What it adds is line numbers and a reason for every cue it has to drop, so the
trainer learns what the browser would silently skip.
"""

from __future__ import annotations

import re

from flask_babel import gettext as _

from .model import Cue, ProblemLog, StyleBlock
from .timecode import TimeFailure, format_vtt, lenient_seconds, parse_vtt_timing_line, token_at


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def check_signature(text: str) -> str | None:
    """Why the first line is not a WebVTT signature, or None when it is."""
    if text.startswith("WEBVTT") and (len(text) == 6 or text[6] in " \t\n"):
        return None
    first = text.split("\n", 1)[0]
    if text.startswith("\ufeff"):
        return _("the file starts with an extra invisible byte-order mark before WEBVTT; save it again as UTF-8")
    if first.startswith("WEBVTT"):
        char = first[6]
        # Invisible characters (form feed, no-break space) are named by code point so they can be found.
        shown = char if char.isprintable() and not char.isspace() else f"U+{ord(char):04X}"
        return _('"WEBVTT" must be followed by a space, a tab or the end of the line, not by %(char)s', char=shown)
    if first.strip().upper().startswith("WEBVTT"):
        return _('the first line must be exactly "WEBVTT" in capital letters, at the very start of the line')
    shown = first[:30]
    return _('the first line must be "WEBVTT", but it is "%(first)s"', first=shown)


_NOTE = re.compile(r"NOTE(?:[ \t\n]|$)")
_STYLE_OR_REGION = re.compile(r"(STYLE|REGION)[ \t]*$")


class _VttParser:
    def __init__(self, text: str, log: ProblemLog) -> None:
        self.lines = text.split("\n")
        self.n = len(self.lines)
        self.log = log
        self.cues: list[Cue] = []
        self.seen_cue = False
        self.blocks: list[StyleBlock] = []

    def past_end(self, i: int) -> bool:
        # Line i starts at the end of the text when it is the empty tail after a final newline.
        return i >= self.n or (i == self.n - 1 and self.lines[i] == "")

    def run(self) -> list[Cue]:
        i = 1  # the signature line has been checked already
        if self.past_end(i):
            return self.cues
        if self.lines[i] != "":
            i = self.block(i, in_header=True)
        else:
            i += 1
        while True:
            while i < self.n - 1 and self.lines[i] == "":
                i += 1
            if self.past_end(i):
                return self.cues
            i = self.block(i, in_header=False)

    def block(self, i: int, in_header: bool) -> int:
        """Collect one block starting at line index i; return the index of the next line."""
        first_line = i
        line_count = 0
        previous = i
        buffer: list[str] = []
        seen_arrow = False
        seen_eof = False
        cue: tuple[float, float, str, str, int] | None = None  # start, end, settings, id, line
        failed_timing = False
        style_or_region = False
        while True:
            line = self.lines[i] if i < self.n else ""
            line_no = i + 1
            line_count += 1
            if i >= self.n - 1:
                seen_eof = True
            i += 1
            if "-->" in line:
                if not in_header and (line_count == 1 or (line_count == 2 and not seen_arrow)):
                    seen_arrow = True
                    previous = i
                    timing = parse_vtt_timing_line(line)
                    if isinstance(timing, TimeFailure):
                        cue = None
                        failed_timing = True
                        self._report_bad_timing(line_no, line, timing)
                    else:
                        cue = (timing.start, timing.end, timing.settings, "\n".join(buffer), line_no)
                        buffer = []
                        self.seen_cue = True
                else:
                    i = previous
                    break
            elif line == "":
                break
            else:
                if (
                    not in_header
                    and line_count == 2
                    and not self.seen_cue
                    and buffer
                    and _STYLE_OR_REGION.fullmatch(buffer[0])
                ):
                    # A style sheet or region definition; kept by browsers, not shown as a caption.
                    style_or_region = True
                    buffer = []
                buffer.append(line)
                previous = i
            if seen_eof:
                break

        if cue is not None:
            start, end, settings, identifier, line_no = cue
            self.cues.append(
                Cue(
                    start=start, end=end, text="\n".join(buffer), identifier=identifier, settings=settings, line=line_no
                )
            )
        elif failed_timing:
            # Only a file that stops without its final newline looks cut off; a last cue that is
            # merely wrong is reported as a bad timestamp alone.
            if seen_eof and not buffer and self.lines[-1] != "":
                self.log.warning(
                    first_line + 1,
                    _(
                        "Line %(line)d: the file ends in the middle of a caption. Check that the whole file was uploaded.",
                        line=first_line + 1,
                    ),
                    "truncated",
                )
        elif style_or_region and not seen_arrow:
            kind = "STYLE" if self.lines[first_line].startswith("STYLE") else "REGION"
            self.blocks.append(StyleBlock(kind, "\n".join(buffer), first_line + 1))
            self.log.warning(
                first_line + 1,
                _(
                    "Line %(line)d: the %(block)s block (%(what)s) is kept in the published captions. Browsers apply it; some other players ignore it.",
                    line=first_line + 1,
                    block=kind,
                    what=_("colours and fonts of the captions")
                    if kind == "STYLE"
                    else _("where on the picture captions appear"),
                ),
                "style-block",
            )
        elif not in_header and not style_or_region and not seen_arrow:
            text = "\n".join(buffer)
            if _NOTE.match(text):
                pass  # a comment: meant to be invisible
            elif _STYLE_OR_REGION.fullmatch(buffer[0] if buffer else ""):
                self.log.warning(
                    first_line + 1,
                    _(
                        "Line %(line)d: a %(block)s block must come before the first caption; browsers ignore it here.",
                        line=first_line + 1,
                        block=buffer[0].strip(),
                    ),
                    "misplaced-block",
                )
            elif text:
                self.log.warning(
                    first_line + 1,
                    _(
                        'Line %(line)d: the text "%(text)s" has no timing line (start --> end) above it, so it will never be shown.',
                        line=first_line + 1,
                        text=_shorten(text),
                    ),
                    "no-timing",
                )
        return i

    def _report_bad_timing(self, line_no: int, line: str, failure: TimeFailure) -> None:
        token = token_at(line, failure.position)
        guess = lenient_seconds(token)
        if guess is not None and token != format_vtt(guess):
            self.log.warning(
                line_no,
                _(
                    'Line %(line)d: the time "%(time)s" is not valid (%(reason)s), so browsers skip this caption. Write it as %(fixed)s.',
                    line=line_no,
                    time=token,
                    reason=failure.reason,
                    fixed=format_vtt(guess),
                ),
                "bad-timestamp",
            )
        else:
            self.log.warning(
                line_no,
                _(
                    'Line %(line)d: the timing "%(time)s" is not valid (%(reason)s), so browsers skip this caption. Times are written like 00:01:05.250 --> 00:01:08.000.',
                    line=line_no,
                    time=token if token.strip() else line.strip()[:40],
                    reason=failure.reason,
                ),
                "bad-timestamp",
            )


def _shorten(text: str, limit: int = 40) -> str:
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= limit else one_line[: limit - 1] + "\N{HORIZONTAL ELLIPSIS}"


def parse_vtt(text: str, log: ProblemLog, blocks: list[StyleBlock] | None = None) -> tuple[list[Cue], bool]:
    """Return the cues a browser keeps, and whether the signature was valid (else nothing is kept).

    STYLE and REGION blocks, when ``blocks`` is given, are appended to it."""
    # The spec replaces NUL before anything else, so a NUL line still counts as a non-empty line.
    text = normalise_newlines(text.replace("\0", "\ufffd"))
    why = check_signature(text)
    if why is not None:
        log.error(
            1,
            _("Line 1: this is not a valid WebVTT file: %(reason)s. Browsers refuse the whole file.", reason=why),
            "bad-header",
        )
        return [], False
    parser = _VttParser(text, log)
    cues = parser.run()
    if blocks is not None:
        blocks.extend(parser.blocks)
    return cues, True
