"""Trainers writing courses in the browser: courses, units, order, publishing, video, captions."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from lms.db import get_session
from lms.models import CaptionTrack, Course, PendingCaption, Unit, User
from tests.factories import PASSWORD, make_user, media_sample
from tests.helpers import (
    SRT,
    WEBM,
    assert_page_structure,
    confirm_upload,
    csrf_token,
    load,
    new_course,
    new_unit,
    post,
    sign_in_as,
    upload_captions,
    upload_video,
    value,
)

# --- helpers (not tests) -------------------------------------------------------------------------


# --- the done-when scenario ------------------------------------------------------------------------


def test_trainer_builds_captioned_course_and_learner_sees_captions(app, client):
    """A trainer creates, uploads, checks and fixes captions, publishes; a learner sees the track."""
    sign_in_as(app, client)
    course_id = new_course(client, "Speaking with Confidence")
    unit1 = new_unit(client, course_id, "Why we speak", body="## Why\n\nWe speak to **share**.")
    unit2 = new_unit(client, course_id, "Preparing", body="Plan your talk.")

    r = upload_video(client, unit1, name="../../etc/passwd.webm")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/teach/units/{unit1}/captions/new")

    r = upload_captions(client, unit1, SRT.encode("utf-8"))
    assert r.status_code == 302
    report_url = r.headers["Location"]
    html = client.get(report_url).get_data(as_text=True)
    assert "Caption report" in html and "Quality" in html
    assert "<caption>Caption quality figures" in html and '<th scope="row">Longest line</th>' in html
    assert "Speech with captions" in html and "%" in html
    assert "<strong>Line 12:</strong> this caption stays on screen for 31.9 seconds" in html
    token = report_url.rsplit("/", 1)[1]
    pending_url = f"/teach/units/{unit1}/captions/pending/{token}/captions.vtt"
    assert f'src="{pending_url}"' in html
    vtt = client.get(pending_url)
    assert vtt.status_code == 200 and vtt.mimetype == "text/vtt" and "why peple speak" in vtt.get_data(as_text=True)
    with app.app_context():
        assert get_session().scalars(select(CaptionTrack).where(CaptionTrack.unit_id == unit1)).all() == []

    r = confirm_upload(client, unit1, report_url)
    assert r.status_code == 302
    track_id = int(r.headers["Location"].rsplit("/", 1)[1])
    track_page = client.get(f"/teach/tracks/{track_id}").get_data(as_text=True)
    assert "why peple speak in public." in track_page
    r = post(
        client,
        f"/teach/tracks/{track_id}/cues/2/edit",
        {
            "start": "00:00:03.786",
            "end": "00:00:06.903",
            "text": "In this unit, we look at\nwhy people speak in public.",
        },
    )
    assert r.status_code == 302
    assert "why people speak" in load(app, CaptionTrack, track_id).vtt

    for unit_id in (unit1, unit2):
        r = post(client, f"/teach/units/{unit_id}/publish", {"reason": ""})
        assert r.status_code == 302, r.get_data(as_text=True)[:1500]
    r = post(
        client, f"/teach/courses/{course_id}/status", {"status": "published"}, token_from=f"/teach/courses/{course_id}"
    )
    assert r.status_code == 302
    slug = load(app, Course, course_id).slug
    unit_slug = load(app, Unit, unit1).slug

    learner = app.test_client()
    make_user(app, email="learner@example.org", name="Sok Dara")
    post(learner, "/login", {"email": "learner@example.org", "password": PASSWORD})
    assert "Speaking with Confidence" in learner.get("/").get_data(as_text=True)
    assert post(learner, f"/courses/{slug}/enrol", token_from=f"/courses/{slug}").status_code == 302
    page = learner.get(f"/courses/{slug}/units/{unit_slug}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    track_src = re.search(r'<track kind="captions" srclang="en" label="English" src="([^"]+)"', html).group(1)
    captions = learner.get(track_src)
    assert captions.status_code == 200 and "why people speak in public." in captions.get_data(as_text=True)
    video_src = re.search(r'<video[^>]* src="([^"]+)"', html).group(1)
    with learner.get(video_src, headers={"Range": "bytes=0-99"}) as ranged:
        assert ranged.status_code == 206 and len(ranged.data) == 100


# --- courses ---------------------------------------------------------------------------------------


def test_created_course_is_a_draft_owned_by_its_creator(app, client):
    """The creator becomes owner, the slug comes from the title and learners cannot see the draft."""
    sign_in_as(app, client)
    course_id = new_course(client, "Café Safety: Fire & Floods")
    course = load(app, Course, course_id)
    assert course.slug == "cafe-safety-fire-floods" and course.status == "draft"
    assert course.outcomes == ["Check for danger", "Call for help"] and course.estimated_minutes == 40
    with app.app_context():
        assert course.owner_id == get_session().scalars(select(User.id).where(User.role == "trainer")).one()
    other = app.test_client()
    assert other.get(f"/courses/{course.slug}").status_code == 404
    assert course.title not in other.get("/").get_data(as_text=True)
    assert client.get(f"/courses/{course.slug}").status_code == 200  # preview as a learner


def test_course_form_errors_are_summarised_and_inline(app, client):
    """Bad title, slug, language and minutes give 422, an error summary, inline errors and Error: in the title."""
    sign_in_as(app, client)
    r = post(
        client,
        "/teach/courses/new",
        {
            "title": "",
            "slug": "Not A Slug!",
            "language": "english",
            "estimated_minutes": "-5",
            "summary": "",
            "outcomes": "",
        },
    )
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert "<title>Error:" in html and 'class="error-summary"' in html
    for field in ("title", "language", "estimated_minutes"):
        assert f'href="#{field}"' in html
        assert f'aria-describedby="{field}-error"' in html or f"{field}-hint {field}-error" in html
    with app.app_context():
        assert get_session().scalars(select(Course).where(Course.owner_id.is_not(None))).all() == []


def test_course_slug_must_be_unique_and_valid(app, client):
    """A taken slug is refused with a field error; a valid new one is kept."""
    sign_in_as(app, client)
    r = post(
        client,
        "/teach/courses/new",
        {"title": "Public Speaking again", "slug": "public-speaking", "language": "en", "estimated_minutes": "5"},
    )
    assert r.status_code == 422 and "already uses" in r.get_data(as_text=True)
    r = post(client, "/teach/courses/new", {"title": "X", "slug": "a--b", "language": "en", "estimated_minutes": "5"})
    assert r.status_code == 422 and 'id="slug-error"' in r.get_data(as_text=True)
    course_id = new_course(client, "Anything", slug="my-own-slug")
    assert load(app, Course, course_id).slug == "my-own-slug"


def test_language_is_validated_and_normalised(app, client):
    """BCP 47 tags are normalised (en-gb → en-GB); unknown languages are refused."""
    sign_in_as(app, client)
    course_id = new_course(client, "Tea", language="en-gb")
    assert load(app, Course, course_id).language == "en-GB"
    r = post(client, "/teach/courses/new", {"title": "T", "language": "xx", "estimated_minutes": "1"})
    assert r.status_code == 422 and "not a language we know" in r.get_data(as_text=True)
    r = post(client, "/teach/courses/new", {"title": "T", "language": "en_US<script>", "estimated_minutes": "1"})
    assert r.status_code == 422 and "<script>" not in r.get_data(as_text=True)


def test_edit_course_saves_details(app, client):
    """Editing a course changes its details and keeps its owner."""
    sign_in_as(app, client)
    course_id = new_course(client)
    form = client.get(f"/teach/courses/{course_id}/edit").get_data(as_text=True)
    assert "Check for danger\nCall for help" in form
    r = post(
        client,
        f"/teach/courses/{course_id}/edit",
        {
            "title": "First Aid",
            "slug": "first-aid",
            "language": "km",
            "summary": "s",
            "outcomes": "one",
            "estimated_minutes": "12",
        },
    )
    assert r.status_code == 302
    course = load(app, Course, course_id)
    assert (course.title, course.slug, course.language, course.outcomes) == ("First Aid", "first-aid", "km", ["one"])


def test_course_cannot_be_published_without_units(app, client):
    """Publishing an empty course is refused with a message; it stays a draft."""
    sign_in_as(app, client)
    course_id = new_course(client)
    r = post(
        client, f"/teach/courses/{course_id}/status", {"status": "published"}, token_from=f"/teach/courses/{course_id}"
    )
    assert r.status_code == 302
    assert "Publish at least one unit" in client.get(r.headers["Location"]).get_data(as_text=True)
    assert load(app, Course, course_id).status == "draft"


# --- units ---------------------------------------------------------------------------------------------


def test_unit_preview_shows_sanitized_html_without_saving(app, client):
    """Preview renders the Markdown below the form, scripts and handlers removed, and saves nothing."""
    sign_in_as(app, client)
    course_id = new_course(client)
    body = (
        "## Heading\n\n<script>alert(1)</script>\n\n[click](javascript:alert(1))\n\n"
        '<img src="x.png" onerror="alert(1)" alt="A bandage">\n\n<iframe src="https://evil.example"></iframe>'
    )
    r = post(
        client,
        f"/teach/courses/{course_id}/units/new",
        {"title": "Bandages", "body_md": body, "estimated_minutes": "5", "preview": "Preview"},
    )
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    preview = html.split('id="preview-heading"', 1)[1]
    assert "<h3>Heading</h3>" in preview
    assert "<script" not in preview and "javascript:" not in preview and "onerror" not in preview
    assert "<iframe" not in preview and 'alt="A bandage"' in preview
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # the source, escaped, still in the textarea
    assert value(app, lambda s: s.get(Course, course_id).units) == []
    assert_page_structure(html)


def test_saved_unit_body_is_sanitized(app, client):
    """What is stored and shown for a unit never carries script, on* attributes or javascript: links."""
    sign_in_as(app, client)
    course_id = new_course(client)
    unit_id = new_unit(
        client,
        course_id,
        "<script>alert('t')</script>Title",
        body='<a href="javascript:alert(1)" onclick="x()">link</a><iframe src="//e"></iframe>',
    )
    unit = load(app, Unit, unit_id)
    assert "javascript" not in unit.body_html and "onclick" not in unit.body_html and "iframe" not in unit.body_html
    html = client.get(f"/teach/courses/{course_id}").get_data(as_text=True)
    assert "<script>alert('t')</script>" not in html and "&lt;script&gt;" in html
    preview = client.get(f"/teach/units/{unit_id}/preview").get_data(as_text=True)
    assert "<script>alert" not in preview


def test_units_move_up_and_down_with_named_buttons(app, client):
    """Move buttons name their unit for screen readers and swap positions."""
    sign_in_as(app, client)
    course_id = new_course(client)
    a = new_unit(client, course_id, "Arrive")
    b = new_unit(client, course_id, "Preparing")
    html = client.get(f"/teach/courses/{course_id}").get_data(as_text=True)
    assert 'Move up<span class="visually-hidden"> unit 2: Preparing</span>' in html
    assert 'Move down<span class="visually-hidden"> unit 1: Arrive</span>' in html
    assert 'Move up<span class="visually-hidden"> unit 1' not in html  # first unit cannot go up
    r = post(client, f"/teach/units/{b}/move", {"direction": "up"}, token_from=f"/teach/courses/{course_id}")
    assert r.status_code == 302
    assert (load(app, Unit, a).position, load(app, Unit, b).position) == (2, 1)
    r = post(client, f"/teach/units/{b}/move", {"direction": "up"}, token_from=f"/teach/courses/{course_id}")
    assert "already at the top" in client.get(r.headers["Location"]).get_data(as_text=True)
    r = post(client, f"/teach/units/{b}/move", {"direction": "sideways"}, token_from=f"/teach/courses/{course_id}")
    assert r.status_code == 400


def test_delete_unit_asks_then_renumbers(app, client):
    """Deleting asks for confirmation on its own page, then removes the unit and closes the gap."""
    sign_in_as(app, client)
    course_id = new_course(client)
    a = new_unit(client, course_id, "One")
    b = new_unit(client, course_id, "Two")
    page = client.get(f"/teach/units/{a}/delete")
    assert page.status_code == 200 and "cannot be undone" in page.get_data(as_text=True)
    assert post(client, f"/teach/units/{a}/delete").status_code == 302
    assert load(app, Unit, a) is None and load(app, Unit, b).position == 1


def test_unit_slug_is_unique_within_course(app, client):
    """Two units with the same title get distinct slugs; an explicit duplicate is refused."""
    sign_in_as(app, client)
    course_id = new_course(client)
    a = new_unit(client, course_id, "Intro")
    b = new_unit(client, course_id, "Intro")
    assert load(app, Unit, a).slug == "intro" and load(app, Unit, b).slug == "intro-2"
    r = post(
        client, f"/teach/units/{b}/edit", {"title": "Intro", "slug": "intro", "estimated_minutes": "1", "save": "1"}
    )
    assert r.status_code == 422 and "already uses" in r.get_data(as_text=True)


def test_draft_units_are_hidden_from_enrolled_learners(app, client):
    """A published course shows learners only its published units."""
    sign_in_as(app, client)
    course_id = new_course(client)
    shown = new_unit(client, course_id, "Shown")
    hidden = new_unit(client, course_id, "Hidden unit")
    post(client, f"/teach/units/{shown}/publish", {"reason": ""})
    post(
        client, f"/teach/courses/{course_id}/status", {"status": "published"}, token_from=f"/teach/courses/{course_id}"
    )
    slug = load(app, Course, course_id).slug
    learner = app.test_client()
    make_user(app, email="l2@example.org")
    post(learner, "/login", {"email": "l2@example.org", "password": PASSWORD})
    post(learner, f"/courses/{slug}/enrol", token_from=f"/courses/{slug}")
    page = learner.get(f"/courses/{slug}").get_data(as_text=True)
    assert "Shown" in page and "Hidden unit" not in page
    assert learner.get(f"/courses/{slug}/units/{load(app, Unit, hidden).slug}").status_code == 404


# --- the publishing gate ---------------------------------------------------------------------------------


def test_unit_with_video_needs_captions_or_a_reason(app, client):
    """Publishing a video unit without captions is refused (422); with a reason it is published and the reason shown."""
    sign_in_as(app, client)
    course_id = new_course(client)
    unit_id = new_unit(client, course_id, "Video unit", body="![](photo.png)")
    assert upload_video(client, unit_id).status_code == 302
    page = client.get(f"/teach/units/{unit_id}/publish").get_data(as_text=True)
    assert "no captions in the course language" in page and "has no alt text" in page
    r = post(client, f"/teach/units/{unit_id}/publish", {"reason": "  "})
    assert r.status_code == 422 and 'href="#reason"' in r.get_data(as_text=True)
    assert load(app, Unit, unit_id).status == "draft"
    r = post(client, f"/teach/units/{unit_id}/publish", {"reason": "Workshop starts tomorrow; captions on Friday."})
    assert r.status_code == 302
    unit = load(app, Unit, unit_id)
    assert unit.status == "published" and unit.publish_override_reason.startswith("Workshop starts")
    dash = client.get("/teach/").get_data(as_text=True)
    assert "Published with gaps." in dash and "Workshop starts tomorrow" in dash
    assert_page_structure(dash)


def test_captions_in_another_language_do_not_pass_the_gate(app, client):
    """French captions on an English course still leave the video without captions in its language."""
    sign_in_as(app, client)
    course_id = new_course(client)
    unit_id = new_unit(client, course_id, "V")
    upload_video(client, unit_id)
    r = upload_captions(client, unit_id, SRT.encode(), language="fr", kind="subtitles")
    confirm_upload(client, unit_id, r.headers["Location"])
    r = post(client, f"/teach/units/{unit_id}/publish", {"reason": ""})
    assert r.status_code == 422


def test_unpublishing_clears_the_override_reason(app, client):
    """Making a unit a draft again hides it and forgets the old override reason."""
    sign_in_as(app, client)
    course_id = new_course(client)
    unit_id = new_unit(client, course_id, "Pic", body="![](a.png)")
    post(client, f"/teach/units/{unit_id}/publish", {"reason": "Needed now"})
    assert (
        post(client, f"/teach/units/{unit_id}/unpublish", token_from=f"/teach/courses/{course_id}").status_code == 302
    )
    unit = load(app, Unit, unit_id)
    assert unit.status == "draft" and unit.publish_override_reason == ""


# --- video ------------------------------------------------------------------------------------------------


def test_video_is_stored_by_content_hash_not_client_name(app, client, tmp_path):
    """The client's file name (even a path traversal) is never used: the file lands as <sha256>.webm."""
    media = tmp_path / "media"
    app.config["MEDIA_DIR"] = str(media)
    sign_in_as(app, client)
    unit_id = new_unit(client, new_course(client), "V")
    r = upload_video(client, unit_id, name="../../../../tmp/evil.mp4")
    assert r.status_code == 302
    files = [p.name for p in media.iterdir()]
    assert len(files) == 1 and re.fullmatch(r"[0-9a-f]{64}\.webm", files[0])
    video = value(app, lambda s: s.get(Unit, unit_id).video)
    assert video.mime_type == "video/webm" and video.duration and video.duration > 60
    assert not (tmp_path / "evil.mp4").exists() and not Path("/tmp/evil.mp4").exists()


