"""read_captions: decoding, format detection, WebVTT rules and the validation warnings."""

from __future__ import annotations

import codecs

import pytest

from lms.captions import Cue, read_captions

ONE_CUE = "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\nHello\n"


def codes(report) -> list[str]:
    return [p.code for p in report.errors + report.warnings]


def vtt(*cue_blocks: str) -> bytes:
    return ("WEBVTT\n\n" + "\n\n".join(cue_blocks) + "\n").encode()


# --- bad inputs -------------------------------------------------------------------------------


def test_empty_file_is_rejected():
    """A 0-byte or whitespace-only upload is rejected as empty."""
    for data in (b"", b"   \r\n\n"):
        report = read_captions(data, "a.vtt")
        assert not report.accepted
        assert [p.code for p in report.errors] == ["empty-file"]


def test_png_bytes_are_rejected_as_binary():
    """PNG bytes are named as an image, not parsed."""
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10" + bytes(range(256))
    report = read_captions(png, "captions.vtt")
    assert not report.accepted
    assert report.errors[0].code == "binary"
    assert "PNG" in report.errors[0].message


def test_unknown_binary_is_rejected():
    """Random control bytes with no known magic number are still recognised as binary."""
    report = read_captions(bytes(range(32)) * 40, "x.srt")
    assert [p.code for p in report.errors] == ["binary"]


def test_truncated_file_keeps_good_cues_and_says_so():
    """A file cut off inside a timing line keeps the earlier cues and warns that it is truncated."""
    data = vtt("00:00:01.000 --> 00:00:03.000\nHello") + b"\n00:00:05.000 --> 00:00:0"
    report = read_captions(data, "a.vtt")
    assert report.accepted
    assert [c.text for c in report.cues] == ["Hello"]
    assert "truncated" in codes(report)
    assert "bad-timestamp" in codes(report)


def test_truncated_inside_a_utf8_character_is_reported():
    """Bytes cut inside a multi-byte letter decode up to the cut, with a truncated warning."""
    data = "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\nសួស្តី".encode()[:-1]
    report = read_captions(data, "a.vtt")
    assert report.accepted
    assert report.encoding == "utf-8"
    assert "truncated" in codes(report)


def test_enormous_file_is_parsed_and_problems_are_capped():
    """A 20,000-cue file parses quickly and a repeated problem is summarised, not listed 20,000 times."""
    blocks = [
        f"{i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d}.000 --> {i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d}.500\nx"
        for i in range(20000)
    ]
    report = read_captions(vtt(*blocks), "big.vtt")
    assert len(report.cues) == 20000
    too_short = [p for p in report.warnings if p.code == "too-short"]
    assert len(too_short) == 51  # 50 named by line, then one summary
    assert too_short[-1].line == 0


def test_vtt_file_that_is_really_srt_is_read_as_srt_and_says_so():
    """A .vtt upload with SubRip content is converted, with a warning naming the real format."""
    srt = b"1\n00:00:01,000 --> 00:00:03,000\nHello\n\n2\n00:00:04,000 --> 00:00:06,000\nWorld\n"
    report = read_captions(srt, "lesson.vtt")
    assert report.accepted
    assert report.source_format == "srt"
    assert [c.text for c in report.cues] == ["Hello", "World"]
    wrong = [p for p in report.warnings if p.code == "wrong-format"]
    assert wrong and "SubRip" in wrong[0].message and "lesson.vtt" in wrong[0].message


def test_srt_named_file_that_is_really_vtt_is_read_as_vtt():
    """Content decides the format: a WebVTT file named .srt is read as WebVTT."""
    report = read_captions(ONE_CUE.encode(), "lesson.srt")
    assert report.source_format == "vtt" and len(report.cues) == 1
    assert "wrong-format" in codes(report)


