"""Audio descriptions read by the browser's voice (issue 12), in Chromium: static/js/player.js
hands each cue of the video's descriptions track to window.speechSynthesis at its time, in the
track's language, and with extended description holds the video until the voice has finished.

Headless Chromium usually has no voices (speak() fails at once with "synthesis-failed"), so a
recorder installed before the page's scripts replaces speak/cancel/pause/resume: it notes each
utterance (text, lang, rate, the media time it was given at) and plays the part of a voice,
firing start, then end after `duration` milliseconds, or error "interrupted" when cancelled, as
the Web Speech API says a voice does. What is checked is the player's own behaviour.

Each test has a learner of its own (settings at their defaults, the video at 0:00), and chooses
voiced descriptions in the Player settings by keyboard, as a learner does."""

from __future__ import annotations

import itertools

import pytest

from lms.services.caption_tracks import cues_of
from tests.browser.helpers import (
    PLAYER_PAGE,
    PLAYER_SLUG,
    PLAYER_UNIT,
    context_options,
    enrol_learner,
    exactly,
    normalize,
    player_settings,
    prepare_player_unit,
    press_and_wait,
    t,
    tab_to,
)
from tests.factories import DESCRIPTIONS_VTT, add_track, remove_track
from tests.helpers import CONTENT

pytestmark = pytest.mark.browser

KM_SLUG = "public-speaking-km"
KM_PAGE = f"/courses/{KM_SLUG}/units/{PLAYER_UNIT}"
#: The Khmer course's descriptions of the same video (5 slides), as it ships them.
KM_DESCRIPTIONS_VTT = (CONTENT / KM_SLUG / "captions" / "01-why-we-speak.km.descriptions.vtt").read_text("utf-8")

#: How long a media step may take on a loaded machine (the video plays at 2x, in real time).
PLAY_MS = 45_000

RECORDER = """(() => {
  const synth = window.speechSynthesis;
  const log = window.__speech = { spoken: [], cancels: 0, pauses: 0, resumes: 0, duration: 150, fail: null };
  if (!synth) { return; }
  const now = () => { const v = document.getElementById('video'); return v ? v.currentTime : null; };
  const queue = [];
  let current = null, timer = null;
  // A voice's events come later, from the platform, never inside the call that caused them.
  const later = (fn) => window.setTimeout(fn, 0);
  const finish = (item, how) => {
    item.entry.end = { how: how, time: now() };
    const init = { utterance: item.utterance, charIndex: 0, elapsedTime: 0 };
    item.utterance.dispatchEvent(how === 'end' ? new SpeechSynthesisEvent('end', init)
                                               : new SpeechSynthesisErrorEvent('error', { ...init, error: how }));
  };
  const next = () => {
    const item = current = queue.shift() || null;
    if (!item) { return; }
    // fail: a voice that cannot speak (none installed) errs at once, without a start event.
    if (log.fail) { current = null; finish(item, log.fail); next(); return; }
    item.utterance.dispatchEvent(new SpeechSynthesisEvent('start', { utterance: item.utterance }));
    // duration null: the voice goes on until cancel(), as a long description would.
    if (log.duration !== null) {
      timer = window.setTimeout(() => { timer = null; current = null; finish(item, 'end'); next(); }, log.duration);
    }
  };
  synth.speak = (utterance) => {
    const v = document.getElementById('video');
    const entry = { text: utterance.text, lang: utterance.lang, rate: utterance.rate,
                    time: now(), videoPaused: v ? v.paused : null, end: null };
    log.spoken.push(entry);
    queue.push({ utterance: utterance, entry: entry });
    if (!current) { later(next); }
  };
  synth.cancel = () => {
    log.cancels += 1;
    window.clearTimeout(timer);
    const stopped = current ? [[current, 'interrupted']] : [];
    queue.splice(0).forEach((item) => stopped.push([item, 'canceled']));
    current = null;
    later(() => stopped.forEach(([item, how]) => finish(item, how)));
  };
  synth.pause = () => { log.pauses += 1; };
  synth.resume = () => { log.resumes += 1; };
})();"""

_learners = itertools.count(1)


@pytest.fixture(scope="module", autouse=True)
def described_unit(site):
    """The player unit with its English descriptions (tests.factories.DESCRIPTIONS_VTT)."""
    prepare_player_unit(site)


@pytest.fixture
def learner(site):
    """A new learner enrolled in the English and the Khmer Public Speaking courses: default
    settings and no saved position. Returns the key for page_as and the email."""
    key = f"voice-{next(_learners)}"
    email = f"{key}@example.org"
    enrol_learner(site, key, email, "Sok Chea", PLAYER_SLUG, KM_SLUG)
    return key, email