def test_not_a_video_is_refused_and_leaves_nothing(app, client, tmp_path):
    """A text file named .webm is refused with 422 and no file (not even a temp file) stays behind."""
    media = tmp_path / "media"
    media.mkdir()
    app.config["MEDIA_DIR"] = str(media)
    sign_in_as(app, client)
    unit_id = new_unit(client, new_course(client), "V")
    r = post(
        client,
        f"/teach/units/{unit_id}/video",
        {"video": (io.BytesIO(b"<html>not a video</html>" * 100), "movie.webm"), "description": ""},
        content_type="multipart/form-data",
    )
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "not a WebM, MP4, MP3 or M4A file" in html and 'href="#video"' in html
    assert list(media.iterdir()) == []
    assert value(app, lambda s: s.get(Unit, unit_id).video) is None


def test_missing_video_file_is_a_field_error(app, client):
    """Sending the form without a file asks for one."""
    sign_in_as(app, client)
    unit_id = new_unit(client, new_course(client), "V")
    r = post(client, f"/teach/units/{unit_id}/video", {"description": "x"}, content_type="multipart/form-data")
    assert r.status_code == 422 and "Choose a video or audio file" in r.get_data(as_text=True)


def test_upload_over_limit_gets_accessible_413_page(app, client, tmp_path):
    """A body over MAX_CONTENT_LENGTH gets the 413 page (not a reset), and nothing is stored."""
    media = tmp_path / "media"
    media.mkdir()
    app.config.update(MEDIA_DIR=str(media), MAX_CONTENT_LENGTH=64 * 1024)
    sign_in_as(app, client)
    unit_id = new_unit(client, new_course(client), "V")
    token = csrf_token(client, f"/teach/units/{unit_id}/video")
    r = client.post(
        f"/teach/units/{unit_id}/video",
        data={"csrf_token": token, "video": (io.BytesIO(WEBM.read_bytes()), "v.webm")},
        content_type="multipart/form-data",
    )
    html = r.get_data(as_text=True)
    assert r.status_code == 413
    assert "<h1>The file is too large</h1>" in html
    assert "larger than the limit of" in html and "so nothing was saved" in html
    assert r.headers.get("Connection") == "close"
    assert list(media.iterdir()) == []


