"""Captions from other tools, through the trainer's upload form, reach the learner's transcript (unit
page and .txt download) as plain words with the speaker's name, never as markup. The shared field
cases (../shared/field/README.md) and the whole shared caption corpus are driven this way."""

from __future__ import annotations

import html as htmllib
import json
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from lms.models import Course, PendingCaption, Unit
from tests.factories import PASSWORD, make_user
from tests.helpers import (
    ROOT,
    confirm_upload,
    load,
    new_course,
    new_unit,
    post,
    sign_in_as,
    upload_captions,
    upload_video,
)

SHARED = (ROOT / ".." / "shared").resolve()
FIELD = SHARED / "field"
CORPUS = SHARED / "corpus"

# Markup a transcript must never show: a WebVTT/SubRip tag, an inline timestamp, a character reference.
_MARKUP = re.compile(
    r"</?(?:c|i|b|u|v|ruby|rt|lang|font|span)(?:[ .\t][^>]*)?>|<\d{2}:\d{2}[:.]\d"
    r"|&(?:amp|lt|gt|nbsp|lrm|rlm|apos|quot|#\d+|#x[0-9a-fA-F]+);|\{\\[^}]*\}",
    re.I,
)


def field_file(name: str) -> Path:
    path = FIELD / name
    if not path.is_file():
        pytest.skip(f"shared field cases not found at {FIELD}")
    return path


class Learner:
    """A published unit with a video, its trainer's client and an enrolled learner's client."""

    def __init__(self, app, client):
        self.app, self.trainer = app, client
        sign_in_as(app, client)
        course_id = new_course(client, "Meetings")
        self.unit_id = new_unit(client, course_id, "The first meeting")
        upload_video(client, self.unit_id)
        self.publish_captions(b"WEBVTT\n\n00:00:01.000 --> 00:00:03.000\nHello.\n", "first.vtt")
        assert post(client, f"/teach/units/{self.unit_id}/publish", {"reason": ""}).status_code == 302
        assert (
            post(
                client,
                f"/teach/courses/{course_id}/status",
                {"status": "published"},
                token_from=f"/teach/courses/{course_id}",
            ).status_code
            == 302
        )
        self.slug = load(app, Course, course_id).slug
        self.unit_slug = load(app, Unit, self.unit_id).slug
        self.client = app.test_client()
        make_user(app, email="learner@example.org", name="Sok Dara")
        post(self.client, "/login", {"email": "learner@example.org", "password": PASSWORD})
        assert post(self.client, f"/courses/{self.slug}/enrol", token_from=f"/courses/{self.slug}").status_code == 302

    def upload(self, data: bytes, name: str):
        return upload_captions(self.trainer, self.unit_id, data, name=name)

    def publish_captions(self, data: bytes, name: str) -> bool:
        """Upload and confirm; False when the file is refused."""
        r = self.upload(data, name)
        if r.status_code != 302:
            return False
        # A file with no cue a player would show is reported but cannot go live (400).
        return confirm_upload(self.trainer, self.unit_id, r.headers["Location"]).status_code == 302

    def page_lines(self) -> list[str]:
        page = self.client.get(f"/courses/{self.slug}/units/{self.unit_slug}")
        assert page.status_code == 200
        return [
            htmllib.unescape(t)
            for t in re.findall(r'<span class="cue-text">(.*?)</span>', page.get_data(as_text=True), re.S)
        ]

    def txt_lines(self) -> list[str]:
        r = self.client.get(f"/courses/{self.slug}/units/{self.unit_slug}/transcript.txt?lang=en")
        assert r.status_code == 200 and r.mimetype == "text/plain"
        return [m.group(1) for m in re.finditer(r"^\[[\d:]+\] (.*)$", r.get_data(as_text=True), re.M)]

    def published_vtt(self) -> str:
        r = self.client.get(f"/courses/{self.slug}/units/{self.unit_slug}/captions/en/captions.vtt")
        assert r.status_code == 200
        return r.get_data(as_text=True)


@pytest.fixture
def learner(app, client):
    return Learner(app, client)


TEAMS_LINES = [
    "Trainer One: Good morning, everyone.",
    "Participant Two: Can we start with the budget & the plan?",
    "Trainer One: Yes, let's do that first.",
]


def test_teams_voice_tags_field_case(learner, db):
    """teams-voice-tags.vtt: accepted with 3 cues; transcript page and .txt read "Trainer One: Good
    morning, everyone."; the published .vtt keeps the voice spans."""
    path = field_file("teams-voice-tags.vtt")
    r = learner.upload(path.read_bytes(), path.name)
    assert r.status_code == 302
    assert db.scalars(select(PendingCaption)).one().cue_count == 3
    assert confirm_upload(learner.trainer, learner.unit_id, r.headers["Location"]).status_code == 302
    assert learner.page_lines() == TEAMS_LINES
    assert learner.txt_lines() == TEAMS_LINES
    vtt = learner.published_vtt()
    assert "<v Trainer One>Good morning, everyone.</v>" in vtt and "budget &amp; the plan" in vtt