def test_minutes_over_59_drop_the_cue_with_a_reason():
    """00:61:00.000 is dropped (as browsers do) with a warning naming the line and the 00-59 rule."""
    report = read_captions(vtt("00:61:00.000 --> 00:62:00.000\nbad", "00:00:01.000 --> 00:00:02.000\ngood"), "a.vtt")
    assert report.accepted
    assert [c.text for c in report.cues] == ["good"]
    bad = [p for p in report.warnings if p.code == "bad-timestamp"]
    assert bad[0].line == 3
    assert "00:61:00.000" in bad[0].message and "59" in bad[0].message


def test_negative_time_drops_the_cue_with_a_reason():
    """-00:00:01.000 is dropped with a warning saying times cannot be negative."""
    report = read_captions(vtt("-00:00:01.000 --> 00:00:02.000\nbad"), "a.vtt")
    assert report.accepted and report.cues == []
    bad = [p for p in report.warnings if p.code == "bad-timestamp"][0]
    assert bad.line == 3 and "negative" in bad.message


@pytest.mark.parametrize(
    "timing, fixed",
    [
        ("00:00:00.00 --> 00:00:01.000", "00:00:00.000"),
        ("0:00.000 --> 00:00:01.000", "00:00:00.000"),
        ("0:0:3.54 --> 0:0:4.000", "00:00:03.540"),
        ("00:00:01,500 --> 00:00:02,000", "00:00:01.500"),
    ],
)
def test_sloppy_timestamps_are_dropped_with_a_suggested_fix(timing, fixed):
    """Timestamps webvtt-py tolerates but browsers drop are warned about, with the correct spelling."""
    report = read_captions(vtt(f"{timing}\ntext"), "a.vtt")
    assert report.cues == []
    bad = [p for p in report.warnings if p.code == "bad-timestamp"][0]
    assert fixed in bad.message


def test_end_time_prefix_is_not_accepted():
    """00:00:01.0x00 is not read as one second (webvtt-py's prefix match); the cue is dropped."""
    report = read_captions(vtt("00:00:00.000 --> 00:00:01.0x00\ntext"), "a.vtt")
    assert report.cues == []


@pytest.mark.parametrize(
    "header", [b"WEBVTTfoo\n", b"webvtt\n", b"WEBVTT\x0c\n", "WEBVTT\u00a0\n".encode(), b"WEBSRT\n"]
)
def test_bad_signature_rejects_the_file(header):
    """Anything but WEBVTT followed by space, tab or newline rejects the whole file on line 1."""
    report = read_captions(header + b"\n00:00:00.000 --> 00:00:01.000\ntext\n", "a.vtt")
    assert not report.accepted
    assert report.errors[0].code == "bad-header" and report.errors[0].line == 1
    assert report.cues == []


def test_missing_header_rejects_the_file():
    """Cues without the WEBVTT line are rejected, as browsers refuse such a track."""
    report = read_captions(b"00:00:00.000 --> 00:00:01.000\ntext\n", "a.vtt")
    assert [p.code for p in report.errors] == ["bad-header"]


@pytest.mark.parametrize(
    "header", [b"WEBVTT", b"WEBVTT ", b"WEBVTT\t", b"WEBVTT - Lesson 1\n", b"\xef\xbb\xbfWEBVTT\n"]
)
def test_valid_signatures_are_accepted(header):
    """WEBVTT alone, with a space or tab and a title, or after one BOM, is a valid signature."""
    assert read_captions(header, "a.vtt").accepted


def test_cue_with_end_before_start_is_kept_and_warned():
    """A cue ending before it starts is kept (browsers keep it) and named by line."""
    report = read_captions(vtt("00:00:05.000 --> 00:00:03.000\ntext"), "a.vtt")
    assert report.accepted and len(report.cues) == 1
    problem = [p for p in report.warnings if p.code == "end-before-start"][0]
    assert problem.line == 3
    assert "00:00:03.000 is before the start time 00:00:05.000" in problem.message


def test_out_of_order_cues_are_warned():
    """A cue starting before the one above it is a warning naming its line."""
    report = read_captions(vtt("00:00:05.000 --> 00:00:06.000\nb", "00:00:01.000 --> 00:00:02.000\na"), "a.vtt")
    assert report.accepted
    assert [(p.code, p.line) for p in report.warnings if p.code == "out-of-order"] == [("out-of-order", 6)]