def test_drain_input_reads_the_unread_body():
    """The 413 handler reads the rest of the body (up to Content-Length), so the client sees the response."""
    from lms.errors import drain_input

    body = io.BytesIO(b"x" * 300_000)
    assert drain_input({"CONTENT_LENGTH": "300000", "wsgi.input": body}) == 300_000
    assert body.read() == b""
    capped = io.BytesIO(b"x" * 1000)
    assert drain_input({"CONTENT_LENGTH": "1000", "wsgi.input": capped}, limit=10) == 10
    assert drain_input({"CONTENT_LENGTH": "nonsense", "wsgi.input": io.BytesIO(b"x")}) == 0


def test_trainer_can_play_media_of_own_draft_course_only(app, client):
    """Media of a draft course plays for its editors (with 206 ranges) and not for other trainers."""
    sign_in_as(app, client)
    unit_id = new_unit(client, new_course(client), "V")
    upload_video(client, unit_id)
    src = f"/media/{value(app, lambda s: s.get(Unit, unit_id).video.filename)}"
    with client.get(src, headers={"Range": "bytes=10-19"}) as ranged:
        assert ranged.status_code == 206 and ranged.data == WEBM.read_bytes()[10:20]
    other = app.test_client()
    sign_in_as(app, other, email="other-trainer@example.org", name="Other")
    # The same file also belongs to the imported (published) course, which the other trainer has not joined.
    with other.get(src) as refused:
        assert refused.status_code == 403


