"""The unit page's player: per-learner settings saved and applied, the transcript with its audio
descriptions and a second language, chapters, and the described version of a video (issue 12)."""

from __future__ import annotations

import io
import re

import pytest

from tests.factories import CHAPTERS_VTT, DESCRIPTIONS_VTT, FRENCH_VTT, add_track
from tests.helpers import CONTENT, post, sign_in_as

SLUG, UNIT = "public-speaking", "why-we-speak"
PAGE = f"/courses/{SLUG}/units/{UNIT}"
SETTINGS = PAGE + "/player"

CHOICES = {
    "speed": "1.5",
    "caption_language": "en",
    "second_language": "",
    "caption_size": "200",
    "caption_colours": "yellow-on-black",
    "caption_opacity": "75",
    "descriptions": "y",
    "description_voice": "speech",
    "extended_descriptions": "y",
    "autoscroll": "",
    "rendition": "video",
}


@pytest.fixture
def learner(app, client, auth):
    auth.as_new()
    post(client, f"/courses/{SLUG}/enrol")
    return client


def _save(client, **changes):
    data = {k: v for k, v in {**CHOICES, **changes}.items() if v != ""}
    return post(client, SETTINGS, data, token_from=PAGE)


def _player(html: str) -> str:
    return re.search(r'<div class="player [^"]*"[^>]*>', html).group(0)


def test_defaults_before_anything_is_saved(learner):
    """A learner who never saved gets normal speed, plain captions, descriptions off and auto-scroll on."""
    html = learner.get(PAGE).get_data(as_text=True)
    player = _player(html)
    assert 'data-speed="1.0"' in player and 'data-descriptions="off"' in player and 'data-autoscroll="on"' in player
    assert "cues-100 cues-white-on-black cues-bg-100" in player
    assert '<details class="player-settings" id="player-settings">' in html


def test_settings_are_saved_and_applied_on_every_unit(learner):
    """Saved settings redirect back to the unit and style the captions and player on this and other units."""
    r = _save(learner)
    assert r.status_code == 302 and r.headers["Location"].endswith(PAGE + "#video-heading")
    html = learner.get(r.headers["Location"]).get_data(as_text=True)
    assert "Your player settings are saved." in html
    for url in (PAGE, f"/courses/{SLUG}/units/preparing-your-talk"):
        player = _player(learner.get(url).get_data(as_text=True))
        assert "cues-200 cues-yellow-on-black cues-bg-75" in player, url
        assert 'data-speed="1.5"' in player and 'data-voice="speech"' in player, url
        assert 'data-extended="on"' in player and 'data-autoscroll="off"' in player, url
    form = learner.get(PAGE).get_data(as_text=True)
    assert re.search(r'<option selected value="1.5">|<option value="1.5" selected>', form), "speed not shown as chosen"
    assert re.search(r'id="autoscroll"(?![^>]*checked)', form)


def test_a_value_outside_the_lists_is_refused_with_an_error_on_its_field(learner):
    """A tampered speed or colour gets a 422 page with the summary and the settings open; nothing is saved."""
    r = _save(learner, speed="9", caption_colours="pink")
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert "<title>Error:" in html and "Choose a speed from the list." in html and "Choose caption colours" in html
    assert '<details class="player-settings" id="player-settings" open>' in html
    assert 'data-speed="1.0"' in _player(learner.get(PAGE).get_data(as_text=True))


def test_a_change_from_the_player_controls_is_saved_quietly(learner):
    """The player's own controls save through the same form with quiet=1: 204, and no message on the next page."""
    r = _save(learner, quiet="1", speed="0.75")
    assert r.status_code == 204
    html = learner.get(PAGE).get_data(as_text=True)
    assert "Your player settings are saved." not in html and 'data-speed="0.75"' in _player(html)


