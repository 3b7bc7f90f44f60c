"""TTML/DFXP, SCC and SAMI (pycaption) and SSA/ASS (pysubs2) are read into WebVTT cues with the same
report as an uploaded WebVTT file; a file the library cannot read gets a clear error, never an exception."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lms.captions import read_captions, to_vtt

DATA = Path(__file__).resolve().parents[2] / "data" / "captions"

MANIFEST = json.loads((DATA / "formats.json").read_text())["files"]


@pytest.mark.parametrize("entry", MANIFEST, ids=[e["file"] for e in MANIFEST])
def test_sample_files_import_with_their_cue_count(entry):
    """Each sample in formats.json is accepted as its format with the manifest's cue count and first words."""
    report = read_captions((DATA / entry["file"]).read_bytes(), entry["file"])
    assert report.accepted, report.errors
    assert report.source_format == entry["format"]
    assert len(report.cues) == entry["expected_cues"]
    assert report.cues[0].transcript_text == entry["first_text"]
    vtt = to_vtt(report.cues, language="en")
    again = read_captions(vtt.encode(), "again.vtt")
    assert again.accepted and len(again.cues) == entry["expected_cues"]


def test_every_format_is_in_the_manifest():
    """The manifest has at least two samples of each library format."""
    formats = [e["format"] for e in MANIFEST]
    assert all(formats.count(f) >= 2 for f in ("ttml", "scc", "sami", "ass"))


def test_ass_speaker_becomes_a_voice_and_override_codes_go():
    """An Aegisub speaker name becomes a WebVTT voice span; {\\i1} codes, comments and drawings never show."""
    report = read_captions((DATA / "sala-aegisub.ass").read_bytes(), "sala-aegisub.ass")
    texts = [c.text for c in report.cues]
    assert texts[0] == "<v Trainer One>Good morning, everyone.</v>"
    assert texts[1] == "<v Participant Two>Can we start with the budget\nand the plan?</v>"
    assert texts[2] == "Yes, let's do that first."
    assert not any("{" in t or "check this timing" in t or "m 0 0" in t for t in texts)
    assert [c.line for c in report.cues] == [15, 17, 18]  # the report names the Dialogue lines


def test_ass_saved_as_srt_is_read_and_named():
    """An Advanced SubStation script saved with an .srt name is read as what it is, and the report says so."""
    report = read_captions((DATA / "sala-aegisub.ass").read_bytes(), "meeting.srt")
    assert report.accepted and report.source_format == "ass" and len(report.cues) == 3
    assert [w.code for w in report.warnings if w.code == "wrong-format"] == ["wrong-format"]


def test_sami_styles_become_webvtt_tags_and_references_are_escaped():
    """SAMI b/i/u become WebVTT tags; "<" and "&" in the words are escaped in the payload."""
    report = read_captions((DATA / "pycaption-style-tags.smi").read_bytes(), "a.smi")
    assert (
        report.cues[0].text
        == "I <b>do</b> <i>not</i> want to go <u>home</u>.\nI don't like it <i><u><b>there</b></u></i>."
    )
    sample = read_captions((DATA / "pycaption-sample.smi").read_bytes(), "b.smi")
    assert sample.cues[-1].text == "&lt;LAUGHING &amp; WHOOPS!&gt;"
    assert sample.cues[-1].transcript_text == "<LAUGHING & WHOOPS!>"


def test_sami_with_two_languages_says_which_was_read():
    """A SAMI file with two languages is read in one, and the report names both."""
    report = read_captions((DATA / "sala-two-languages.smi").read_bytes(), "a.smi")
    note = [w for w in report.warnings if w.code == "more-languages"]
    assert len(note) == 1 and "en-US" in note[0].message and "km-KH" in note[0].message


@pytest.mark.parametrize(
    "data, name, fmt",
    [
        (
            b'<?xml version="1.0"?>\n<tt xmlns="http://www.w3.org/ns/ttml"><body><div><p begin="soon" end="later">Hi</p></div></body></tt>',
            "a.ttml",
            "ttml",
        ),
        (b'<tt xmlns="http://www.w3.org/ns/ttml"><body><div><p begin="00:00:01.000"', "cut.ttml", "ttml"),
        (b"Scenarist_SCC V1.0\n\n00:00:01:00 zzzz yyyy\n", "a.scc", "scc"),
        (
            b"[Script Info]\nScriptType: v4.00+\n\n[Events]\nFormat: Layer, Start, End, Text\nDialogue: 0,not a time,0:00:02.00,Hi\n",
            "a.ass",
            "ass",
        ),
        (b"<SAMI><BODY></BODY></SAMI>", "empty.smi", "sami"),
        (b"[Script Info]\nTitle: nothing\n", "empty.ass", "ass"),
    ],
)
def test_broken_library_files_get_a_clear_error(data, name, fmt):
    """A file the library cannot read, or one with no captions, is refused with a reason naming the format."""
    report = read_captions(data, name)
    assert report.source_format == fmt
    assert not report.accepted
    assert report.errors[0].code in ("convert-failed", "no-cues")
    assert len(report.errors[0].message) > 30 and "Traceback" not in report.errors[0].message
