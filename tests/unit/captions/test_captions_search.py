"""search_cues: transcript search on the words a viewer reads, Khmer words found in unspaced text."""

from __future__ import annotations

from lms.captions import Cue
from lms.captions.search import search_cues

CUES = [
    Cue(0.0, 3.0, "<v Trainer One>Good morning, everyone.</v>"),
    Cue(3.0, 6.0, "Today we practise <i>speaking</i> in public &amp; with confidence."),
    Cue(6.0, 9.0, "Your résumé can wait: speak first."),
    Cue(9.0, 13.0, "ការនិយាយជាសាធារណៈគឺជាជំនាញដែលលោកអ្នកអាចរៀនបាន។"),
    Cue(13.0, 17.0, "សូមរៀបចំការនិយាយរបស់លោកអ្នកមុនពេលឡើងនិយាយនៅមុខក្រុម។"),
    Cue(17.0, 20.0, "អ្នកស្ដាប់ចងចាំរឿងរ៉ាវបានល្អជាងតួលេខ"),
]


def marked(match) -> list[str]:
    return [text for text, hit in match.parts if hit]


def test_latin_search_ignores_case_accents_and_markup():
    """ "SPEAK" finds speaking and speak (markup stripped); "resume" finds résumé; the parts rebuild the line."""
    found = search_cues(CUES, "SPEAK")
    assert [m.number for m in found] == [2, 3]
    assert marked(found[0]) == ["speak"] and marked(found[1]) == ["speak"]
    assert "".join(t for t, _ in found[0].parts) == "Today we practise speaking in public & with confidence."
    assert marked(search_cues(CUES, "resume")[0]) == ["résumé"]


def test_speaker_names_and_entities_are_searched_as_shown():
    """The voice name is part of the transcript line; "&amp;" is searched as "&", never as "amp"."""
    assert [m.number for m in search_cues(CUES, "trainer one")] == [1]
    assert [m.number for m in search_cues(CUES, "public &")] == [2]
    assert search_cues(CUES, "amp") == [] and search_cues(CUES, "<i>") == []


def test_khmer_word_is_found_inside_an_unspaced_sentence():
    """និយាយ (speak) is found in both Khmer cues, three times, each marked; យាយ, the end of that word, is not a match."""
    found = search_cues(CUES, "និយាយ", "km")
    assert [m.number for m in found] == [4, 5]
    assert marked(found[0]) == ["និយាយ"] and marked(found[1]) == ["និយាយ", "និយាយ"]
    assert search_cues(CUES, "យាយ", "km") == []


def test_khmer_query_with_a_space_or_the_other_subscript_still_matches():
    """A space typed between Khmer words, or subscript ត typed for ដ, does not stop a match."""
    assert [m.number for m in search_cues(CUES, "ជំនាញ ដែល", "km")] == [4]
    assert marked(search_cues(CUES, "អ្នកស្តាប់", "km")[0]) == ["អ្នកស្ដាប់"]


def test_blank_query_finds_nothing():
    """Spaces alone, or invisible characters, match no cue."""
    assert search_cues(CUES, "   ") == [] and search_cues(CUES, "\u200b") == []