def test_transcript_shows_descriptions_marked_as_such(app, learner):
    """A descriptions track appears in the transcript at its times, marked "Description:", with JS off too."""
    add_track(app, SLUG, UNIT, "descriptions", "en", DESCRIPTIONS_VTT)
    html = learner.get(PAGE).get_data(as_text=True)
    items = re.findall(r"<li( class=\"cue--description\")?>\s*<a class=\"cue-time\"[^>]*data-seek=\"([\d.]+)\"", html)
    described = [float(t) for cls, t in items if cls]
    assert described == [0.0, 10.75, 27.25]
    assert '<span class="cue-label">Description:</span> <span lang="en">Title slide: Why we speak.' in html
    # In time order with the spoken cues, a description before words at the same moment.
    times = [float(t) for _, t in items]
    assert times == sorted(times) and items[0][0]
    assert 'id="description-live"' in html and 'aria-live="polite"' in html
    assert 'id="descriptions-toggle" aria-pressed="false"' in html


def test_chapters_are_links_that_open_the_video_at_their_time(app, learner):
    """A chapters track is a list of links beside the transcript, media-fragment links without JS."""
    add_track(app, SLUG, UNIT, "chapters", "en", CHAPTERS_VTT)
    html = learner.get(PAGE).get_data(as_text=True)
    nav = re.search(r'<nav class="chapters" aria-labelledby="chapters-heading">(.*?)</nav>', html, re.S).group(1)
    links = re.findall(r'<a href="([^"]+)" data-seek="([\d.]+)">([^<]+)<', nav)
    assert [(s, t.strip()) for _, s, t in links][:3] == [
        ("0.000", "Why we speak"),
        ("10.750", "The four motives"),
        ("27.250", "Inform and persuade"),
    ]
    assert all(re.search(r"\.webm#t=[\d.]+$", href) for href, _, _ in links)


def test_two_caption_languages_one_above_the_other(app, learner):
    """With a second language, both tracks are offered, the first is the default, and each cue shows both lines."""
    add_track(app, SLUG, UNIT, "subtitles", "fr", FRENCH_VTT, "Français")
    _save(learner, second_language="fr")
    html = learner.get(PAGE).get_data(as_text=True)
    tracks = re.findall(r'<track kind="(\w+)" srclang="([\w-]+)"[^>]*?( default)?>', html)
    assert tracks[0] == ("captions", "en", " default") and tracks[1] == ("subtitles", "fr", "")
    assert 'data-second="fr"' in _player(html)
    first = re.search(r'<span class="cue-text">([^<]*)</span><span class="cue-second" lang="fr">([^<]*)</span>', html)
    assert first.groups() == (
        "Welcome to Public Speaking, a course from Sala.",
        "Bienvenue au cours de prise de parole en public, un cours de Sala.",
    )
    # The transcript can be shown in the second language first.
    html = learner.get(PAGE + "?lang=fr").get_data(as_text=True)
    assert '<ol class="transcript" lang="fr"' in html
    assert re.search(r'<span class="cue-text">Bienvenue[^<]*</span><span class="cue-second" lang="en">Welcome', html)


def test_second_language_must_differ_from_the_first(learner):
    """The same language twice is refused on the second-language field."""
    r = _save(learner, caption_language="en", second_language="en")
    assert r.status_code == 422 and "Choose a second language different from the first" in r.get_data(as_text=True)


def test_transcript_only_downloads_nothing(learner):
    """ "Transcript only" leaves out the <video> (and the player script): the page fetches no media at all."""
    _save(learner, rendition="transcript")
    html = learner.get(PAGE).get_data(as_text=True)
    assert "<video" not in html and "/media/" not in html and "player." not in html
    assert '<ol class="transcript' in html and "Welcome to Public Speaking" in html


def test_renditions_not_made_yet_are_not_offered(learner):
    """Only the versions this video has are choices: the seed ships its audio-only file, and the
    240p copy is not made yet (no job queue in the tests)."""
    html = learner.get(PAGE).get_data(as_text=True)
    assert 'value="video"' in html and 'value="transcript"' in html and 'value="audio"' in html
    assert 'value="small"' not in html


def test_shortcuts_are_listed_on_the_page(learner):
    """The keyboard shortcuts are listed in a "Keyboard shortcuts" disclosure."""
    html = learner.get(PAGE).get_data(as_text=True)
    listed = re.search(r"<summary>Keyboard shortcuts</summary>(.*?)</details>", html, re.S).group(1)
    assert re.findall(r"<kbd>([^<]+)</kbd>", listed) == ["k", "j", "l", "&lt;", "&gt;", "d"]


