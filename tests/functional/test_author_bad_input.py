"""Bad input on the Teach pages: each gets a clear, accessible answer with the right status, and
nothing is half-saved."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from lms.db import get_session
from lms.models import CaptionTrack, Course, PendingCaption, Unit
from tests.factories import make_user
from tests.helpers import (
    ROOT,
    SRT,
    assert_page_structure,
    new_course,
    new_unit,
    post,
    sign_in_as,
    upload_captions,
    value,
)

DATA = ROOT / "tests" / "data" / "captions"


def counts(app):
    with app.app_context():
        s = get_session()
        return (s.scalar(select(func.count(CaptionTrack.id))), s.scalar(select(func.count(PendingCaption.id))))


@pytest.fixture
def unit_id(app, client):
    sign_in_as(app, client)
    return new_unit(client, new_course(client), "Talk")


@pytest.mark.parametrize(
    "name, data, expected",
    [
        ("empty.vtt", b"", "The file is empty"),
        ("binary.srt", bytes(range(256)) * 40, "binary data"),
        ("truncated.srt", b"1\n00:00:01,000 --> 00:00:0", "No captions could be read"),
        ("notes.txt", b"Just some notes about the talk, no timings at all.\n", "the first line must be"),
    ],
)
def test_rejected_caption_files_are_reported_and_not_stored(app, client, unit_id, name, data, expected):
    """Unusable caption files get a 422 report naming the problem (by line where there is one); nothing is stored."""
    before = counts(app)
    r = upload_captions(client, unit_id, data, name=name)
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert "This file was not stored" in html and expected in html
    assert "<title>Error:" in html and 'class="error-summary" tabindex="-1" data-autofocus' in html
    assert_page_structure(html)
    assert counts(app) == before


@pytest.mark.parametrize(
    "name, data, expected",
    [
        (
            "minutes.vtt",
            b"WEBVTT\n\n00:61:00.000 --> 00:62:00.000\nToo many minutes\n",
            "minutes and seconds must be between 00 and 59",
        ),
        ("negative.vtt", b"WEBVTT\n\n-00:00:01.000 --> 00:00:02.000\nBefore the start\n", "a time cannot be negative"),
    ],
)
def test_files_whose_every_cue_is_bad_are_reported_and_cannot_go_live(app, client, unit_id, name, data, expected):
    """A WebVTT file whose only cue has an impossible time is read as a browser would (no cues): the
    report names the line and the problem and offers no way to use it; nothing goes live."""
    before = counts(app)
    r = upload_captions(client, unit_id, data, name=name)
    assert r.status_code == 302
    html = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "<strong>Line 3:</strong>" in html and expected in html
    assert "Use these captions</button>" not in html
    assert counts(app)[0] == before[0]


def test_bad_timestamps_are_named_by_line(app, client, unit_id):
    """A file with a good cue and a cue timed 00:61:00.000 is accepted; the bad cue is reported with its line."""
    data = b"WEBVTT\n\n00:00:01.000 --> 00:00:02.500\nGood\n\n00:61:00.000 --> 00:61:02.000\nBad\n"
    r = upload_captions(client, unit_id, data, name="mixed.vtt")
    html = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "<strong>Line 6:</strong>" in html and "minutes and seconds must be between 00 and 59" in html


def test_enormous_caption_file_is_refused_with_413(app, client, unit_id):
    """A caption file over MAX_CAPTION_BYTES gets the form again with a 413 and an inline error."""
    app.config["MAX_CAPTION_BYTES"] = 10_000
    before = counts(app)
    big = b"WEBVTT\n\n" + b"".join(b"00:00:01.000 --> 00:00:02.000\nline\n\n" for _ in range(1000))
    r = upload_captions(client, unit_id, big, name="big.vtt")
    html = r.get_data(as_text=True)
    assert r.status_code == 413 and 'href="#file"' in html and "larger than 9 KB" in html
    assert counts(app) == before


def test_wrong_encoding_is_read_and_warned_about(app, client, unit_id):
    """A GB2312 SubRip file is read, and the report warns it is not UTF-8."""
    r = upload_captions(client, unit_id, (DATA / "cdown-srt-gb2312.srt").read_bytes(), name="zh.srt", language="zh")
    assert r.status_code == 302
    html = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "not saved as UTF-8" in html and "encoding gb2312" in html


def test_script_in_uploaded_cues_is_never_markup(app, client, unit_id):
    """<script>, javascript: and on* in cue text show as text on the report and track pages."""
    data = (
        b'1\n00:00:01,000 --> 00:00:03,000\n<script>alert(1)</script><b onclick="x()">hi</b>\n\n'
        b'2\n00:00:03,500 --> 00:00:05,000\n<a href="javascript:alert(1)">x</a><iframe src=//e></iframe>\n'
    )
    r = upload_captions(client, unit_id, data, name="<script>alert(2)</script>.srt")
    report = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "<script>alert(2)" not in report and "&lt;script&gt;alert(2)&lt;/script&gt;.srt" in report
    token = r.headers["Location"].rsplit("/", 1)[1]
    r = post(client, f"/teach/units/{unit_id}/captions/pending/{token}/confirm", token_from=r.headers["Location"])
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    for bad in ("<script>alert(1)", "onclick=", "<iframe", 'href="javascript:'):
        assert bad not in page


def test_caption_file_name_is_never_used_for_storage(app, client, unit_id, tmp_path):
    """A traversal name is only ever shown (escaped), never used as a path: captions live in the database."""
    media = tmp_path / "media"
    media.mkdir()
    app.config["MEDIA_DIR"] = str(media)
    r = upload_captions(client, unit_id, SRT.encode(), name="../../../../instance/secret_key.srt")
    assert r.status_code == 302
    assert list(media.iterdir()) == []
    html = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "../../../../instance/secret_key.srt" in html


def test_caption_language_and_kind_are_validated(app, client, unit_id):
    """An invalid language tag and an unknown kind are field errors (422); nothing is stored."""
    before = counts(app)
    r = post(
        client,
        f"/teach/units/{unit_id}/captions/new",
        {"file": (io.BytesIO(SRT.encode()), "a.srt"), "language": "not a language", "kind": "karaoke"},
        content_type="multipart/form-data",
    )
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and 'href="#language"' in html and 'href="#kind"' in html
    assert '<fieldset aria-labelledby="kind-legend">' in html
    assert re.search(r'<legend id="kind-legend"[^>]*>.*id="kind-error"', html, re.S)
    assert counts(app) == before


def test_missing_caption_file_is_a_field_error(app, client, unit_id):
    """Sending the caption form without a file asks for one."""
    r = post(
        client,
        f"/teach/units/{unit_id}/captions/new",
        {"language": "en", "kind": "captions"},
        content_type="multipart/form-data",
    )
    assert r.status_code == 422 and "Choose a caption file" in r.get_data(as_text=True)


def test_unknown_pending_token_is_404(app, client, unit_id):
    """A made-up or used pending token is a 404 page, for the report, the track and confirming."""
    assert client.get(f"/teach/units/{unit_id}/captions/pending/nope").status_code == 404
    assert client.get(f"/teach/units/{unit_id}/captions/pending/nope/captions.vtt").status_code == 404
    r = post(
        client,
        f"/teach/units/{unit_id}/captions/pending/nope/confirm",
        token_from=f"/teach/units/{unit_id}/captions/new",
    )
    assert r.status_code == 404


def test_pending_captions_of_another_unit_are_not_reachable(app, client, unit_id):
    """A token only works under the unit it was uploaded for."""
    other = new_unit(client, new_course(client, "Other"), "Other unit")
    token = upload_captions(client, unit_id, SRT.encode()).headers["Location"].rsplit("/", 1)[1]
    assert client.get(f"/teach/units/{other}/captions/pending/{token}").status_code == 404


# --- who may do what -------------------------------------------------------------------------------


def test_signed_out_visitor_is_sent_to_sign_in(client):
    """Teach and admin pages redirect a signed-out visitor to the sign-in page."""
    for url in ("/teach/", "/teach/courses/new", "/admin/users"):
        r = client.get(url)
        assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_learner_gets_403_on_teach_pages_and_posts(app, client):
    """A learner is refused (403, accessible page) on every Teach page, GET or POST."""
    make_user(app, email="l@example.org")
    post(client, "/login", {"email": "l@example.org", "password": "correct horse battery staple"})
    r = client.get("/teach/")
    assert r.status_code == 403 and "<h1>" in r.get_data(as_text=True)
    r = post(
        client, "/teach/courses/new", {"title": "Sneaky", "language": "en", "estimated_minutes": "1"}, token_from="/"
    )
    assert r.status_code == 403
    with app.app_context():
        assert get_session().scalars(select(Course).where(Course.title == "Sneaky")).first() is None
    assert "Teach" not in client.get("/").get_data(as_text=True).split("</nav>")[0]


def test_trainer_cannot_edit_another_trainers_course(app, client):
    """A trainer gets 403 on another trainer's course, units and tracks; nothing changes."""
    sign_in_as(app, client, email="owner@example.org", name="Owner")
    course_id = new_course(client)
    unit = new_unit(client, course_id, "Mine")
    r = upload_captions(client, unit, SRT.encode())
    token = r.headers["Location"].rsplit("/", 1)[1]
    track = int(
        post(client, f"/teach/units/{unit}/captions/pending/{token}/confirm", token_from=r.headers["Location"])
        .headers["Location"]
        .rsplit("/", 1)[1]
    )
    intruder = client.application.test_client()
    sign_in_as(app, intruder, email="intruder@example.org", name="Intruder")
    for url in (
        f"/teach/courses/{course_id}",
        f"/teach/courses/{course_id}/edit",
        f"/teach/units/{unit}/edit",
        f"/teach/units/{unit}/preview",
        f"/teach/tracks/{track}",
        f"/teach/tracks/{track}/download.vtt",
    ):
        assert intruder.get(url).status_code == 403, url
    r = post(
        intruder,
        f"/teach/units/{unit}/edit",
        {"title": "Hacked", "estimated_minutes": "1", "save": "1"},
        token_from="/teach/",
    )
    assert r.status_code == 403
    r = post(intruder, f"/teach/units/{unit}/delete", token_from="/teach/")
    assert r.status_code == 403
    with app.app_context():
        assert get_session().get(Unit, unit).title == "Mine"
    assert intruder.get("/courses/first-aid-basics").status_code == 404  # the draft is invisible to them