@pytest.fixture
def open_unit(page_as, site, learner):
    """open_unit(path, lang, **settings): the learner's page with the recorder installed, at the
    unit, after saving these settings (through the service: they are not what is tested)."""

    def open_(path: str = PLAYER_PAGE, lang: str = "en", **settings):
        key, email = learner
        if settings:
            player_settings(site, email=email, **settings)
        page = page_as(key, **context_options(lang))
        page.add_init_script(RECORDER)
        page.goto(path)
        assert page.evaluate("!window.__speech.missing && typeof window.SpeechSynthesisUtterance === 'function'")
        return page

    return open_


def expected(site, vtt: str) -> list[tuple[float, float, str]]:
    """(start, end, text) of each cue of a track, read by Sala's own WebVTT parser."""
    with site.app.test_request_context():
        return [(c.start, c.end, normalize(c.transcript_text)) for c in cues_of(vtt) if c.transcript_text]


def spoken(page) -> list[dict]:
    return page.evaluate("window.__speech.spoken")


def texts(page) -> list[str]:
    return [normalize(u["text"]) for u in spoken(page)]


def video(page, prop: str):
    return page.evaluate(f"document.getElementById('video').{prop}")


def wait_until_time(page, seconds: float) -> None:
    """Wait until the playing video has passed `seconds`."""
    page.wait_for_function(
        "s => document.getElementById('video').currentTime > s", arg=seconds, timeout=PLAY_MS, polling=100
    )


def wait_spoken(page, count: int) -> None:
    page.wait_for_function("n => window.__speech.spoken.length >= n", arg=count, timeout=PLAY_MS, polling=50)


def choose_voiced_descriptions(page, lang: str = "en", *, extended: bool = False) -> None:
    """In the Player settings, by keyboard: turn audio description on, have the browser's voice
    read it (and pause the video while it is read), and save; the page comes back."""
    settings = page.locator("#player-settings")
    tab_to(page, settings.get_by_text(t("Player settings", lang), exact=True), max_presses=80)
    page.keyboard.press("Enter")
    assert settings.evaluate("d => d.open")
    describe = settings.get_by_role("checkbox", name=exactly(t("Audio description", lang)))
    tab_to(page, describe)
    page.keyboard.press("Space")
    assert describe.is_checked()
    # Tab enters a radio group at its checked radio; an arrow chooses the next one.
    tab_to(page, settings.get_by_role("radio", name=exactly(t("My screen reader", lang))))
    page.keyboard.press("ArrowDown")
    assert settings.get_by_role("radio", name=exactly(t("The browser’s voice", lang))).is_checked()
    if extended:
        hold = settings.get_by_role("checkbox", name=exactly(t("Pause the video while a description is read", lang)))
        tab_to(page, hold)
        page.keyboard.press("Space")
        assert hold.is_checked()
    tab_to(page, settings.get_by_role("button", name=exactly(t("Save player settings", lang))))
    press_and_wait(page)
    player = page.locator("#player")
    assert (player.get_attribute("data-descriptions"), player.get_attribute("data-voice")) == ("on", "speech")
    assert player.get_attribute("data-extended") == ("on" if extended else "off")


def play_by_keyboard(page) -> None:
    """Tab to the video and press k (the page's shortcut for play)."""
    # Muted: the test machine may have no sound card, and nothing here listens to the sound track.
    page.evaluate("document.getElementById('video').muted = true")
    tab_to(page, page.locator("#video"), max_presses=80)
    page.keyboard.press("k")


def assert_at_cue_times(utterances: list[dict], cues: list[tuple[float, float, str]]) -> None:
    """Each utterance was given while its cue was on (a cue is active from its start to its end)."""
    for u, (start, end, text) in zip(utterances, cues, strict=True):
        assert start - 0.05 <= u["time"] <= end, f"{text!r} ({start}–{end} s) was spoken at {u['time']:.2f} s"


def test_each_description_is_spoken_once_in_order_at_its_time(open_unit, site):
    """Voiced descriptions chosen by keyboard: playing the video speaks every cue of the
    descriptions track once, in order, in English, while its cue is on; the video plays on."""
    page = open_unit(speed=2.0)  # 2x: the three cues within 15 s of real time
    choose_voiced_descriptions(page)
    toggle = page.get_by_role("button", name=exactly("Descriptions"))
    assert toggle.get_attribute("aria-pressed") == "true"
    page.evaluate("window.__speech.duration = 1000")  # each description takes the voice a second
    play_by_keyboard(page)
    cues = expected(site, DESCRIPTIONS_VTT)
    wait_until_time(page, cues[-1][1] + 0.5)
    page.evaluate("document.getElementById('video').pause()")
    said = spoken(page)
    assert texts(page) == [text for _, _, text in cues], said
    assert [u["lang"] for u in said] == ["en"] * len(cues)
    assert_at_cue_times(said, cues)
    # Without extended description the video is not held: it went on while the voice spoke.
    for u in said:
        assert u["end"]["how"] == "end" and u["end"]["time"] > u["time"] + 0.5, u
    # The player leaves the voice at its normal rate (1), whatever the video's speed.
    assert {u["rate"] for u in said} == {1}
    # Nothing was cancelled or paused: descriptions stayed on.
    assert page.evaluate("[window.__speech.cancels, window.__speech.pauses, window.__speech.resumes]") == [0, 0, 0]


