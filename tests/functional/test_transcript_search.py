"""Transcript search on the learner's unit page: a GET form without JavaScript, the matching cues
with their time links and the words marked, Khmer words found inside unspaced sentences."""

from __future__ import annotations

import html as htmllib
import re

import pytest
from sqlalchemy import select

from lms.models import CaptionTrack, Course, Unit
from tests.helpers import post

SLUG = "public-speaking"
UNIT = f"/courses/{SLUG}/units/why-we-speak"
#: Khmer subtitles for the first seconds of the unit: "Public speaking is a skill you can learn. /
#: Please prepare your talk before you stand up to speak in front of the group. / Listeners remember
#: stories better than figures."
KHMER_VTT = """WEBVTT

00:00:00.400 --> 00:00:03.436
ការនិយាយជាសាធារណៈគឺជាជំនាញ
ដែលលោកអ្នកអាចរៀនបាន។

00:00:03.786 --> 00:00:06.903
សូមរៀបចំការនិយាយរបស់លោកអ្នក
មុនពេលឡើងនិយាយនៅមុខក្រុម។

00:00:07.253 --> 00:00:10.500
អ្នកស្ដាប់ចងចាំរឿងរ៉ាវបានល្អជាងតួលេខ។
"""


@pytest.fixture
def learner(client, auth):
    auth.as_new()
    post(client, f"/courses/{SLUG}/enrol", token_from=f"/courses/{SLUG}")
    return client


@pytest.fixture
def khmer_track(app, db):
    unit = db.scalars(select(Unit).join(Course).where(Course.slug == SLUG, Unit.slug == "why-we-speak")).one()
    # The seed ships Khmer subtitles for this unit: these three cues take their place.
    for track in [t for t in unit.caption_tracks if (t.language, t.kind) == ("km", "subtitles")]:
        db.delete(track)
    db.flush()
    db.add(CaptionTrack(unit_id=unit.id, language="km", kind="subtitles", label="ខ្មែរ", vtt=KHMER_VTT, cue_count=3))
    db.commit()


def results(html: str) -> list[tuple[str, str, list[str]]]:
    """(time link href, cue text, marked words) of each result."""
    block = re.search(r'<ol class="transcript transcript--results"[^>]*>(.*?)</ol>', html, re.S)
    if not block:
        return []
    found = []
    for item in re.findall(r"<li>(.*?)</li>", block.group(1), re.S):
        href = re.search(r'class="cue-time" href="([^"]+)"', item).group(1)
        text = re.search(r'<span class="cue-text">(.*?)</span>', item, re.S).group(1)
        marks = [htmllib.unescape(m) for m in re.findall(r"<mark>(.*?)</mark>", text)]
        found.append((href, htmllib.unescape(re.sub(r"</?mark>", "", text)), marks))
    return found


def test_unit_page_has_a_transcript_search_form_that_needs_no_javascript(learner):
    """The form is a labelled GET search form aimed at the results, with no CSRF token in the URL."""
    html = learner.get(UNIT).get_data(as_text=True)
    form = re.search(r'<form class="transcript-search"[^>]*>', html).group(0)
    assert 'role="search"' in form and 'method="get"' in form
    assert f'action="{UNIT}#transcript-search-results"' in form
    assert '<label for="q">Search the transcript</label>' in html
    field = re.search(r'<input[^>]*name="q"[^>]*>', html).group(0)
    assert 'type="search"' in field and 'aria-describedby="q-hint"' in field and 'value=""' in field
    assert 'id="transcript-search-results"' not in html and "csrf_token" not in html.split(form)[1].split("</form>")[0]


def test_search_lists_matching_cues_with_time_links_and_marked_words(learner):
    """?q=speak lists the cues holding speak, speaking or speakers, each linking to its time, the words marked."""
    r = learner.get(UNIT + "?q=Speak")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    found = results(html)
    assert len(found) >= 2
    heading = re.search(r'<h4 id="transcript-search-results" tabindex="-1">(.*?)</h4>', html, re.S).group(1)
    assert heading == f"{len(found)} parts of the transcript match “Speak”"
    for href, text, marks in found:
        assert re.search(r"/media/[^#]+#t=\d+\.\d{3}$", href)
        assert marks and all(m.lower().startswith("speak") for m in marks)
        assert "speak" in text.lower()
    assert any(text.startswith("Welcome to Public Speaking") for _, text, _ in found)
    # the whole transcript still follows the results
    assert html.index("transcript--results") < html.index('<ol class="transcript" lang="en" id="transcript">')


def test_search_ignores_case_and_accents_and_matches_word_starts_only(learner):
    """ "PUBLIC" finds "Public"; "ublic", the middle of a word, finds nothing."""
    assert results(learner.get(UNIT + "?q=PUBLIC").get_data(as_text=True))
    html = learner.get(UNIT + "?q=ublic").get_data(as_text=True)
    assert results(html) == [] and "Nothing in the transcript matches “ublic”." in html


def test_query_is_shown_escaped(learner):
    """Markup typed in the search box is shown as text, never run."""
    html = learner.get(UNIT + "?q=%3Cscript%3Ealert(1)%3C/script%3E").get_data(as_text=True)
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_too_long_query_is_an_accessible_error(learner):
    """A 101-character query: status 400, "Error:" in the title, the message tied to the field, the query kept."""
    r = learner.get(UNIT + "?q=" + "a" * 101)
    assert r.status_code == 400
    html = r.get_data(as_text=True)
    assert re.search(r"<title>Error: ", html)
    assert (
        '<p id="q-error" class="field__error"><span class="visually-hidden">Error:</span> Search for 100 characters or fewer.</p>'
        in html
    )
    assert re.search(r'<input[^>]*aria-describedby="q-hint q-error"[^>]*aria-invalid="true"', html)
    assert 'value="' + "a" * 101 + '"' in html and 'id="transcript-search-results"' not in html


def test_blank_query_shows_the_plain_page(learner):
    """An empty or all-space query shows no results block."""
    html = learner.get(UNIT + "?q=+++").get_data(as_text=True)
    assert 'id="transcript-search-results"' not in html and '<ol class="transcript transcript--results"' not in html


def test_khmer_word_is_found_inside_unspaced_khmer_subtitles(learner, khmer_track):
    """Searching the Khmer track for និយាយ (speak) finds the two cues with that word, marked three times."""
    r = learner.get(UNIT + "?lang=km&q=និយាយ")
    html = r.get_data(as_text=True)
    found = results(html)
    assert [marks for _, _, marks in found] == [["និយាយ"], ["និយាយ", "និយាយ"]]
    assert '<ol class="transcript transcript--results" lang="km">' in html
    assert '<input type="hidden" name="lang" value="km">' in html
    assert f'href="{UNIT}?lang=km#transcript-heading"' in html
    # the end of a word is not a word: យាយ (grandmother) is not in these subtitles
    assert results(learner.get(UNIT + "?lang=km&q=យាយ").get_data(as_text=True)) == []