def test_overlapping_cues_are_a_warning_not_an_error():
    """Overlapping cues are shown stacked by browsers, so the file is accepted with a warning."""
    report = read_captions(vtt("00:00:01.000 --> 00:00:04.000\na", "00:00:03.000 --> 00:00:05.000\nb"), "a.vtt")
    assert report.accepted
    assert [p.line for p in report.warnings if p.code == "overlap"] == [6]


def test_touching_cues_do_not_overlap():
    """A cue starting exactly when the previous one ends is not an overlap."""
    report = read_captions(vtt("00:00:01.000 --> 00:00:03.000\na", "00:00:03.000 --> 00:00:05.000\nb"), "a.vtt")
    assert "overlap" not in codes(report)


def test_empty_vtt_cue_is_kept_and_warned():
    """A VTT cue with no text is kept, as browsers keep it, and warned about."""
    report = read_captions(vtt("00:00:01.000 --> 00:00:02.000", "00:00:03.000 --> 00:00:04.000\nb"), "a.vtt")
    assert len(report.cues) == 2
    assert [p.line for p in report.warnings if p.code == "empty-cue"] == [3]


def test_empty_srt_cue_is_dropped_and_warned():
    """An SRT cue with no text is dropped with a warning (it shows nothing)."""
    srt = b"1\n00:00:01,000 --> 00:00:02,000\n\n2\n00:00:03,000 --> 00:00:04,000\nb\n"
    report = read_captions(srt, "a.srt")
    assert [c.text for c in report.cues] == ["b"]
    assert [p.line for p in report.warnings if p.code == "empty-cue"] == [2]


def test_cue_past_video_end_is_warned():
    """With the video's duration known, a cue starting after the end is named."""
    report = read_captions(
        vtt("00:00:01.000 --> 00:00:02.000\na", "00:01:00.000 --> 00:01:02.000\nb"), "a.vtt", video_duration=30.0
    )
    assert report.accepted
    assert [p.line for p in report.warnings if p.code == "past-end"] == [6]


def test_no_past_end_check_without_duration():
    """Without a video duration no cue is called past the end."""
    report = read_captions(vtt("01:00:00.000 --> 01:00:02.000\nb"), "a.vtt")
    assert "past-end" not in codes(report)


def test_text_without_timing_is_warned_and_notes_are_silent():
    """Stray text with no timing line is named; NOTE comments are not."""
    report = read_captions(vtt("NOTE a comment", "Stray words", "00:00:01.000 --> 00:00:02.000\na"), "a.vtt")
    assert [(p.code, p.line) for p in report.warnings if p.code == "no-timing"] == [("no-timing", 5)]


def test_srt_with_one_unreadable_block_keeps_the_rest():
    """An SRT block with a bad time is dropped with its line named; the file is accepted."""
    srt = b"1\n00:00:01,000 --> 00:00:02,000\na\n\n2\n00:00:03,000 --> 00:00:04:000\nb\n\n3\n00:00:05,000 --> 00:00:06,000\nc\n"
    report = read_captions(srt, "a.srt")
    assert report.accepted
    assert [c.text for c in report.cues] == ["a", "c"]
    assert [p.line for p in report.warnings if p.code == "bad-timestamp"] == [6]


def test_srt_with_nothing_readable_is_rejected():
    """An SRT file where no block can be read is rejected."""
    report = read_captions(b"1\n00:01 --> 00:10\nNo hours\n\n2\n00:00:61,000 --> 00:00:62,000\nBad seconds\n", "a.srt")
    assert not report.accepted
    assert [p.code for p in report.errors] == ["no-cues"]


def test_srt_missing_blank_line_between_cues_keeps_both():
    """Two SRT cues run together without a blank line are both kept."""
    srt = b"1\n00:00:01,000 --> 00:00:02,000\na\n2\n00:00:03,000 --> 00:00:04,000\nb\n"
    report = read_captions(srt, "a.srt")
    assert [(c.identifier, c.text) for c in report.cues] == [("1", "a"), ("2", "b")]


