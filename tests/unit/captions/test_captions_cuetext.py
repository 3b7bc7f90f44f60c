"""WebVTT cue text read once into its parts (spec: "WebVTT cue text parsing rules"), and the plain
text every consumer shows: transcript, quality check, SubRip conversion."""

from __future__ import annotations

import pytest

from lms.captions import read_captions, to_vtt
from lms.captions.cuetext import (
    Span,
    Text,
    Timestamp,
    parse_cue_text,
    plain_lines,
    plain_text,
    speakers,
    srt_markup,
    transcript_text,
)
from lms.captions.quality import visible_lines


def test_voice_span_gives_the_speaker_and_the_words():
    """<v Name> names the speaker in the transcript; the screen text has the words only."""
    assert plain_text("<v Trainer One>Good morning, everyone.</v>") == "Trainer One: Good morning, everyone."
    assert plain_text("<v Trainer One>Good morning, everyone.</v>", with_speaker=False) == "Good morning, everyone."


@pytest.mark.parametrize(
    "payload, expected",
    [
        ("<v.loud Dara Sok>Stop!", "Dara Sok: Stop!"),  # classes on a voice, no end tag (allowed by the spec)
        ("<v   Mr.   Chan  >Hello</v>", "Mr. Chan: Hello"),  # whitespace in the annotation collapsed
        ("<v Speaker&amp;Co>Hi", "Speaker&Co: Hi"),  # references in the annotation resolved
        ("<v>No name</v>", "No name"),  # a voice without a name adds nothing
        ("<v ឈ្មោះ>សួស្តី</v>", "ឈ្មោះ: សួស្តី"),  # Khmer names and text
    ],
)
def test_other_voice_names(payload, expected):
    """Any voice name, with classes, spaces, references or in Khmer, becomes "Name: words"."""
    assert transcript_text(payload) == expected


def test_two_voices_in_one_cue_each_named():
    """A cue with a dialogue (one voice per line) names both speakers."""
    payload = "<v Dara>Are you ready?</v>\n<v Sophea>Yes.</v>"
    assert plain_text(payload) == "Dara: Are you ready?\nSophea: Yes."
    assert transcript_text(payload) == "Dara: Are you ready? Sophea: Yes."
    assert speakers(payload) == ["Dara", "Sophea"]


@pytest.mark.parametrize(
    "payload, expected",
    [
        ("<c.yellow.bg_blue>Warning</c> ahead", "Warning ahead"),
        ("<b>bold</b> <i>italic</i> <u>under</u>", "bold italic under"),
        ("<ruby>漢<rt>kan</rt>字<rt>ji</rt></ruby>", "漢字"),
        ("<lang km>សួស្តី</lang> hello", "សួស្តី hello"),
        ("We<00:00:01.500> are<00:00:02.000> here", "We are here"),  # YouTube automatic captions
        ('<font color="red">red</font> <span>x</span>', "red x"),  # unknown tags dropped, text kept
        ("a < b", "a "),  # a lone "<" opens a tag, as in a browser
        ("<c.a", ""),  # a tag cut off at the end
    ],
)
def test_markup_is_not_text(payload, expected):
    """Class, b/i/u, ruby, lang, timestamp and unknown tags never reach the plain text."""
    assert plain_text(payload) == expected


@pytest.mark.parametrize(
    "payload, expected",
    [
        ("budget &amp; plan", "budget & plan"),
        ("let&apos;s", "let's"),
        ("&lt;b&gt; is a tag", "<b> is a tag"),
        ("a&nbsp;b", "a\u00a0b"),
        ("&lrm;abc&rlm;", "\u200eabc\u200f"),
        ("&#x1F600; &#39;", "\U0001f600 '"),
        ("&quot;quoted&quot;", '"quoted"'),
        ("R&D & more", "R&D & more"),  # not a reference: kept as written
    ],
)
def test_character_references_resolved(payload, expected):
    """Named (HTML5 table) and numeric character references become the characters they name."""
    assert plain_text(payload) == expected


def test_tree_has_the_parts():
    """The tree keeps voice name, classes, language and timestamps for any consumer."""
    root = parse_cue_text("<v.loud Dara>Hi <lang en-GB>mate</lang><00:00:02.250></v>")
    voice = root.children[0]
    assert isinstance(voice, Span) and voice.kind == "v" and voice.annotation == "Dara" and voice.classes == ["loud"]
    assert voice.children[0] == Text("Hi ")
    lang = voice.children[1]
    assert isinstance(lang, Span) and lang.kind == "lang" and lang.annotation == "en-GB"
    assert voice.children[2] == Timestamp(2.25)


