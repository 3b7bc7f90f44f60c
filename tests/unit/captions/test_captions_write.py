"""to_vtt / to_srt: normalised output that browsers and read_captions read back unchanged."""

from __future__ import annotations

import pytest

from lms.captions import Cue, read_captions, to_srt, to_vtt

CUES = [
    Cue(0.5, 7.0, "Caption text #1", identifier="1", settings="line:0 align:start"),
    Cue(7.0, 11.89, "<v Jane>Two lines</v>\nsecond &amp; last"),
    Cue(3723.004, 3725.5, "សួស្តី"),
]


def strip_lines(cues):
    return [Cue(c.start, c.end, c.text, c.identifier, c.settings) for c in cues]


def test_to_vtt_writes_normalised_timestamps():
    """Output has the WEBVTT header, HH:MM:SS.mmm times, ids, settings and the language header."""
    text = to_vtt(CUES, language="km")
    assert text.startswith(
        "WEBVTT\nLanguage: km\n\n1\n00:00:00.500 --> 00:00:07.000 line:0 align:start\nCaption text #1\n"
    )
    assert "01:02:03.004 --> 01:02:05.500\nសួស្តី\n" in text


def test_vtt_round_trip_keeps_every_cue():
    """read_captions(to_vtt(cues)) gives back the same cues, with no warnings about the format."""
    report = read_captions(to_vtt(CUES).encode(), "x.vtt")
    assert report.accepted and report.source_format == "vtt"
    assert strip_lines(report.cues) == CUES


def test_srt_round_trip_keeps_times_and_text():
    """read_captions(to_srt(cues)) keeps times and SRT-safe text; VTT-only tags are dropped."""
    text = to_srt(CUES)
    assert text.startswith("1\n00:00:00,500 --> 00:00:07,000\nCaption text #1\n\n2\n00:00:07,000 --> 00:00:11,890\n")
    report = read_captions(text.encode(), "x.srt")
    assert report.accepted and report.source_format == "srt"
    assert [(c.start, c.end) for c in report.cues] == [(c.start, c.end) for c in CUES]
    assert report.cues[1].text == "Two lines\nsecond &amp; last"  # & is written plainly, read back as &amp;


def test_srt_to_vtt_to_srt_is_identical(data):
    """webvtt-py's sample.srt survives SRT -> VTT -> SRT byte for byte (modulo the final newline)."""
    original = (data / "webvtt-py-sample.srt").read_text()
    cues = read_captions(original.encode(), "sample.srt").cues
    again = read_captions(to_vtt(cues).encode(), "sample.vtt").cues
    assert to_srt(again).strip() == original.strip()


def test_to_srt_keeps_basic_styling_and_drops_the_rest():
    """b/i/u survive into SRT; voices, classes and karaoke timestamps do not; references are resolved."""
    cue = Cue(1, 2, "<b.loud>Hi</b> <c.red>there</c><00:00:01.500> <v Bob>&lt;you&gt;</v>")
    assert to_srt([cue]) == "1\n00:00:01,000 --> 00:00:02,000\n<b>Hi</b> there <you>\n"


def test_to_vtt_cannot_be_broken_by_text():
    """Blank lines and --> inside text cannot end the cue or start a new one."""
    cue = Cue(1, 2, "a\n\n00:00:05.000 --> 00:00:06.000\nb", identifier="x --> y")
    report = read_captions(to_vtt([cue]).encode(), "x.vtt")
    assert len(report.cues) == 1
    assert report.cues[0].text == "a\n00:00:05.000 --&gt; 00:00:06.000\nb"


def test_to_vtt_sorts_cues_by_start_time():
    """Normalised output lists cues by start time, as a valid WebVTT file must."""
    text = to_vtt([Cue(5, 6, "b"), Cue(1, 2, "a")])
    assert text.index("\na\n") < text.index("\nb\n")


def test_script_tag_is_written_as_text():
    """<script> in a cue is written unchanged; nothing is executed or interpreted on the way."""
    text = to_vtt([Cue(1, 2, "<script>alert(1)</script>")])
    assert "<script>alert(1)</script>" in text
    assert read_captions(text.encode(), "x.vtt").cues[0].text == "<script>alert(1)</script>"


def test_to_vtt_rejects_a_bad_language_tag():
    """A language that is not a BCP 47 tag cannot be smuggled into the header."""
    with pytest.raises(ValueError):
        to_vtt(CUES, language="en\n\n00:00:00.000 --> 00:00:01.000")


def test_hours_beyond_99_are_written():
    """Very long times still write and read back (WPT timings-60 has a 60-hour cue)."""
    text = to_vtt([Cue(216000, 216001, "late")])
    assert "60:00:00.000 --> 60:00:01.000" in text
    assert read_captions(text.encode(), "x.vtt").cues[0].start == 216000


def test_empty_list_writes_a_valid_empty_file():
    """No cues gives a bare WEBVTT file (valid, accepted, no cues) and an empty SRT."""
    assert to_vtt([]) == "WEBVTT\n"
    assert read_captions(to_vtt([]).encode(), "x.vtt").accepted
    assert to_srt([]) == ""
