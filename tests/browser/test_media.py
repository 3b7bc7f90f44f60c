"""Unit media in Chromium: caption tracks load their cues, videos play, media answers Range requests."""

from __future__ import annotations

import pytest

from tests.browser.helpers import unit_titles

pytestmark = pytest.mark.browser

#: Each course, with the seeded learner enrolled in it.
COURSES = {"public-speaking": "progress", "telling-impact-stories": "graduate", "youth-rights-at-work": "revoked"}


def unit_paths(page, slug: str) -> list[str]:
    """The unit links of a course page, in order (as an enrolled learner sees them)."""
    page.goto(f"/courses/{slug}")
    links = page.locator("ol.units h3 a")
    assert links.count() == len(unit_titles(slug))
    return [links.nth(i).get_attribute("href") for i in range(links.count())]


TRACKS_JS = """async () => {
  const tracks = [...document.querySelectorAll('#video track')];
  for (const el of tracks) { el.track.mode = 'hidden'; }
  const deadline = Date.now() + 8000;
  // Cues arrive while the track is still LOADING (1), so wait for LOADED (2) or ERROR (3) itself.
  while (Date.now() < deadline && tracks.some(el => el.readyState < 2)) {
    await new Promise(r => setTimeout(r, 50));
  }
  return tracks.map(el => ({kind: el.kind, lang: el.srclang, src: el.getAttribute('src'), readyState: el.readyState,
                            cues: el.track.cues ? el.track.cues.length : 0}));
}"""


@pytest.mark.parametrize("slug", COURSES)
def test_caption_tracks_load_every_cue(page_as, slug):
    """Each caption <track> loads in Chromium, with as many cues as the transcript on the page has lines."""
    page = page_as(COURSES[slug])
    for path in unit_paths(page, slug):
        page.goto(path)
        tracks = page.evaluate(TRACKS_JS)
        assert tracks, f"{path}: no caption track"
        transcript_lang = page.locator(".transcript").get_attribute("lang")
        lines = page.locator(".transcript > li:not(.cue--description)").count()
        for track in tracks:
            assert track["readyState"] == 2 and track["cues"] > 0, f"{path}: track did not load: {track}"
            if track["kind"] in ("captions", "subtitles") and track["lang"] == transcript_lang:
                assert track["cues"] == lines, f"{path}: {track['cues']} cues but {lines} transcript lines"


PLAY_JS = """async () => {
  // Every wait has a deadline: page.evaluate itself never times out.
  const v = document.getElementById('video');
  const within = (promise, ms) => Promise.race([promise, new Promise(r => setTimeout(() => r('timeout'), ms))]);
  if (v.readyState < 1) {
    await within(new Promise(r => { v.addEventListener('loadedmetadata', r, {once: true});
                                    v.addEventListener('error', r, {once: true}); }), 8000);
  }
  v.muted = true;
  const played = await within(v.play().then(() => 'ok', e => String(e)), 8000);
  const deadline = Date.now() + 8000;
  while (played === 'ok' && v.currentTime === 0 && Date.now() < deadline) { await new Promise(r => setTimeout(r, 50)); }
  v.pause();
  return {duration: v.duration || 0, played: v.currentTime, play: played, error: v.error && v.error.code};
}"""


@pytest.mark.parametrize("slug", COURSES)
def test_videos_have_a_duration_and_play(page_as, slug):
    """Every unit video reports a duration and actually plays in Chromium."""
    page = page_as(COURSES[slug])
    for path in unit_paths(page, slug):
        page.goto(path)
        result = page.evaluate(PLAY_JS)
        assert result["error"] is None, f"{path}: media error {result['error']}"
        assert result["duration"] > 0, f"{path}: duration {result['duration']}"
        assert result["played"] > 0, f"{path}: the video did not play ({result['play']})"


def test_media_answers_range_requests_with_206(page_as):
    """The video URL answers a byte Range request with 206 Partial Content, so players can seek."""
    page = page_as("progress")
    page.goto(unit_paths(page, "public-speaking")[0])
    src = page.locator("#video").get_attribute("src")
    whole = page.context.request.get(src)
    assert whole.status == 200
    size = len(whole.body())
    response = page.context.request.get(src, headers={"Range": "bytes=100-1123"})
    assert response.status == 206
    assert response.headers["content-range"] == f"bytes 100-1123/{size}"
    assert response.body() == whole.body()[100:1124]
    # And a learner who is not enrolled gets nothing.
    other = page_as("newcomer").context.request.get(src, max_redirects=0)
    assert other.status in (302, 403, 404)