def test_rt_outside_ruby_is_ignored_and_ruby_end_closes_rt():
    """<rt> only counts inside <ruby>; </ruby> closes an open <rt> too (spec tree rules)."""
    root = parse_cue_text("<rt>x</rt><ruby>A<rt>a</ruby>B")
    assert [type(c).__name__ for c in root.children] == ["Text", "Span", "Text"]
    assert plain_text("<rt>x</rt><ruby>A<rt>a</ruby>B") == "xAB"


def test_quality_counts_what_a_viewer_reads():
    """The quality check counts words on screen, not tags, names or references."""
    assert visible_lines("<v Trainer One>Good morning, everyone.</v>") == ["Good morning, everyone."]
    assert visible_lines("<c.x>a &amp; b</c>\n\n<00:00:01.000>") == ["a & b"]
    assert plain_lines("<b> x </b>\n<i></i>") == ["x"]


def test_long_line_of_markup_is_not_too_long():
    """A line under 42 visible characters wrapped in long markup gets no line-too-long warning."""
    payload = "<v A Very Long Speaker Name Indeed>" + "<c.yellow.bg_black>" + "Short words here.</c></v>"
    data = f"WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n{payload}\n".encode()
    report = read_captions(data, "a.vtt")
    assert report.accepted and not [w for w in report.warnings if w.code == "line-too-long"]


@pytest.mark.parametrize(
    "srt, vtt",
    [
        ('<font color="#ff0000">Red</font> words', "Red words"),
        ("<FONT face='Arial' size=\"3\">x</FONT>", "x"),
        ("<i>lean</i> <B>bold</B> <u>u</u>", "<i>lean</i> <b>bold</b> <u>u</u>"),
        ("<i><font color=white>both</font></i>", "<i>both</i>"),
        ("{\\an8}{\\c&H00FFFF&}Top", "Top"),
        ("{i}old{/i} style", "<i>old</i> style"),
        ("R&D &amp; 2 < 3", "R&amp;D &amp; 2 &lt; 3"),
        ("<3 you", "&lt;3 you"),
    ],
)
def test_srt_tags_read_the_same_way(srt, vtt):
    """SubRip's b/i/u are kept as WebVTT tags; font tags and ASS override codes are dropped."""
    assert srt_markup(srt) == vtt


def test_srt_with_font_tags_converts_and_reads_plain():
    """An SRT with font and italic tags is stored with <i> only and reads as plain words."""
    data = b'1\n00:00:01,000 --> 00:00:03,000\n<font color="#ffff00"><i>Hello</i></font> {\\an8}there\n'
    report = read_captions(data, "a.srt")
    assert report.cues[0].text == "<i>Hello</i> there"
    assert "<i>Hello</i> there" in to_vtt(report.cues) and "font" not in to_vtt(report.cues)
    assert report.cues[0].transcript_text == "Hello there"


def test_published_vtt_keeps_the_markup():
    """The stored WebVTT keeps voice spans and references for the browser."""
    data = b"WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n<v Trainer One>A &amp; B</v>\n"
    report = read_captions(data, "a.vtt")
    assert "<v Trainer One>A &amp; B</v>" in to_vtt(report.cues)
    assert report.cues[0].transcript_text == "Trainer One: A & B"


def test_srt_download_reads_cue_text_by_the_same_rule():
    """to_srt keeps b/i/u, reduces voices and classes to words, leaves out ruby text and timestamps."""
    from lms.captions import Cue, to_srt

    cue = Cue(1, 2, "<v Dara><i>漢<ruby>字<rt>ji</rt></ruby></i><00:00:01.500> &amp; <B>more</B></v>")
    assert to_srt([cue]) == "1\n00:00:01,000 --> 00:00:02,000\n<i>漢字</i> & more\n"


def test_khmer_line_break_between_words_adds_no_space_to_the_transcript():
    """A Khmer cue broken between two words reads as one unspaced sentence in the transcript; after ។
    (the Khmer full stop) and between Latin words the line break is a space."""
    from lms.captions.cuetext import transcript_text

    assert transcript_text("ការនិយាយជាសាធារណៈគឺជាជំនាញ\nដែលលោកអ្នកអាចរៀនបាន។") == (
        "ការនិយាយជាសាធារណៈគឺជាជំនាញដែលលោកអ្នកអាចរៀនបាន។"
    )
    assert transcript_text("<v គ្រូ>អាចរៀនបាន។\nសូមរៀបចំ</v>") == "គ្រូ: អាចរៀនបាន។ សូមរៀបចំ"
    assert transcript_text("Good morning,\n  everyone.") == "Good morning, everyone."