def test_sbv_is_read():
    """YouTube SBV (H:MM:SS.mmm,H:MM:SS.mmm) is recognised by content and parsed."""
    report = read_captions(b"0:00:01.000,0:00:02.500\nHello\n\n0:00:03.000,0:00:04.000\nWorld\n", "")
    assert report.source_format == "sbv"
    assert [(c.start, c.end, c.text) for c in report.cues] == [(1.0, 2.5, "Hello"), (3.0, 4.0, "World")]


# --- text and markup ---------------------------------------------------------------------------


def test_script_in_cue_text_is_kept_as_text():
    """<script> in a cue stays in the text, untouched; the app escapes it when rendering."""
    report = read_captions(vtt("00:00:01.000 --> 00:00:02.000\n<script>alert(1)</script> & more"), "a.vtt")
    assert report.accepted
    assert report.cues[0].text == "<script>alert(1)</script> & more"


def test_nul_becomes_replacement_character():
    """NUL in cue text becomes U+FFFD, as the WebVTT parser requires."""
    report = read_captions(vtt("00:00:01.000 --> 00:00:02.000\na\x00b"), "a.vtt")
    assert report.cues[0].text == "a\ufffdb"


def test_cue_settings_and_identifier_are_kept_as_written():
    """Identifier and settings are kept; text keeps leading spaces a browser would show."""
    report = read_captions(vtt("intro\n00:00:01.000 --> 00:00:02.000 line:0 align:start\n  indented\nsecond"), "a.vtt")
    cue = report.cues[0]
    assert (cue.identifier, cue.settings, cue.text, cue.line) == (
        "intro",
        "line:0 align:start",
        "  indented\nsecond",
        4,
    )


def test_srt_bare_ampersand_and_less_than_become_vtt_references():
    """SubRip's literal & and < are escaped so the browser shows them as the SRT player did."""
    report = read_captions(b"1\n00:00:01,000 --> 00:00:02,000\nR&D: 2 < 3 <i>ok</i> {\\an8}\n", "a.srt")
    assert report.cues[0].text == "R&amp;D: 2 &lt; 3 <i>ok</i>"


# --- encodings and newlines ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "codec, bom, name",
    [
        ("utf-16-le", codecs.BOM_UTF16_LE, "utf-16"),
        ("utf-16-be", codecs.BOM_UTF16_BE, "utf-16"),
        ("utf-32-le", codecs.BOM_UTF32_LE, "utf-32"),
        ("utf-8", codecs.BOM_UTF8, "utf-8-sig"),
    ],
)
def test_byte_order_marks_are_decoded(codec, bom, name):
    """UTF-8/16/32 files with a BOM decode, and the BOM does not break the WEBVTT signature."""
    text = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nសួស្តី Khmer\n"
    report = read_captions(bom + text.encode(codec), "a.vtt")
    assert report.accepted, report.errors
    assert report.encoding == name
    assert report.cues[0].text == "សួស្តី Khmer"


def test_utf16_without_bom_is_detected():
    """UTF-16 saved without a byte-order mark is recognised from its zero bytes."""
    report = read_captions(ONE_CUE.encode("utf-16-le"), "a.vtt")
    assert report.accepted and report.encoding == "utf-16-le"
    assert report.cues[0].text == "Hello"


def test_crlf_and_cr_newlines_are_normalised():
    """CRLF and bare CR files give the same cues, lines and text as LF."""
    lf = read_captions(vtt("00:00:01.000 --> 00:00:02.000\na\nb", "00:00:03.000 --> 00:00:04.000\nc"), "a.vtt")
    for newline in ("\r\n", "\r"):
        other = read_captions(
            vtt("00:00:01.000 --> 00:00:02.000\na\nb", "00:00:03.000 --> 00:00:04.000\nc").replace(
                b"\n", newline.encode()
            ),
            "a.vtt",
        )
        assert other.cues == lf.cues


