"""Tolerant where players are tolerant (short SubRip/SBV times, STYLE and REGION blocks), clear
where they are not (another format named for what it is)."""

from __future__ import annotations

import io
import zipfile

import pytest

from lms.captions import StyleBlock, read_captions, to_vtt


@pytest.mark.parametrize(
    "timing, start, end",
    [
        ("00:00:04 --> 00:00:07", 4.0, 7.0),  # no fraction
        ("00:00:00,1 --> 00:00:04", 0.1, 4.0),  # one digit is tenths, as VLC reads it
        ("00:00:01,25 --> 00:00:02,5", 1.25, 2.5),  # two digits are hundredths
        ("00:00:01, --> 00:00:02.", 1.0, 2.0),  # a separator with no digits
        ("0:0:1.5 --> 0:0:3", 1.5, 3.0),  # one-digit fields and a dot
    ],
)
def test_srt_times_with_short_or_no_fraction_are_read(timing, start, end):
    """SubRip times with 0-3 fraction digits or none are read, with a warning naming the line."""
    report = read_captions(f"1\n{timing}\nWords\n".encode(), "a.srt")
    assert report.accepted and [(c.start, c.end) for c in report.cues] == [(start, end)]
    short = [w for w in report.warnings if w.code == "short-time"]
    assert len(short) == 1 and short[0].line == 2 and short[0].message.startswith("Line 2:")


def test_full_srt_times_give_no_short_time_warning():
    """Three-digit milliseconds need no warning."""
    report = read_captions(b"1\n00:00:01,000 --> 00:00:02,500\nWords\n", "a.srt")
    assert not [w for w in report.warnings if w.code == "short-time"]


def test_sbv_times_with_short_or_no_fraction_are_read():
    """SBV times with a short or missing fraction are read, each line named."""
    report = read_captions(b"0:00:01,0:00:03.5\nOne\n\n0:00:04.25,0:00:06\nTwo\n", "a.sbv")
    assert report.source_format == "sbv"
    assert [(c.start, c.end) for c in report.cues] == [(1.0, 3.5), (4.25, 6.0)]
    assert [w.line for w in report.warnings if w.code == "short-time"] == [1, 4]


VTT_STYLED = (
    b"WEBVTT\n\nSTYLE\n::cue(.loud) { color: yellow }\n\nREGION\nid:bottom\nwidth:40%\n\n"
    b"00:00:01.000 --> 00:00:03.000 region:bottom\n<c.loud>Hello</c>\n"
)


def test_style_and_region_blocks_are_kept_and_listed():
    """STYLE and REGION blocks are carried in the report, listed with their line, and written back before the cues."""
    report = read_captions(VTT_STYLED, "a.vtt")
    assert report.accepted and len(report.cues) == 1
    assert report.blocks == [
        StyleBlock("STYLE", "::cue(.loud) { color: yellow }", 3),
        StyleBlock("REGION", "id:bottom\nwidth:40%", 6),
    ]
    listed = [w for w in report.warnings if w.code == "style-block"]
    assert [(w.line, "STYLE" in w.message) for w in listed] == [(3, True), (6, False)]
    vtt = to_vtt(report.cues, language="en", blocks=report.blocks)
    assert (
        vtt.index("STYLE\n::cue(.loud) { color: yellow }\n")
        < vtt.index("REGION\nid:bottom\nwidth:40%\n")
        < vtt.index("-->")
    )
    again = read_captions(vtt.encode(), "b.vtt")
    assert [(b.kind, b.text) for b in again.blocks] == [(b.kind, b.text) for b in report.blocks]
    assert again.cues[0].text == "<c.loud>Hello</c>" and again.cues[0].settings == "region:bottom"


def test_style_block_after_a_cue_is_still_reported_as_ignored():
    """A STYLE block after the first cue is ignored by browsers and not published: the report says so."""
    report = read_captions(b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHi\n\nSTYLE\n::cue {}\n", "a.vtt")
    assert report.blocks == [] and [w.code for w in report.warnings if w.line == 6] == ["misplaced-block"]


ASS = (
    b"[Script Info]\nTitle: Talk\nScriptType: v4.00+\n\n[V4+ Styles]\nFormat: Name, Fontname\nStyle: Default,Arial\n\n"
    b"[Events]\nFormat: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
    b"Dialogue: 0,0:00:01.00,0:00:03.00,Default,,0,0,0,,Hello\n"
)


@pytest.mark.parametrize(
    "data, name, words",
    [
        (b"[ti:Song]\n[ar:Band]\n[00:12.00]First line\n[00:15.30]Second line\n", "song.srt", "LRC"),
        (b"[00:12.00]First line\n[00:15.30]Second line\n", "song.vtt", "LRC"),
        (b"{0}{25}Hello\n{30}{60}World\n", "film.srt", "MicroDVD"),
        (b"{\\rtf1\\ansi\\deff0 {\\fonttbl {\\f0 Times;}} 1 00:00:01,000 --> 00:00:02,000 Hi}", "captions.srt", "RTF"),
    ],
)
def test_other_text_formats_are_named(data, name, words):
    """A lyrics file or an RTF document is refused with its format's name, not as a broken SubRip file."""
    report = read_captions(data, name)
    assert not report.accepted and report.errors[0].code == "other-format"
    assert words in report.errors[0].message


def _zip(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, content in entries.items():
            z.writestr(name, content)
    return buf.getvalue()


@pytest.mark.parametrize(
    "data, kind",
    [
        (_zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"}), "Word document (.docx)"),
        (_zip({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>"}), "OpenDocument text"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "Word document (.doc)"),
        (b"\x00\x00\x00\x20ftypisom" + b"\0" * 100, "MP4 video"),
        (b"\x1aE\xdf\xa3" + b"\0" * 100, "WebM or MKV video"),
        (b"RIFF\x00\x00\x00\x00WAVEfmt " + b"\0" * 100, "WAV audio"),
        (b"fLaC" + b"\0" * 100, "FLAC audio"),
        (b"ID3\x03" + b"\0" * 100, "MP3 audio"),
    ],
)
def test_media_and_word_processor_files_are_named(data, kind):
    """A video, audio or word-processor file is refused by its magic bytes, naming what it is."""
    report = read_captions(data, "captions.srt")
    assert not report.accepted and report.errors[0].code == "binary"
    assert kind in report.errors[0].message
