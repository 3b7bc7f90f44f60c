"""lms.segmentation: grapheme clusters, words and line breaks through ICU, with real Khmer sentences."""

from __future__ import annotations

import pytest

from lms.segmentation import ZWSP, find, graphemes, join_lines, line_breaks, width, word_spans, words, wrap

#: Two sentences of the Public Speaking course in Khmer: "Public speaking is a skill you can learn.
#: Please prepare your talk before you stand up to speak in front of the group."
KHMER = "ការនិយាយជាសាធារណៈគឺជាជំនាញដែលលោកអ្នកអាចរៀនបាន។ សូមរៀបចំការនិយាយរបស់លោកអ្នកមុនពេលឡើងនិយាយនៅមុខក្រុម។"
#: "Listeners remember a story better than figures, so tell them about one person you worked with."
KHMER_2 = "អ្នកស្ដាប់ចងចាំរឿងរ៉ាវបានល្អជាងតួលេខ ដូច្នេះសូមប្រាប់ពួកគេអំពីមនុស្សម្នាក់ដែលលោកអ្នកបានធ្វើការជាមួយ។"


def _cluster_edges(text: str) -> set[int]:
    edges, at = {0}, 0
    for cluster in graphemes(text):
        at += len(cluster)
        edges.add(at)
    return edges


def test_graphemes_keep_khmer_subscripts_and_vowels_with_their_letter():
    """ស្ត្រី (woman) is one stack on screen; ការនិយាយ is 5 clusters; é written two ways is one."""
    assert graphemes("ស្ត្រី") == ["ស្ត្រី"]
    assert graphemes("ការនិយាយ") == ["កា", "រ", "និ", "យា", "យ"]
    assert graphemes("e\u0301t\u00e9") == ["e\u0301", "t", "\u00e9"]
    assert graphemes("👩‍👩‍👧!") == ["👩‍👩‍👧", "!"]


def test_width_counts_what_the_eye_sees():
    """Width is grapheme clusters without invisible format characters, not code points."""
    assert width("Good morning") == 12
    assert (len("ការនិយាយ"), width("ការនិយាយ")) == (8, 5)
    assert width("លោក" + ZWSP + "អ្នក") == width("លោកអ្នក") == 4
    assert len(KHMER) == 99 and width(KHMER) == 61


def test_words_split_unspaced_khmer_with_the_dictionary():
    """An unspaced Khmer sentence comes apart into its words; punctuation and spaces are not words."""
    assert words(KHMER)[:8] == ["ការ", "និយាយ", "ជា", "សាធារណៈ", "គឺជា", "ជំនាញ", "ដែល", "លោកអ្នក"]
    assert "។" not in words(KHMER) and " " not in words(KHMER)
    assert words("Good morning, everyone!") == ["Good", "morning", "everyone"]


def test_word_spans_are_python_indices_after_characters_outside_the_bmp():
    """ICU counts UTF-16 units; spans after an emoji still index the Python string."""
    text = "🎤🎤 ការនិយាយ"
    assert [text[a:b] for a, b in word_spans(text)] == ["ការ", "និយាយ"]