def test_windows_1252_srt_is_decoded_with_a_warning():
    """A Windows-1252 SRT reads with accents intact and a note that it was not UTF-8."""
    data = "1\r\n00:00:01,000 --> 00:00:02,000\r\nÉVÉNEMENTS déjà\r\n".encode("cp1252")
    report = read_captions(data, "a.srt")
    assert report.encoding == "cp1252"
    assert report.cues[0].text == "ÉVÉNEMENTS déjà"
    assert "encoding" in codes(report)


def test_gb2312_srt_is_decoded(data):
    """cdown/srt's GB2312 fixture is recognised as GB2312."""
    report = read_captions((data / "cdown-srt-gb2312.srt").read_bytes(), "gb2312.srt")
    assert report.encoding == "gb2312"
    assert report.cues[0].text.startswith("宇宙守护神")


def test_mostly_utf8_file_with_one_bad_byte_stays_utf8():
    """One stray byte in a Khmer UTF-8 file replaces that byte only, not every letter."""
    data = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nសួស្តី".encode() + b"\xff\n"
    report = read_captions(data, "a.vtt")
    assert report.encoding == "utf-8"
    assert report.cues[0].text == "សួស្តី\ufffd"


def test_copied_wpt_files_parse(data):
    """The vendored WPT files give the browser's cue counts, times and NUL handling."""
    negative = read_captions((data / "wpt-timings-negative.vtt").read_bytes(), "x.vtt")
    assert [(c.start, c.end) for c in negative.cues] == [(0, 0), (1, 0.999), (60, 59.999), (3600, 3599.999)]
    newlines = read_captions((data / "wpt-newlines.vtt").read_bytes(), "x.vtt")
    assert [(c.identifier, c.text) for c in newlines.cues] == [
        ("cr", "text0"),
        ("lf", "text1"),
        ("crlf", "text2"),
        ("lfcr", "text3"),
    ]
    nulls = read_captions((data / "wpt-nulls.vtt").read_bytes(), "x.vtt")
    assert len(nulls.cues) == 7 and nulls.cues[2].text == "\ufffdtext\ufffd2"


def test_messages_use_plain_language_with_line_numbers():
    """Every line-specific problem starts with its line number."""
    report = read_captions(vtt("00:00:05.000 --> 00:00:03.000\nx", "00:61:00.000 --> 00:00:01.000\ny"), "a.vtt")
    for problem in report.warnings:
        if problem.line:
            assert problem.message.startswith(f"Line {problem.line}:")


def test_bad_input_never_raises():
    """Odd inputs (lone arrows, huge numbers, only a BOM) return a report instead of raising."""
    for data in (
        b"-->",
        b"WEBVTT\n\n-->",
        b"\xef\xbb\xbf",
        b"\xff\xfe",
        b"WEBVTT\n\n99999999999999999999:00:00.000 --> 00:00:01.000\nx",
        b"1\n-->\n",
        b"\x00" * 10,
        b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000 " + "\u2028".encode(),
    ):
        report = read_captions(data, "x")
        assert isinstance(report.cues, list)


def test_cue_is_frozen_and_comparable():
    """Cue is an immutable value, so reports can be compared and cached."""
    cue = Cue(1.0, 2.0, "a")
    with pytest.raises(AttributeError):
        cue.start = 3.0  # type: ignore[misc]
    assert cue == Cue(1.0, 2.0, "a")


@pytest.mark.parametrize(
    "name, fmt, encoding, count",
    [
        ("cdown-srt-ascii.srt", "srt", "utf-8", 3),
        ("webvtt-py-sample.srt", "srt", "utf-8", 5),
        ("webvtt-py-sample.sbv", "sbv", "utf-8", 5),
        ("webvtt-py-captions_with_bom.vtt", "vtt", "utf-8-sig", 4),
        ("webvtt-py-youtube_dl.vtt", "vtt", "utf-8", 4),
    ],
)
def test_copied_fixtures_give_their_upstream_cue_counts(data, name, fmt, encoding, count):
    """The vendored MIT fixtures read with the format, encoding and cue count their suites expect."""
    report = read_captions((data / name).read_bytes(), name)
    assert (report.accepted, report.source_format, report.encoding, len(report.cues)) == (True, fmt, encoding, count)
