"""A video's poster image on the Teach video page: a poster always has alt text, bad files are refused
with nothing left behind, learners see the poster and its text, and an export keeps both."""

from __future__ import annotations

import io
import re
import struct
import zlib
from pathlib import Path

import pytest

from lms.models import Course, Unit
from lms.services.media import sniff_image
from tests.factories import PASSWORD, make_user
from tests.helpers import WEBM, load, new_course, new_unit, post, sign_in_as, upload_video, value

ALT_REQUIRED = "Describe the poster image for people who cannot see it."


def png(width: int = 2, height: int = 2) -> bytes:
    """A small valid PNG (grey pixels)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x80\x80\x80" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


PNG = png()
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 200
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 200


def video_page(client, unit_id, data: dict):
    url = f"/teach/units/{unit_id}/video"
    return post(client, url, data, token_from=url, content_type="multipart/form-data")


def with_video(data: dict | None = None, description="A trainer speaks to a room.") -> dict:
    return {"video": (io.BytesIO(WEBM.read_bytes()), "clip.webm"), "description": description, **(data or {})}


@pytest.fixture
def media(app, tmp_path):
    """A media folder of the test's own, to check that a refused form leaves no file in it."""
    folder = tmp_path / "media"
    folder.mkdir()
    app.config["MEDIA_DIR"] = str(folder)
    return folder


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_sniff_image_by_content_only():
    """PNG, JPEG and WebP are told by their first bytes; video, text and look-alikes are not images."""
    assert sniff_image(PNG) == ("image/png", "png")
    assert sniff_image(JPEG) == ("image/jpeg", "jpg")
    assert sniff_image(WEBP) == ("image/webp", "webp")
    for head in (
        WEBM.read_bytes()[:64],
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        b"GIF89a\x01\x00",
        b"RIFF\x24\x00\x00\x00WAVEfmt ",
        b"",
        b"\x89PNG",
    ):
        assert sniff_image(head) is None, head


def test_poster_with_alt_is_stored_by_hash_and_shown_to_learners(app, client, media):
    """Video and poster in one form; the learner's page has poster= on the <video> and the alt text,
    which is stored as typed and escaped on the page; the poster is served like the video."""
    sign_in_as(app, client)
    course_id = new_course(client)
    unit_id = new_unit(client, course_id, "Greeting the room")
    alt = 'A speaker at a lectern <script>alert("x")</script> facing a full hall'
    r = video_page(
        client, unit_id, with_video({"poster": (io.BytesIO(PNG), "../../../etc/evil.png"), "poster_alt": alt})
    )
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    video = value(app, lambda s: s.get(Unit, unit_id).video)
    assert re.fullmatch(r"[0-9a-f]{64}\.png", video.poster_filename) and video.poster_mime == "image/png"
    assert video.poster_alt == alt
    assert files_in(media) == sorted([video.filename, video.poster_filename])
    assert not Path("/etc/evil.png").exists() and not (media.parent / "evil.png").exists()

    poster_url = f"/media/{video.poster_filename}"
    escaped = "A speaker at a lectern &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; facing a full hall"
    preview = client.get(f"/teach/units/{unit_id}/preview").get_data(as_text=True)
    assert f'poster="{poster_url}"' in preview and escaped in preview and "<script>alert" not in preview

    # Publish (with a reason: no captions) and look as an enrolled learner.
    post(client, f"/teach/units/{unit_id}/publish", {"reason": "Captions on Friday."})
    post(
        client, f"/teach/courses/{course_id}/status", {"status": "published"}, token_from=f"/teach/courses/{course_id}"
    )
    slug, unit_slug = load(app, Course, course_id).slug, load(app, Unit, unit_id).slug
    learner = app.test_client()
    make_user(app, email="poster-learner@example.org")
    post(learner, "/login", {"email": "poster-learner@example.org", "password": PASSWORD})
    post(learner, f"/courses/{slug}/enrol", token_from=f"/courses/{slug}")
    page = learner.get(f"/courses/{slug}/units/{unit_slug}").get_data(as_text=True)
    tag = re.search(r"<video\b[^>]*>", page).group(0)
    assert f'poster="{poster_url}"' in tag and 'aria-describedby="video-description"' in tag
    described = re.search(r'<p id="video-description"[^>]*>(.*?)</p>', page, re.S).group(1)
    assert "A trainer speaks to a room." in described and escaped in described
    assert "<script>alert" not in page
    with learner.get(poster_url) as served:
        assert served.status_code == 200 and served.mimetype == "image/png" and served.data == PNG
    stranger = app.test_client()
    make_user(app, email="not-enrolled@example.org")
    post(stranger, "/login", {"email": "not-enrolled@example.org", "password": PASSWORD})
    with stranger.get(poster_url) as refused:
        assert refused.status_code in (403, 404)


