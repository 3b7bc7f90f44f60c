"""quality_check: DCMP/BBC limits on lines, line length, reading rate, duration and speech coverage."""

from __future__ import annotations

from lms.captions import Cue, quality_check, read_captions
from lms.captions.quality import suggested_lines, visible_length


def codes(report) -> list[str]:
    return [p.code for p in report.warnings]


def test_good_caption_has_no_warnings():
    """Two short lines shown for 3 seconds pass every rule."""
    report = quality_check([Cue(0.0, 3.0, "Good morning,\neveryone.", line=3)])
    assert report.warnings == []
    assert (report.max_lines, report.max_chars_per_line, report.cues_checked) == (2, 13, 1)
    assert report.share_of_speech_captioned is None


def test_more_than_two_lines_is_warned():
    """A three-line caption is named by its line."""
    report = quality_check([Cue(0.0, 5.0, "one\ntwo\nthree", line=7)])
    assert [(p.code, p.line) for p in report.warnings] == [("too-many-lines", 7)]
    assert report.max_lines == 3


def test_line_over_42_characters_is_warned():
    """A 43-character line is too long; 42 is fine."""
    assert "line-too-long" not in codes(quality_check([Cue(0.0, 5.0, "x" * 42)]))
    report = quality_check([Cue(0.0, 5.0, "x" * 43)])
    assert "line-too-long" in codes(report) and report.max_chars_per_line == 43


def test_tags_and_references_do_not_count_as_characters():
    """Markup is not counted: <v Speaker> and &amp; count as what the viewer sees."""
    report = quality_check([Cue(0.0, 5.0, "<v Very Long Speaker Name>" + "x" * 40 + " &amp;</v>")])
    assert report.max_chars_per_line == 42 and codes(report) == []


def test_khmer_is_counted_by_visible_letters():
    """Khmer vowel signs and subscripts stacked on a letter are not counted as extra characters."""
    line = "សួស្តី" * 8  # 48 code points, 24 visible letters
    assert len(line) > 42
    report = quality_check([Cue(0.0, 5.0, line)])
    assert "line-too-long" not in codes(report)


def test_reading_rate_over_20_cps_is_warned():
    """42 characters in 2 seconds (21 cps) is too fast; in 3 seconds it is fine."""
    assert "reading-rate" in codes(quality_check([Cue(0.0, 2.0, "x" * 42)]))
    report = quality_check([Cue(0.0, 3.0, "x" * 42)])
    assert "reading-rate" not in codes(report) and report.max_cps == 14.0


def test_caption_shorter_than_one_second_is_warned():
    """A caption shown for half a second is too short."""
    assert "too-short" in codes(quality_check([Cue(0.0, 0.5, "Hi")]))
    assert "too-short" not in codes(quality_check([Cue(0.0, 1.0, "Hi")]))


def test_zero_length_caption_is_warned():
    """A caption that starts and ends at the same moment is never shown."""
    assert "too-short" in codes(quality_check([Cue(2.0, 2.0, "Hi")]))


def test_caption_longer_than_seven_seconds_is_warned():
    """A caption on screen for 8 seconds should be split."""
    assert "too-long" in codes(quality_check([Cue(0.0, 8.0, "Hi there")]))
    assert "too-long" not in codes(quality_check([Cue(0.0, 7.0, "Hi there")]))


def test_speech_coverage_share_is_computed():
    """Captions covering 6 of 10 seconds of speech give a share of 0.6 and a warning."""
    cues = [Cue(0.0, 3.0, "a"), Cue(5.0, 8.0, "b")]
    report = quality_check(cues, speech=[(0.0, 5.0), (5.0, 10.0)])
    assert round(report.share_of_speech_captioned, 3) == 0.6
    assert "speech-coverage" in codes(report)


def test_long_uncaptioned_speech_is_named_by_time():
    """Four seconds of speech with no caption is named with its start and end time."""
    report = quality_check([Cue(0.0, 2.0, "a")], speech=[(0.0, 2.0), (62.0, 66.0)])
    gap = [p for p in report.warnings if p.code == "uncaptioned-speech"]
    assert gap and "1:02" in gap[0].message and "1:06" in gap[0].message


def test_full_coverage_has_no_coverage_warning():
    """Speech fully under captions gives a share of 1.0 and no warning."""
    report = quality_check([Cue(0.0, 5.0, "a"), Cue(5.0, 9.0, "b")], speech=[(0.5, 8.5)])
    assert report.share_of_speech_captioned == 1.0
    assert codes(report) == []


def test_speech_is_clipped_to_video_duration():
    """Speech reported past the video's end does not count against the captions."""
    report = quality_check([Cue(0.0, 5.0, "a")], video_duration=5.0, speech=[(0.0, 9.0)])
    assert report.share_of_speech_captioned == 1.0


def test_no_speech_gives_no_share():
    """A silent video (no speech intervals) has no coverage figure."""
    assert quality_check([Cue(0.0, 2.0, "a")], speech=[]).share_of_speech_captioned is None


def test_read_captions_includes_quality_warnings():
    """Quality problems of an upload appear among the report's warnings, by line."""
    report = read_captions(b"WEBVTT\n\n00:00:00.000 --> 00:00:09.000\none\ntwo\nthree\n", "a.vtt")
    assert report.accepted
    assert {("too-many-lines", 3), ("too-long", 3)} <= {(p.code, p.line) for p in report.warnings}


KHMER_CUE = "ការនិយាយជាសាធារណៈគឺជាជំនាញដែលលោកអ្នកអាចរៀនបាន។ សូមរៀបចំការនិយាយរបស់លោកអ្នកមុនពេលឡើងនិយាយ"


def test_khmer_line_length_and_reading_rate_count_grapheme_clusters():
    """A Khmer line of 88 code points is 55 characters on screen; the reading rate counts the same 55."""
    assert (len(KHMER_CUE), visible_length(KHMER_CUE)) == (88, 55)
    report = quality_check([Cue(0.0, 5.0, KHMER_CUE)])
    assert report.max_chars_per_line == 55 and report.max_cps == 11.0


def test_a_long_line_gets_a_suggestion_broken_at_word_boundaries(app):
    """The line-too-long warning shows the cue re-broken into two even lines at a Khmer word boundary."""
    with app.test_request_context():
        report = quality_check([Cue(0.0, 5.0, KHMER_CUE, line=4)])
    (warning,) = report.warnings
    assert warning.code == "line-too-long"
    first, second = suggested_lines(KHMER_CUE)
    assert f"“{first}” / “{second}”" in warning.message
    assert (first + second).replace(" ", "") == KHMER_CUE.replace(" ", "")
    assert max(visible_length(first), visible_length(second)) <= 42
    assert second.startswith(("សូម", "រៀបចំ", "ការ"))  # a word begins the second line


def test_cue_split_over_lines_is_rejoined_without_a_space_inside_khmer():
    """Three short Khmer lines fit on one when rejoined: no space is added between Khmer words."""
    cue = "ការនិយាយជាសាធារណៈ\nគឺជាជំនាញដែលលោកអ្នក\nអាចរៀនបាន។"
    assert suggested_lines(cue) == [cue.replace("\n", "")]


def test_no_suggestion_when_the_words_need_more_than_two_lines():
    """A cue too long for two lines must be split in time; no line breaks are suggested."""
    assert suggested_lines(KHMER_CUE * 2) is None
    assert suggested_lines("Good morning,\neveryone.") == ["Good morning, everyone."]
