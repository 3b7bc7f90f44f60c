"""Bytes to text: byte-order marks, UTF-16 without a mark, legacy encodings, binary uploads."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field

from flask_babel import gettext as _

from .model import ERROR, WARNING, Problem

# Checked longest first: the UTF-32 LE mark begins with the UTF-16 LE mark.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "utf-32"),
    (codecs.BOM_UTF8, "utf-8", "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16"),
)

# Trainers upload the wrong file more often than a broken caption file; naming what it is helps.
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"%PDF-", "PDF document"),
    (b"PK\x03\x04", "ZIP archive or Office document"),
    (b"\x1aE\xdf\xa3", "WebM or MKV video"),
    (b"OggS", "Ogg audio or video"),
    (b"ID3", "MP3 audio"),
    (b"RIFF", "WAV or AVI file"),
    (b"\xd0\xcf\x11\xe0", "Microsoft Word document (.doc) or other old Office file"),
    (b"fLaC", "FLAC audio"),
    (b"\x00\x00\x01\xba", "MPEG video"),
    (b"\x00\x00\x01\xb3", "MPEG video"),
    (b"\x30\x26\xb2\x75\x8e\x66\xcf\x11", "Windows Media video or audio"),
    (b"FORM", "AIFF audio"),
    (b"\xff\xfb", "MP3 audio"),
    (b"\xff\xf3", "MP3 audio"),
    (b"\xff\xf1", "AAC audio"),
    (b"\x7fELF", "program file"),
    (b"\x1f\x8b", "gzip archive"),
)


@dataclass
class Decoded:
    text: str | None  # None when the bytes are not text at all
    encoding: str
    problems: list[Problem] = field(default_factory=list)


def _kind_of_zip(data: bytes) -> str:
    # Office Open XML and OpenDocument files are zips; their first entries say which they are.
    head = data[:65536]
    if b"word/" in head:
        return "Microsoft Word document (.docx)"
    if b"application/vnd.oasis.opendocument.text" in head:
        return "OpenDocument text document (.odt)"
    if b"xl/" in head or b"ppt/" in head:
        return "Microsoft Office document"
    return "ZIP archive or Office document"


def _kind_of_binary(data: bytes) -> str | None:
    if data.startswith(b"PK\x03\x04"):
        return _kind_of_zip(data)
    if data.startswith(b"RIFF"):
        return {b"WAVE": "WAV audio", b"AVI ": "AVI video"}.get(data[8:12], "WAV or AVI file")
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    if data[4:8] == b"ftyp":
        return "MP4 video or M4A audio"
    return None


def _looks_binary(text: str) -> bool:
    # A few NULs are legal (WebVTT turns them into U+FFFD, and the WPT suite has a file full of
    # them), so only a real share of control characters marks a file as binary.
    sample = text[:8192]
    if not sample:
        return False
    controls = sum(1 for c in sample if (c < " " and c not in "\t\n\r\f") or c == "\x7f")
    return controls / len(sample) > 0.10


def _utf16_without_bom(data: bytes) -> str | None:
    sample = data[:400]
    if len(sample) < 4:
        return None
    even_nuls = sample[0::2].count(0) / len(sample[0::2])
    odd_nuls = sample[1::2].count(0) / len(sample[1::2])
    if odd_nuls > 0.4 and even_nuls < 0.05:
        return "utf-16-le"
    if even_nuls > 0.4 and odd_nuls < 0.05:
        return "utf-16-be"
    return None


_CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def _legacy(data: bytes) -> tuple[str, str]:
    # GB2312 is strict about byte pairs, so Western text almost never decodes as it; Windows-1252
    # decodes nearly anything, so it is the last resort. (Legacy Khmer "Limon" files are ASCII
    # mapped to a font and cannot be recognised; they decode as text and look wrong on screen.)
    try:
        text = data.decode("gb2312")
        non_ascii = [c for c in text if ord(c) > 127]
        if non_ascii and sum(1 for c in non_ascii if _CJK.match(c)) / len(non_ascii) > 0.8:
            return text, "gb2312"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "cp1252"


_ENCODING_NAMES = {"gb2312": "Chinese (GB2312)", "cp1252": "Western European (Windows-1252)"}


def _strict_or_replace(data: bytes, codec: str) -> tuple[str, bool]:
    try:
        return data.decode(codec), False
    except UnicodeDecodeError:
        return data.decode(codec, errors="replace"), True


def _mostly_utf8(data: bytes) -> bool:
    text = data.decode("utf-8", errors="replace")
    good = sum(1 for c in text if ord(c) > 127 and c != "\ufffd")
    return good > text.count("\ufffd")


def decode(data: bytes) -> Decoded:
    if not data.strip(b" \t\r\n\f\x00"):
        return Decoded(
            None, "utf-8", [Problem(0, _("The file is empty: it contains no captions."), ERROR, "empty-file")]
        )

    kind = _kind_of_binary(data)
    if kind:
        return Decoded(
            None,
            "binary",
            [
                Problem(
                    0,
                    _(
                        "This is not a caption file: it looks like a %(kind)s. Please upload a WebVTT (.vtt) or SubRip (.srt) file.",
                        kind=kind,
                    ),
                    ERROR,
                    "binary",
                )
            ],
        )

    problems: list[Problem] = []
    text: str | None = None
    encoding = ""
    replaced = False
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            # Only one mark is removed, as browsers do: a second one makes "WEBVTT" unreadable.
            text, replaced = _strict_or_replace(data[len(bom) :], codec)
            encoding = name
            break
    if text is None:
        guessed = _utf16_without_bom(data)
        if guessed:
            (text, replaced), encoding = _strict_or_replace(data, guessed), guessed
    if text is None:
        try:
            text, encoding = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError as exc:
            if exc.start >= len(data) - 3 and exc.reason == "unexpected end of data":
                # Cut off in the middle of a character: the upload was truncated.
                text, encoding = data[: exc.start].decode("utf-8"), "utf-8"
                problems.append(
                    Problem(
                        0,
                        _(
                            "The file seems to be cut off: it ends in the middle of a letter. Check that the whole file was uploaded."
                        ),
                        WARNING,
                        "truncated",
                    )
                )
            elif _mostly_utf8(data):
                # A few bad bytes in an otherwise UTF-8 file (Khmer text, say): re-reading all of
                # it as a legacy encoding would garble every good letter, so do what a browser
                # does and replace only the bad bytes.
                text, encoding, replaced = data.decode("utf-8", errors="replace"), "utf-8", True
            else:
                text, encoding = _legacy(data)
                problems.append(
                    Problem(
                        0,
                        _(
                            "The file is not saved as UTF-8, so it was read as %(encoding)s. Check that the letters in the captions look right; if not, save the file as UTF-8 and upload it again.",
                            encoding=_ENCODING_NAMES.get(encoding, encoding),
                        ),
                        WARNING,
                        "encoding",
                    )
                )
    if replaced:
        problems.append(
            Problem(
                0,
                _("Some characters could not be read and were replaced by \N{REPLACEMENT CHARACTER}."),
                WARNING,
                "encoding",
            )
        )

    if not text.strip():
        return Decoded(
            None, encoding, [Problem(0, _("The file is empty: it contains no captions."), ERROR, "empty-file")]
        )
    if _looks_binary(text):
        return Decoded(
            None,
            "binary",
            [
                Problem(
                    0,
                    _(
                        "This is not a caption file: it contains binary data. Please upload a WebVTT (.vtt) or SubRip (.srt) file."
                    ),
                    ERROR,
                    "binary",
                )
            ],
        )
    return Decoded(text, encoding, problems)