@pytest.mark.parametrize("text", [KHMER, KHMER_2])
@pytest.mark.parametrize("max_width", [8, 12, 20, 30, 42])
def test_long_khmer_cue_wraps_at_word_boundaries_never_inside_a_cluster(text, max_width):
    """Every line fits, every break falls between two words (or after a space), and no text is lost."""
    lines = wrap(text, max_width, "km")
    assert len(lines) > 1 and all(width(line) <= max_width for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    boundaries = {a for a, _ in word_spans(text)} | {i + 1 for i, c in enumerate(text) if c == " "}
    at = 0
    for line in lines[:-1]:
        at = text.index(line, at) + len(line)
        while text[at] == " ":
            at += 1
        assert at in boundaries and at in _cluster_edges(text), (max_width, line)


def test_author_zero_width_spaces_win_over_the_dictionary():
    """Where an author marked words with U+200B, lines break only there: never inside a marked
    phrase the dictionary would split, and at a mark the dictionary would not break."""
    marked = ZWSP.join(["ការនិយាយជាសាធារណៈ", "គឺជាជំនាញ", "ដែលលោក", "អ្នកអាចរៀនបាន។"])
    assert wrap("ការនិយាយជាសាធារណៈ", 6, "km") != ["ការនិយាយជាសាធារណៈ"]  # the dictionary would split it
    lines = wrap(marked, 10, "km")
    assert lines == ["ការនិយាយជាសាធារណៈ", "គឺជាជំនាញ" + ZWSP + "ដែលលោក", "អ្នកអាចរៀនបាន។"]
    assert [marked[:i].split(ZWSP)[-1] for i in line_breaks(marked)] == ["", "", ""]


def test_dictionary_breaks_apply_where_no_zero_width_space_was_typed():
    """A ZWSP in one phrase does not stop the dictionary in the next phrase after a space."""
    text = "លោក" + ZWSP + "អ្នក សូមរៀបចំការនិយាយ"
    breaks = line_breaks(text)
    assert text.index(ZWSP) + 1 in breaks
    assert text.index("ការ") in breaks and text.index("និយាយ") in breaks
    assert text.index("អ្នក") + 1 not in breaks


def test_balanced_wrap_evens_out_the_lines():
    """Balanced, two lines are as even as the breaks allow; greedy fills the first line."""
    text = "Good morning everyone, and welcome to the first unit of this course."
    assert wrap(text, 42) == ["Good morning everyone, and welcome to the", "first unit of this course."]
    assert wrap(text, 42, balance=True) == ["Good morning everyone, and welcome", "to the first unit of this course."]
    cut = KHMER.index("រៀបចំ")  # after the word សូម (please), 31 and 30 characters
    assert wrap(KHMER, 42, "km") == [KHMER[: KHMER.index("លោកអ្នកមុន")], KHMER[KHMER.index("លោកអ្នកមុន") :]]
    assert wrap(KHMER, 42, "km", balance=True) == [KHMER[:cut], KHMER[cut:]]
    assert [width(line) for line in wrap(KHMER, 42, "km", balance=True)] == [31, 30]


def test_wrap_keeps_line_breaks_and_cuts_an_overlong_word_between_clusters():
    """Existing lines stay lines; a word wider than a line is cut between grapheme clusters."""
    assert wrap("Good morning,\neveryone.", 42) == ["Good morning,", "everyone."]
    assert wrap("ស្ត្រីស្ត្រីស្ត្រី", 1, "km") == ["ស្ត្រី", "ស្ត្រី", "ស្ត្រី"]
    assert wrap("", 10) == []
    with pytest.raises(ValueError):
        wrap("text", 0)


def test_find_matches_from_word_starts_ignoring_case_and_accents():
    """find: "SPEAK" finds Speaking from its start, never "peak" inside it; "resume" finds RÉSUMÉ;
    ß and ss are one; offsets index the original text."""
    text = "Welcome to Public Speaking. Your RÉSUMÉ can wait; the Straße is closed."
    assert [text[a:b] for a, b in find("SPEAK", text)] == ["Speak"]
    assert find("peak", text) == []
    assert [text[a:b] for a, b in find("resume", text)] == ["RÉSUMÉ"]
    assert [text[a:b] for a, b in find("strasse", text)] == ["Straße"]
    assert [text[a:b] for a, b in find("public   speaking", text)] == ["Public Speaking"]


def test_find_khmer_words_in_unspaced_text():
    """និយាយ (speak) is found three times in the two sentences, យាយ (the end of that word) never;
    a query with a space between Khmer words, or ត for ដ under a letter, still matches."""
    assert [KHMER[a:b] for a, b in find("និយាយ", KHMER, "km")] == ["និយាយ"] * 3
    assert find("យាយ", KHMER, "km") == []
    assert [KHMER[a:b] for a, b in find("ជំនាញ ដែល", KHMER, "km")] == ["ជំនាញដែល"]
    assert [KHMER_2[a:b] for a, b in find("អ្នកស្តាប់", KHMER_2, "km")] == ["អ្នកស្ដាប់"]
    assert find("", KHMER) == [] and find(ZWSP, KHMER) == []


def test_join_lines_adds_spaces_only_where_the_script_writes_them():
    """Latin lines join with a space; Khmer words split over two lines join without one, except after ។."""
    assert join_lines(["Good morning,", "everyone."]) == "Good morning, everyone."
    assert join_lines(["ការនិយាយ", "ជាសាធារណៈ"]) == "ការនិយាយជាសាធារណៈ"
    assert join_lines(["អាចរៀនបាន។", "សូមរៀបចំ"]) == "អាចរៀនបាន។ សូមរៀបចំ"
    assert join_lines(["Sala", "សាលា", " ", ""]) == "Sala សាលា"