def test_poster_without_alt_is_refused_on_the_alt_field_and_nothing_is_kept(app, client, media):
    """No alt text: 422, the error is on poster_alt (summary links to it), no video or poster is stored."""
    sign_in_as(app, client)
    unit_id = new_unit(client, new_course(client), "V")
    for blank in ("", "   \n "):
        r = video_page(client, unit_id, with_video({"poster": (io.BytesIO(PNG), "poster.png"), "poster_alt": blank}))
        html = r.get_data(as_text=True)
        assert r.status_code == 422 and ALT_REQUIRED in html and 'href="#poster_alt"' in html
        assert 'id="poster_alt-error"' in html and 'aria-invalid="true"' in html
        assert files_in(media) == []
        assert value(app, lambda s: s.get(Unit, unit_id).video) is None


@pytest.mark.parametrize(
    "data, name",
    [
        (b"Just some notes about the talk.\n" * 50, "poster.png"),
        (WEBM.read_bytes()[:65536], "poster.jpg"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "poster.webp"),
        (b"", "empty.png"),
    ],
)
def test_poster_that_is_not_an_image_is_refused_on_the_poster_field(app, client, media, data, name):
    """Text, a WebM, an SVG or an empty file named like an image: 422 on the poster field, nothing stored."""
    sign_in_as(app, client)
    unit_id = new_unit(client, new_course(client), "V")
    r = video_page(client, unit_id, with_video({"poster": (io.BytesIO(data), name), "poster_alt": "A hall."}))
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "not a PNG, JPEG or WebP image" in html and 'href="#poster"' in html
    assert files_in(media) == []
    assert value(app, lambda s: s.get(Unit, unit_id).video) is None


def test_oversize_poster_is_refused_with_the_limit(app, client, media):
    """A poster over POSTER_MAX_BYTES (within the upload limit) gets a 422 naming the limit; nothing is kept."""
    # Small numbers: a test request body over 500 KB is spooled to a file the test client never closes.
    app.config["POSTER_MAX_BYTES"] = 64 * 1024
    sign_in_as(app, client)
    unit_id = new_unit(client, new_course(client), "V")
    assert "PNG, JPEG or WebP, up to 64 KB." in client.get(f"/teach/units/{unit_id}/video").get_data(as_text=True)
    big = PNG + b"\x00" * (100 * 1024)
    r = video_page(client, unit_id, with_video({"poster": (io.BytesIO(big), "big.png"), "poster_alt": "A hall."}))
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "larger than the limit of 64 KB" in html and 'href="#poster"' in html
    assert files_in(media) == []
    assert value(app, lambda s: s.get(Unit, unit_id).video) is None


def test_rejected_video_takes_its_new_poster_with_it(app, client, media):
    """A good poster with a file that is not a video: 422 on the video field and the poster file is gone too."""
    sign_in_as(app, client)
    unit_id = new_unit(client, new_course(client), "V")
    r = video_page(
        client,
        unit_id,
        {
            "video": (io.BytesIO(b"<html>no</html>" * 50), "movie.webm"),
            "description": "",
            "poster": (io.BytesIO(PNG), "poster.png"),
            "poster_alt": "A hall.",
        },
    )
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "not a WebM, MP4, MP3 or M4A file" in html and 'href="#video"' in html
    assert files_in(media) == []


def test_alt_text_without_a_poster_asks_for_the_image(app, client, media):
    """Alt text but no image (a forgotten file): 422 on the poster field."""
    sign_in_as(app, client)
    unit_id = new_unit(client, new_course(client), "V")
    r = video_page(client, unit_id, with_video({"poster_alt": "A hall."}))
    assert r.status_code == 422 and 'href="#poster"' in r.get_data(as_text=True)
    assert files_in(media) == []