def test_missing_csrf_token_is_400_and_changes_nothing(app, client, unit_id):
    """A form posted without its CSRF token is refused with 400."""
    r = client.post(f"/teach/units/{unit_id}/delete")
    assert r.status_code == 400
    with app.app_context():
        assert get_session().get(Unit, unit_id) is not None


def test_unknown_ids_are_404(app, client, unit_id):
    """Teach pages for courses, units and tracks that do not exist are 404 pages."""
    for url in ("/teach/courses/9999", "/teach/units/9999/edit", "/teach/tracks/9999"):
        assert client.get(url).status_code == 404


def test_titles_with_bidi_overrides_or_control_characters_are_refused(app, client):
    """A course or unit title carrying U+202E (prints reversed), a NUL or another control character
    is refused with a message; a title typed in decomposed form is stored NFC."""
    sign_in_as(app, client)
    for bad in ("\u202eevil", "Tab\x00le", "Tab\x07le"):
        r = post(
            client,
            "/teach/courses/new",
            {"title": bad, "slug": "", "language": "en", "estimated_minutes": "5", "summary": "", "outcomes": ""},
        )
        assert r.status_code == 422 and "invisible control characters" in r.get_data(as_text=True)
    course_id = new_course(client, title="Cafe\u0301 talks")
    from lms.models import Course

    assert value(app, lambda s: s.get(Course, course_id).title) == "Caf\u00e9 talks"
    r = post(
        client,
        f"/teach/courses/{course_id}/units/new",
        {"title": "\u202eunit", "summary": "", "body_md": "x", "slug": "", "estimated_minutes": "1"},
    )
    assert r.status_code == 422 and "invisible control characters" in r.get_data(as_text=True)