def test_extended_description_holds_the_video_until_the_voice_ends(open_unit, site):
    """With "Pause the video while a description is read", the video stops when a description
    starts, stays stopped while the voice speaks (1.5 s each here), and plays on at its end event."""
    page = open_unit(speed=2.0)
    choose_voiced_descriptions(page, extended=True)
    page.evaluate("window.__speech.duration = 1500")
    play_by_keyboard(page)
    cues = expected(site, DESCRIPTIONS_VTT)[:2]
    wait_spoken(page, 2)
    # The second description's end event sets the video going again.
    page.wait_for_function(
        "() => { const u = window.__speech.spoken[1]; return u.end && !document.getElementById('video').paused; }",
        timeout=PLAY_MS,
    )
    said = spoken(page)[:2]
    assert [normalize(u["text"]) for u in said] == [text for _, _, text in cues]
    assert_at_cue_times(said, cues)
    for u in said:
        assert u["videoPaused"], f"the video was still playing when {u['text']!r} was spoken"
        assert u["end"]["how"] == "end"
        assert u["end"]["time"] - u["time"] < 0.1, f"the video moved on while {u['text']!r} was spoken: {u}"
    # Between the two descriptions it played again by itself (10.75 s of video).
    assert said[1]["time"] > said[0]["end"]["time"] + 10


def test_turning_voiced_descriptions_off_stops_the_voice(open_unit, site):
    """The Descriptions button (Tab, Space) during a long description cancels the voice; the held
    video plays on and no later description is spoken."""
    page = open_unit(speed=2.0)
    choose_voiced_descriptions(page, extended=True)
    page.evaluate("window.__speech.duration = null")  # the voice goes on until cancelled
    play_by_keyboard(page)
    wait_spoken(page, 1)
    assert video(page, "paused"), "extended description holds the video while the voice speaks"
    toggle = page.get_by_role("button", name=exactly("Descriptions"))
    tab_to(page, toggle)
    page.keyboard.press("Space")
    assert toggle.get_attribute("aria-pressed") == "false"
    page.wait_for_function("() => window.__speech.spoken[0].end !== null")
    said = spoken(page)
    assert page.evaluate("window.__speech.cancels") >= 1
    assert said[0]["end"]["how"] == "interrupted"
    # The video is no longer held for a description nobody is reading...
    page.wait_for_function("() => !document.getElementById('video').paused")
    # ...and plays through the next description's time in silence.
    second = expected(site, DESCRIPTIONS_VTT)[1]
    wait_until_time(page, second[1] + 0.5)
    assert texts(page) == [expected(site, DESCRIPTIONS_VTT)[0][2]]


def test_seeking_speaks_the_description_arrived_at_not_those_skipped(open_unit, site):
    """A chapter link past two descriptions speaks neither; the transcript's "Play the description
    from 0:27" link speaks that one description, once."""
    page = open_unit(speed=2.0)
    choose_voiced_descriptions(page)
    cues = expected(site, DESCRIPTIONS_VTT)
    play_by_keyboard(page)
    wait_spoken(page, 1)
    chapter = page.locator(".chapters").get_by_role("link", name="Motivate, and opportunity (0:44)")
    tab_to(page, chapter, max_presses=80)
    page.keyboard.press("Enter")  # seeks to 44.5 s and plays
    wait_until_time(page, 46.5)
    assert texts(page) == [cues[0][2]], "a description skipped by the seek was spoken"
    link = page.locator("#transcript").get_by_role("link", name="Play the description from 0:27")
    tab_to(page, link, max_presses=80)
    page.keyboard.press("Enter")  # seeks to 27.25 s, where the third description starts
    page.wait_for_function("() => document.getElementById('video').currentTime < 30")
    wait_until_time(page, cues[2][1] + 0.5)
    said = spoken(page)
    assert texts(page) == [cues[0][2], cues[2][2]]
    assert_at_cue_times([said[1]], [cues[2]])


