"""Other caption formats through the trainer's upload form: TTML, SCC, SAMI and ASS are converted and
go live as WebVTT; STYLE blocks survive into the published track; files of other kinds are named."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from lms.models import CaptionTrack, PendingCaption
from tests.helpers import ROOT, confirm_upload, load, new_course, new_unit, post, sign_in_as, upload_captions

DATA = ROOT / "tests" / "data" / "captions"
MANIFEST = json.loads((DATA / "formats.json").read_text())["files"]


@pytest.fixture
def unit_id(app, client):
    sign_in_as(app, client)
    return new_unit(client, new_course(client), "Talk")


def test_each_sample_format_uploads_with_its_cue_count(app, client, db, unit_id):
    """Every sample of formats.json uploads through the form, reports "read as" its format and holds its cues."""
    for entry in MANIFEST:
        r = upload_captions(client, unit_id, (DATA / entry["file"]).read_bytes(), name=entry["file"])
        assert r.status_code == 302, (entry["file"], r.status_code)
        report = client.get(r.headers["Location"]).get_data(as_text=True)
        assert f"read as {entry['format'].upper()}" in report, entry["file"]
        db.expire_all()
        pending = db.scalars(select(PendingCaption).order_by(PendingCaption.id.desc())).first()
        assert pending.cue_count == entry["expected_cues"] and pending.vtt.count("-->") == entry["expected_cues"]


def test_ass_goes_live_with_voice_spans(app, client, unit_id):
    """An Aegisub file goes live as WebVTT whose cues carry the speakers as voice spans."""
    r = upload_captions(client, unit_id, (DATA / "sala-aegisub.ass").read_bytes(), name="meeting.ass")
    track_id = int(confirm_upload(client, unit_id, r.headers["Location"]).headers["Location"].rsplit("/", 1)[1])
    vtt = load(app, CaptionTrack, track_id).vtt
    assert vtt.startswith("WEBVTT") and "<v Trainer One>Good morning, everyone.</v>" in vtt
    page = client.get(f"/teach/tracks/{track_id}").get_data(as_text=True)
    assert "Good morning, everyone." in page and "&lt;v Trainer" not in page


def test_style_block_survives_upload_and_cue_edit(app, client, unit_id):
    """A WebVTT STYLE block is listed in the report, published, and still there after a cue is edited."""

    data = b"WEBVTT\n\nSTYLE\n::cue(.loud) { color: yellow }\n\n00:00:01.000 --> 00:00:03.000\n<c.loud>Hello</c>\n"
    r = upload_captions(client, unit_id, data, name="styled.vtt")
    assert r.status_code == 302
    report = client.get(r.headers["Location"]).get_data(as_text=True)
    assert re.search(r"Line 3:</strong> the STYLE block", report)
    track_id = int(confirm_upload(client, unit_id, r.headers["Location"]).headers["Location"].rsplit("/", 1)[1])
    assert "STYLE\n::cue(.loud) { color: yellow }\n" in load(app, CaptionTrack, track_id).vtt
    r = post(
        client,
        f"/teach/tracks/{track_id}/cues/1/edit",
        {"start": "00:00:01.000", "end": "00:00:03.500", "text": "<c.loud>Hello there</c>"},
    )
    assert r.status_code == 302
    vtt = load(app, CaptionTrack, track_id).vtt
    assert "STYLE\n::cue(.loud) { color: yellow }\n" in vtt and "Hello there" in vtt


@pytest.mark.parametrize(
    "data, name, words",
    [
        (b"[ti:Song]\n[00:12.00]First line\n[00:15.30]Second line\n", "song.srt", "LRC"),
        (b"{0}{25}Hello\n{30}{60}World\n", "film.sub", "MicroDVD"),
        (b"{\\rtf1\\ansi Hello}", "captions.srt", "RTF"),
        (b"\x00\x00\x00\x20ftypisom" + b"\0" * 200, "talk.srt", "MP4 video"),
        (b"PK\x03\x04" + b"\0" * 26 + b"word/document.xml" + b"\0" * 100, "captions.vtt", "Word document"),
    ],
)
def test_other_kinds_of_file_are_named_in_the_error(app, client, db, unit_id, data, name, words):
    """A lyrics, MicroDVD, RTF, video or Word file is refused (422) with its kind named, and nothing is stored."""
    r = upload_captions(client, unit_id, data, name=name)
    assert r.status_code == 422
    assert words in r.get_data(as_text=True)
    assert db.scalar(select(PendingCaption)) is None