# --- The described version of a video ----------------------------------------------------------------------

DESCRIBED = CONTENT / SLUG / "media" / "02-preparing-your-talk.webm"  # any other real WebM stands in for it


def _unit_id(app) -> int:
    from sqlalchemy import select

    from lms.db import get_session
    from lms.models import Course

    with app.app_context():
        course = get_session().scalars(select(Course).where(Course.slug == SLUG)).one()
        return next(u.id for u in course.units if u.slug == UNIT)


def _upload_described(client, unit_id, data: bytes, name="described.webm"):
    return post(
        client,
        f"/teach/units/{unit_id}/video/described",
        {"described": (io.BytesIO(data), name)},
        token_from=f"/teach/units/{unit_id}/video",
        content_type="multipart/form-data",
    )


@pytest.fixture
def described(app):
    """An admin uploads a described version of the first unit's video; returns its media URL."""
    admin = app.test_client()
    sign_in_as(app, admin, role="admin")
    unit_id = _unit_id(app)
    r = _upload_described(admin, unit_id, DESCRIBED.read_bytes())
    assert r.status_code == 302, r.get_data(as_text=True)
    page = admin.get(f"/teach/units/{unit_id}/video").get_data(as_text=True)
    assert "The version with audio description of “Why we speak: the four motives” was saved." in page
    return re.search(r'<a href="(/media/[^"]+)">Open the version with audio description', page).group(1)


def test_described_version_is_served_to_learners_who_asked(described, learner):
    """Descriptions off: the plain video and a link to the described one; descriptions on: the described video."""
    html = learner.get(PAGE).get_data(as_text=True)
    assert described not in re.search(r"<video[^>]*>", html).group(0)
    link = re.search(r'<a href="([^"]+)">Watch the version with audio description</a>', html).group(1)
    assert link == PAGE + "?described=1#video-heading"
    html = learner.get(PAGE + "?described=1").get_data(as_text=True)
    video = re.search(r"<video[^>]*>", html).group(0)
    assert f'src="{described}"' in video and "(with audio description)" in video
    assert "Watch the version without audio description" in html
    _save(learner, descriptions="y")
    html = learner.get(PAGE).get_data(as_text=True)
    assert f'src="{described}"' in re.search(r"<video[^>]*>", html).group(0)
    # The descriptions are in the film itself: the script does not voice the text track over them.
    assert 'data-descriptions="off"' in _player(html) and 'id="descriptions-toggle"' not in html
    r = learner.get(described, headers={"Range": "bytes=0-99"})
    assert r.status_code == 206 and r.headers["Content-Type"] == "video/webm"
    r.close()


def test_described_upload_is_checked_like_the_video(app):
    """A file that is not a video is refused on its field, with the page's error summary; nothing is kept."""
    admin = app.test_client()
    sign_in_as(app, admin, role="admin")
    unit_id = _unit_id(app)
    r = _upload_described(admin, unit_id, b"not a video at all", "notes.txt")
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "<title>Error:" in html
    assert 'href="#described">This file is not a WebM, MP4, MP3 or M4A file.' in html
    r = _upload_described(admin, unit_id, b"")
    assert r.status_code == 422
    assert "Open the version with audio description" not in admin.get(f"/teach/units/{unit_id}/video").get_data(
        as_text=True
    )


def test_unit_page_loads_only_the_scripts_the_size_test_measures(learner):
    """Every script the unit page loads is a file in static/js (so the 15 KB limit covers them all), deferred."""
    from pathlib import Path

    names = {p.stem for p in (Path(__file__).resolve().parents[2] / "static" / "js").glob("*.js")}
    html = learner.get(PAGE).get_data(as_text=True)
    scripts = re.findall(r"<script([^>]*)>", html)
    assert scripts and all(" defer" in s for s in scripts), scripts
    sources = [re.search(r'src="/static/js/([\w-]+)\.[0-9a-f]{12}\.js"', s).group(1) for s in scripts]
    assert set(sources) <= names and "player" in sources, sources