def test_poster_and_texts_change_without_uploading_the_video_again(app, client, media):
    """On a unit with a video: add a poster alone, then change only its alt text, refuse clearing it,
    then remove the poster with its own button. The video file stays the same throughout."""
    sign_in_as(app, client)
    unit_id = new_unit(client, new_course(client), "V")
    assert upload_video(client, unit_id).status_code == 302
    before = value(app, lambda s: s.get(Unit, unit_id).video.filename)
    page = client.get(f"/teach/units/{unit_id}/video").get_data(as_text=True)
    assert "Leave the video file empty to keep the current video." in page

    r = video_page(
        client, unit_id, {"description": "Changed.", "poster": (io.BytesIO(JPEG), "p.jpg"), "poster_alt": "A hall."}
    )
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/teach/units/{unit_id}/video")
    video = value(app, lambda s: s.get(Unit, unit_id).video)
    assert video.filename == before and video.description == "Changed."
    assert video.poster_mime == "image/jpeg" and video.poster_alt == "A hall."
    page = client.get(f"/teach/units/{unit_id}/video").get_data(as_text=True)
    assert "Remove the poster" in page and "A hall.</textarea>" in page and 'alt="A hall."' in page

    r = video_page(client, unit_id, {"description": "Changed.", "poster_alt": "A full hall, seen from the stage."})
    assert r.status_code == 302
    video = value(app, lambda s: s.get(Unit, unit_id).video)
    assert video.poster_alt == "A full hall, seen from the stage." and video.poster_mime == "image/jpeg"

    r = video_page(client, unit_id, {"description": "Changed.", "poster_alt": " "})
    assert r.status_code == 422 and ALT_REQUIRED in r.get_data(as_text=True)
    assert value(app, lambda s: s.get(Unit, unit_id).video.poster_alt) == "A full hall, seen from the stage."

    # A request without the page's fields changes nothing (and asks for the video file).
    r = post(client, f"/teach/units/{unit_id}/video", {}, content_type="multipart/form-data")
    assert r.status_code == 422 and "Choose a video or audio file" in r.get_data(as_text=True)

    r = post(client, f"/teach/units/{unit_id}/video", {"remove_poster": "1"})
    assert r.status_code == 302
    video = value(app, lambda s: s.get(Unit, unit_id).video)
    assert video.poster_filename is None and video.poster_alt == "" and video.filename == before
    assert post(client, f"/teach/units/{unit_id}/video", {"remove_poster": "1"}).status_code == 404
    assert client.post(f"/teach/units/{unit_id}/video", data={"remove_poster": "1"}).status_code == 400


def test_poster_of_a_draft_course_is_for_its_editors_only(app, client):
    """The poster is served with the video's rules: another trainer gets 403."""
    sign_in_as(app, client)
    unit_id = new_unit(client, new_course(client), "V")
    assert (
        video_page(
            client, unit_id, with_video({"poster": (io.BytesIO(WEBP), "p.webp"), "poster_alt": "A hall."})
        ).status_code
        == 302
    )
    src = f"/media/{value(app, lambda s: s.get(Unit, unit_id).video.poster_filename)}"
    with client.get(src) as mine:
        assert mine.status_code == 200 and mine.mimetype == "image/webp"
    other = app.test_client()
    sign_in_as(app, other, email="other-poster-trainer@example.org", name="Other")
    with other.get(src) as refused:
        assert refused.status_code == 403


def test_export_then_import_keeps_poster_and_alt(app, client, media):
    """The zip has media/<stem>.poster.png and poster/poster_alt front matter; importing it back restores both."""
    import zipfile

    from lms.content.exporter import export_course_zip
    from lms.content.loader import split_front_matter
    from lms.db import get_session
    from lms.services import video as videos
    from lms.services.course_archive import import_course_archive

    sign_in_as(app, client)
    course_id = new_course(client, title="Poster Round Trip")
    unit_id = new_unit(client, course_id, "Greeting")
    alt = "A speaker: <b>calm</b> & smiling"
    assert (
        video_page(client, unit_id, with_video({"poster": (io.BytesIO(PNG), "p.png"), "poster_alt": alt})).status_code
        == 302
    )
    with app.app_context():
        s = get_session()
        course = s.get(Course, course_id)
        out = io.BytesIO()
        export_course_zip(course, media, out)
        names = zipfile.ZipFile(io.BytesIO(out.getvalue())).namelist()
        poster_names = [n for n in names if n.endswith(".poster.png")]
        assert poster_names == [f"{course.slug}/media/01-greeting.poster.png"], names
        with zipfile.ZipFile(io.BytesIO(out.getvalue())) as zf:
            unit_md = zf.read(f"{course.slug}/units/01-greeting.md").decode()
            assert zf.read(poster_names[0]) == PNG
        videos.remove_poster(s, s.get(Unit, unit_id))
        s.commit()
    tmp_md = media.parent / "unit.md"
    tmp_md.write_text(unit_md)
    meta, _body = split_front_matter(tmp_md)
    assert meta["poster"] == "media/01-greeting.poster.png" and meta["poster_alt"] == alt

    with app.app_context():
        s = get_session()
        result = import_course_archive(s, io.BytesIO(out.getvalue()), media)
        s.commit()
        assert result.course.id == course_id and not result.created
        video = s.get(Unit, unit_id).video
        assert video.poster_alt == alt and video.poster_mime == "image/png"
        assert (media / video.poster_filename).read_bytes() == PNG