def test_srt_without_milliseconds_field_case(learner, db):
    """srt-no-milliseconds.srt: accepted, 2 cues (0.1-4 s, 4-7 s), at most a warning naming the lines."""
    path = field_file("srt-no-milliseconds.srt")
    r = learner.upload(path.read_bytes(), path.name)
    assert r.status_code == 302, r.get_data(as_text=True)[:800]
    pending = db.scalars(select(PendingCaption)).one()
    assert pending.cue_count == 2
    assert "00:00:00.100 --> 00:00:04.000" in pending.vtt and "00:00:04.000 --> 00:00:07.000" in pending.vtt
    assert not pending.report.get("errors")
    # At most a warning, naming the two timing lines that lack milliseconds.
    short = [w for w in pending.report["warnings"] if "fewer than 3 digits" in w["message"]]
    assert [w["line"] for w in short] == [2, 6]
    assert confirm_upload(learner.trainer, learner.unit_id, r.headers["Location"]).status_code == 302
    assert learner.txt_lines() == ["In the last session we talked about stories.", "Today we tell one of our own."]


@pytest.mark.parametrize(
    "payload, expected",
    [
        ("<v Dr. Chan Dara>Welcome back.</v>", "Dr. Chan Dara: Welcome back."),
        ("<v.first Sophea>No closing tag", "Sophea: No closing tag"),
        ("<c.yellow>Mind</c> the <i>step</i>", "Mind the step"),
        ("Step<00:00:01.500> by<00:00:02.000> step", "Step by step"),
        ("Fish &amp; rice &lt;3&nbsp;you&lrm;", "Fish & rice <3 you\u200e"),
        ("<ruby>字<rt>ji</rt></ruby> and <lang km>សួស្តី</lang>", "字 and សួស្តី"),
    ],
)
def test_learner_transcript_reads_any_cue_markup_as_text(learner, payload, expected):
    """Voices, classes, inline timestamps, references, ruby and lang spans show as words on the page and in the .txt."""
    data = f"WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n{payload}\n".encode()
    assert learner.publish_captions(data, "meeting.vtt")
    assert learner.page_lines() == [expected]
    assert learner.txt_lines() == [expected]


def test_srt_font_tags_never_reach_the_learner(learner):
    """An SRT with <font>, <i> and {\\an8} codes publishes <i> only, and the transcript has the words."""
    data = (
        b'1\n00:00:01,000 --> 00:00:03,000\n{\\an8}<font color="#ffff00">Top</font> <i>line</i>\n\n'
        b'2\n00:00:03,500 --> 00:00:05,000\n<FONT face="Arial">Fish &amp; rice</FONT>\n'
    )
    assert learner.publish_captions(data, "old.srt")
    assert learner.txt_lines() == ["Top line", "Fish & rice"]
    vtt = learner.published_vtt()
    assert "Top <i>line</i>" in vtt and "font" not in vtt.lower() and "an8" not in vtt


def _corpus_files():
    files = []
    for folder, manifest_name in (
        ("webvtt/wpt", "manifest.json"),
        ("webvtt/webvtt-py", "manifest.json"),
        ("srt", "manifest.json"),
    ):
        manifest = CORPUS / folder / manifest_name
        if manifest.is_file():
            files += [CORPUS / folder / e["file"] for e in json.loads(manifest.read_text())["files"]]
    if files:
        # The converted formats' samples (TTML, SCC, SAMI, ASS) go through the same check.
        data = ROOT / "tests" / "data" / "captions"
        files += [data / e["file"] for e in json.loads((data / "formats.json").read_text())["files"]]
    return files


def test_no_corpus_file_shows_markup_in_the_transcript(learner, monkeypatch):
    """Every accepted file of the shared corpus (WPT, webvtt-py, SRT) and every converted-format sample
    gives a transcript (page and .txt) with no tag, inline timestamp or character reference left from markup."""
    files = _corpus_files()
    if not files:
        pytest.skip(f"shared caption corpus not found at {CORPUS}")
    # Speech detection runs ffmpeg over the video on every upload and is not what is checked here.
    monkeypatch.setattr("lms.captions.media._ffmpeg", lambda args, timeout: "")
    shown, accepted = [], 0
    for path in files:
        if not learner.publish_captions(path.read_bytes(), path.name):
            continue
        accepted += 1
        for line in learner.page_lines() + learner.txt_lines():
            if _MARKUP.search(line):
                shown.append(f"{path.parent.name}/{path.name}: {line!r}")
    assert accepted > 50
    assert not shown, "\n".join(shown)