def test_audio_and_mp4_are_recognised_by_content(app, client, tmp_path):
    """Real MP3, M4A and MP4 files are accepted by their content, whatever the file is called."""
    app.config["MEDIA_DIR"] = str(tmp_path / "media")
    sign_in_as(app, client)
    course_id = new_course(client)
    cases = {"mp3": "audio/mpeg", "m4a": "audio/mp4", "mp4": "video/mp4"}
    for kind, mime in cases.items():
        unit_id = new_unit(client, course_id, f"Media {kind}")
        data = media_sample(tmp_path / "samples", kind).read_bytes()
        r = post(
            client,
            f"/teach/units/{unit_id}/video",
            {"video": (io.BytesIO(data), "file.bin"), "description": ""},
            content_type="multipart/form-data",
        )
        assert r.status_code == 302
        assert value(app, lambda s, unit_id=unit_id: s.get(Unit, unit_id).video.mime_type) == mime


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\x00" * 2000, id="mp3-header-then-nothing"),
        pytest.param(b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00" + b"\x00" * 2000, id="mp4-header-then-nothing"),
        pytest.param(WEBM.read_bytes()[:4096] + b"<html><script>alert(1)</script></html>" * 2000, id="webm-then-html"),
        pytest.param(WEBM.read_bytes()[: len(WEBM.read_bytes()) // 2], id="webm-cut-in-half"),
    ],
)
def test_media_that_does_not_decode_is_refused_and_nothing_is_kept(app, client, tmp_path, data):
    """A media signature is not enough: ffmpeg must play the file to the end, else 422 and no file."""
    media = tmp_path / "media"
    app.config["MEDIA_DIR"] = str(media)
    sign_in_as(app, client)
    unit_id = new_unit(client, new_course(client), "Broken")
    r = post(
        client,
        f"/teach/units/{unit_id}/video",
        {"video": (io.BytesIO(data), "clip.webm"), "description": ""},
        content_type="multipart/form-data",
    )
    assert r.status_code == 422
    assert "cannot be played to the end" in r.get_data(as_text=True)
    assert value(app, lambda s: s.get(Unit, unit_id).video) is None
    assert not media.exists() or list(media.iterdir()) == []


# --- captions -------------------------------------------------------------------------------------------


def test_pending_captions_are_not_live_until_confirmed(app, client):
    """An accepted upload waits as pending; discarding it leaves the unit unchanged."""
    sign_in_as(app, client)
    unit_id = new_unit(client, new_course(client), "V")
    r = upload_captions(client, unit_id, SRT.encode())
    report_url = r.headers["Location"]
    assert value(app, lambda s: s.get(Unit, unit_id).caption_tracks) == []
    token = report_url.rsplit("/", 1)[1]
    r = post(client, f"/teach/units/{unit_id}/captions/pending/{token}/discard", token_from=report_url)
    assert r.status_code == 302
    assert client.get(report_url).status_code == 404
    with app.app_context():
        assert get_session().scalars(select(PendingCaption)).all() == []


def test_caption_encodings_and_formats_are_accepted(app, client):
    """UTF-8 with BOM, UTF-16 and CRLF SRT, SBV and VTT all become normalised WebVTT."""
    sign_in_as(app, client)
    course_id = new_course(client)
    samples = {
        "bom.srt": b"\xef\xbb\xbf" + SRT.encode("utf-8"),
        "utf16.srt": SRT.encode("utf-16"),
        "talk.sbv": b"0:00:01.000,0:00:03.000\nHello there.\n\n0:00:03.500,0:00:05.000\nWelcome.\n",
        "talk.vtt": b"WEBVTT\r\n\r\n00:00:01.000 --> 00:00:03.000\r\nHello.\r\n",
    }
    for n, (name, data) in enumerate(samples.items()):
        unit_id = new_unit(client, course_id, f"Unit {n}")
        r = upload_captions(client, unit_id, data, name=name)
        assert r.status_code == 302, (name, r.get_data(as_text=True)[:3000])
        confirm_upload(client, unit_id, r.headers["Location"])
        track = value(app, lambda s, unit_id=unit_id: s.get(Unit, unit_id).caption_tracks[0])
        assert track.vtt.startswith("WEBVTT\nLanguage: en\n") and "\r" not in track.vtt and track.label == "English"


def test_vtt_named_file_that_is_really_srt_is_read_and_reported(app, client):
    """A .vtt that is really SubRip is read as SubRip and the report says so."""
    sign_in_as(app, client)
    unit_id = new_unit(client, new_course(client), "V")
    r = upload_captions(client, unit_id, SRT.encode(), name="talk.vtt")
    html = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "really a SubRip (.srt) file" in html


def test_captions_replace_track_of_same_language_and_kind(app, client):
    """A second upload in the same language and kind replaces the first track, not adds one."""
    sign_in_as(app, client)
    unit_id = new_unit(client, new_course(client), "V")
    for text in ("First version.", "Second version."):
        data = f"WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n{text}\n".encode()
        confirm_upload(client, unit_id, upload_captions(client, unit_id, data, name="c.vtt").headers["Location"])
    tracks = value(app, lambda s: s.get(Unit, unit_id).caption_tracks)
    assert len(tracks) == 1 and "Second version." in tracks[0].vtt


def test_track_downloads_as_vtt_and_srt(app, client):
    """A live track downloads as WebVTT and as SubRip, as attachments named after course and unit."""
    sign_in_as(app, client)
    unit_id = new_unit(client, new_course(client), "Talk")
    r = upload_captions(client, unit_id, SRT.encode())
    track_id = int(confirm_upload(client, unit_id, r.headers["Location"]).headers["Location"].rsplit("/", 1)[1])
    vtt = client.get(f"/teach/tracks/{track_id}/download.vtt")
    srt = client.get(f"/teach/tracks/{track_id}/download.srt")
    assert vtt.mimetype == "text/vtt" and vtt.get_data(as_text=True).startswith("WEBVTT")
    assert "first-aid-basics-talk-en-captions.vtt" in vtt.headers["Content-Disposition"]
    assert "00:00:00,400 --> 00:00:03,436" in srt.get_data(as_text=True)
    assert client.get(f"/teach/tracks/{track_id}/download.exe").status_code == 404


def test_cue_edit_validates_times_and_text(app, client):
    """Bad times, end before start and empty text are all reported at once with 422; nothing changes."""
    sign_in_as(app, client)
    unit_id = new_unit(client, new_course(client), "Talk")
    r = upload_captions(client, unit_id, SRT.encode())
    track_id = int(confirm_upload(client, unit_id, r.headers["Location"]).headers["Location"].rsplit("/", 1)[1])
    before = load(app, CaptionTrack, track_id).vtt
    url = f"/teach/tracks/{track_id}/cues/1/edit"
    form = client.get(url).get_data(as_text=True)
    assert 'value="00:00:00.400"' in form and 'for="start"' in form
    for start, end, text, field in [
        ("00:61:00.000", "00:00:02.000", "x", "start"),
        ("-00:00:01.000", "00:00:02.000", "x", "start"),
        ("00:00:05.000", "00:00:04.000", "x", "end"),
        ("00:00:01.000", "00:00:02.000", "   ", "text"),
        ("1 second", "two", "x", "end"),
    ]:
        r = post(client, url, {"start": start, "end": end, "text": text})
        html = r.get_data(as_text=True)
        assert r.status_code == 422, (start, end, text)
        assert f'href="#{field}"' in html and f'id="{field}-error"' in html
    assert load(app, CaptionTrack, track_id).vtt == before
    assert client.get(f"/teach/tracks/{track_id}/cues/99/edit").status_code == 404


def test_cue_text_with_markup_is_shown_as_text(app, client):
    """<script> typed into a cue is stored as a character reference and shown escaped, never run."""
    sign_in_as(app, client)
    unit_id = new_unit(client, new_course(client), "Talk")
    r = upload_captions(client, unit_id, SRT.encode())
    track_id = int(confirm_upload(client, unit_id, r.headers["Location"]).headers["Location"].rsplit("/", 1)[1])
    r = post(
        client,
        f"/teach/tracks/{track_id}/cues/1/edit",
        {"start": "00:00:00.400", "end": "00:00:03.000", "text": "<i>Hi</i> <script>alert(1)</script> & bye"},
    )
    assert r.status_code == 302
    vtt = load(app, CaptionTrack, track_id).vtt
    assert "<i>Hi</i> &lt;script>alert(1)&lt;/script> &amp; bye" in vtt
    page = client.get(f"/teach/tracks/{track_id}").get_data(as_text=True)
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page


# --- the dashboard ------------------------------------------------------------------------------------


def test_dashboard_lists_only_editable_courses_with_unit_states(app, client):
    """A trainer's Teach page lists their courses with each unit's state in words, not imported ones."""
    sign_in_as(app, client)
    course_id = new_course(client, "My Course")
    new_unit(client, course_id, "Draft unit")
    r = client.get("/teach/")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "My Course" in html and "Public Speaking" not in html
    assert "Draft unit" in html and ">Draft</strong>" in html and "<caption>Units of My Course</caption>" in html
    assert 'href="/teach/"' in html and ">Teach<" in html  # nav link
    assert_page_structure(html)


def test_author_pages_have_one_h1_and_labelled_fields(app, client):
    """Every Teach page has exactly one h1, no skipped heading levels, and a label for each field."""
    sign_in_as(app, client)
    course_id = new_course(client)
    unit_id = new_unit(client, course_id, "Talk", body="![A chart](c.png)")
    upload_video(client, unit_id)
    report_url = upload_captions(client, unit_id, SRT.encode()).headers["Location"]
    urls = [
        "/teach/",
        "/teach/courses/new",
        f"/teach/courses/{course_id}",
        f"/teach/courses/{course_id}/edit",
        f"/teach/courses/{course_id}/units/new",
        f"/teach/units/{unit_id}/edit",
        f"/teach/units/{unit_id}/delete",
        f"/teach/units/{unit_id}/publish",
        f"/teach/units/{unit_id}/preview",
        f"/teach/units/{unit_id}/video",
        f"/teach/units/{unit_id}/captions/new",
        report_url,
        "confirm",
        "/teach/tracks/{track}",
        "/teach/tracks/{track}/cues/1/edit",
    ]
    track_id = None
    for url in urls:
        if url == "confirm":
            track_id = int(confirm_upload(client, unit_id, report_url).headers["Location"].rsplit("/", 1)[1])
            continue
        url = url.format(track=track_id)
        r = client.get(url)
        html = r.get_data(as_text=True)
        assert r.status_code == 200, url
        assert_page_structure(html)
        for field_id in re.findall(
            r'<(?:input|textarea|select)\b(?![^>]*type="(?:hidden|submit)")[^>]*\bid="([^"]+)"', html
        ):
            assert f'for="{field_id}"' in html, (url, field_id)