def test_khmer_descriptions_are_spoken_in_khmer(open_unit, site):
    """In the Khmer course, with a Khmer interface: the descriptions track is Khmer, so each
    utterance says km and speaks the Khmer cue."""
    page = open_unit(KM_PAGE, "km", speed=2.0)
    choose_voiced_descriptions(page, "km")
    play_by_keyboard(page)
    cues = expected(site, KM_DESCRIPTIONS_VTT)[:2]
    wait_spoken(page, 2)
    said = spoken(page)[:2]
    assert [normalize(u["text"]) for u in said] == [text for _, _, text in cues]
    assert [u["lang"] for u in said] == ["km", "km"]
    assert_at_cue_times(said, cues)


@pytest.fixture
def khmer_descriptions_too(site):
    """The player unit of the English course also gets the Khmer descriptions, for learners who
    read the Khmer subtitles; taken away again after the test."""
    add_track(site.app, PLAYER_SLUG, PLAYER_UNIT, "descriptions", "km", KM_DESCRIPTIONS_VTT, "ខ្មែរ")
    yield
    remove_track(site.app, PLAYER_SLUG, PLAYER_UNIT, "descriptions", "km")


def test_the_voice_reads_the_descriptions_of_the_learners_language(open_unit, site, khmer_descriptions_too):
    """A unit with English and Khmer descriptions, a learner whose captions are Khmer: the page
    lists the Khmer descriptions, and the voice speaks those, in Khmer (not the first track)."""
    page = open_unit(speed=2.0, caption_language="km")
    assert page.locator("#description-live").get_attribute("lang") == "km"
    choose_voiced_descriptions(page)
    play_by_keyboard(page)
    cues = expected(site, KM_DESCRIPTIONS_VTT)[:2]
    wait_spoken(page, 2)
    said = spoken(page)[:2]
    assert [(normalize(u["text"]), u["lang"]) for u in said] == [(text, "km") for _, _, text in cues]
    assert_at_cue_times(said, cues)


#: Two descriptions on screen at once (the caption checks warn about overlaps but keep them).
OVERLAPPING_VTT = (
    "WEBVTT\n\n"
    "00:00:00.000 --> 00:00:04.000\nTitle slide: Why we speak.\n\n"
    "00:00:02.000 --> 00:00:03.000\nThe Sala logo fades in.\n\n"
    "00:00:03.500 --> 00:00:05.000\nThe slide fades out.\n"
)


@pytest.fixture
def overlapping_descriptions(site):
    add_track(site.app, PLAYER_SLUG, PLAYER_UNIT, "descriptions", "en", OVERLAPPING_VTT)
    yield
    add_track(site.app, PLAYER_SLUG, PLAYER_UNIT, "descriptions", "en", DESCRIPTIONS_VTT)


def test_a_description_is_not_repeated_when_another_starts_during_it(open_unit, site, overlapping_descriptions):
    """When a second description starts while the first is still on, only the second is spoken
    then: each cue once."""
    page = open_unit()
    choose_voiced_descriptions(page)
    play_by_keyboard(page)
    cues = expected(site, OVERLAPPING_VTT)
    wait_until_time(page, 5.3)
    said = spoken(page)
    assert texts(page) == [text for _, _, text in cues], said
    assert_at_cue_times(said, cues)


def test_without_javascript_the_voice_setting_is_a_plain_form(page_as, site, learner):
    """JavaScript off: the browser's voice can be chosen and saved with the keyboard, the
    descriptions are in the transcript as text, and no Descriptions button is offered."""
    key, _email = learner
    page = page_as(key, java_script_enabled=False)
    page.goto(PLAYER_PAGE)
    choose_voiced_descriptions(page)
    assert "Your player settings are saved." in page.locator(".flash").first.inner_text()
    assert page.get_by_role("button", name=exactly("Descriptions")).count() == 0
    assert not page.locator(".player-controls").is_visible()
    cues = expected(site, DESCRIPTIONS_VTT)
    listed = [normalize(d) for d in page.locator(".cue-description [lang=en]").all_inner_texts()]
    assert listed == [text for _, _, text in cues]


def test_a_browser_without_a_voice_still_gives_the_description_to_the_screen_reader(open_unit, site):
    """When speech synthesis fails (no voice, as in this headless Chromium), each description goes
    to the polite live region instead, so a learner who chose the browser's voice still gets it."""
    page = open_unit(speed=2.0)
    choose_voiced_descriptions(page)
    page.evaluate("window.__speech.fail = 'synthesis-failed'")
    play_by_keyboard(page)
    cues = expected(site, DESCRIPTIONS_VTT)
    wait_spoken(page, 1)
    live = page.locator("#description-live")
    assert live.get_attribute("aria-live") == "polite"
    for _start, _end, text in cues[:2]:
        page.wait_for_function(
            "t => document.getElementById('description-live').textContent.replace(/\\s+/g, ' ').trim() === t",
            arg=text,
            timeout=PLAY_MS,
            polling=50,
        )
    assert [u["end"]["how"] for u in spoken(page)[:2]] == ["synthesis-failed"] * 2
