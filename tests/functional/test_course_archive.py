"""Course export and import as zip files: the same course comes back, bad zips change nothing."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from lms.captions import read_captions
from lms.db import get_session
from lms.models import Course, User
from tests.factories import make_user, make_zip, tiny
from tests.helpers import CONTENT, csrf_token, post

SLUG = "public-speaking"


def course_id_of(app, slug=SLUG):
    with app.app_context():
        return get_session().scalars(select(Course.id).where(Course.slug == slug)).one()


def snapshot(app, slug=SLUG) -> dict:
    """Everything a learner sees of a course, as plain values, to compare two databases."""
    with app.app_context():
        course = get_session().scalars(select(Course).where(Course.slug == slug)).one()
        media = Path(app.config["MEDIA_DIR"])
        return {
            "course": (
                course.title,
                course.summary,
                course.language,
                course.trainer_name,
                course.outcomes,
                course.credits,
                course.estimated_minutes,
                course.status,
            ),
            "units": [
                (
                    u.position,
                    u.slug,
                    u.title,
                    u.summary,
                    u.body_md.strip(),
                    u.body_html,
                    u.status,
                    u.video.description if u.video else None,
                    hashlib.sha256((media / u.video.filename).read_bytes()).hexdigest() if u.video else None,
                    [
                        (
                            t.language,
                            t.kind,
                            t.label,
                            [(c.start, c.end, c.text) for c in read_captions(t.vtt.encode(), "x.vtt").cues],
                        )
                        for t in u.caption_tracks
                    ],
                )
                for u in course.units
            ],
            "quiz": (
                course.quiz.title,
                course.quiz.pass_mark,
                course.quiz.max_attempts,
                [
                    (
                        q.position,
                        q.type,
                        q.title,
                        q.prompt,
                        q.feedback,
                        [(c.position, c.text, c.correct, c.weight, c.feedback) for c in q.choices],
                    )
                    for q in course.quiz.questions
                ],
            ),
        }


def export_zip(app, client) -> bytes:
    r = client.get(f"/dashboard/courses/{course_id_of(app)}/export.zip")
    assert r.status_code == 200 and r.mimetype == "application/zip"
    data = r.get_data()
    r.close()  # a server closes the streamed file after sending it; the test client leaves that to us
    return data


def test_export_then_import_into_an_empty_app_gives_the_same_course(app, client, auth, empty_app):
    """Export → import into an empty app: titles, bodies, caption cues, video bytes, questions and feedback match."""
    auth.as_new("admin")
    data = export_zip(app, client)
    make_user(empty_app, email="admin@example.org", role="admin")
    other = empty_app.test_client()
    post(other, "/login", {"email": "admin@example.org", "password": "correct horse battery staple"})
    # Encoded in memory: the test client would spool a body this large to a file it never closes.
    boundary, body = encode_multipart(
        {
            "csrf_token": csrf_token(other, "/dashboard/import"),
            "file": FileStorage(io.BytesIO(data), "public-speaking.zip"),
        }
    )
    r = other.post("/dashboard/import", data=body, content_type=f"multipart/form-data; boundary={boundary}")
    assert r.status_code == 302, r.get_data(as_text=True)
    assert snapshot(empty_app) == snapshot(app)
    assert "was imported: 4 units and" in other.get(r.headers["Location"]).get_data(as_text=True)


def test_cli_export_and_import_course(app, empty_app, tmp_path):
    """`lms export-course` and `lms import-course` move a course between two sites."""
    out = tmp_path / "course.zip"
    result = app.test_cli_runner().invoke(args=["export-course", SLUG, str(out)])
    assert result.exit_code == 0, result.output
    result = empty_app.test_cli_runner().invoke(args=["import-course", str(out)])
    assert result.exit_code == 0 and "Imported public-speaking" in result.output, result.output
    assert snapshot(empty_app) == snapshot(app)
    again = empty_app.test_cli_runner().invoke(args=["import-course", str(out)])
    assert "Updated public-speaking" in again.output


def test_cli_import_bad_zip_fails_cleanly(empty_app, tmp_path):
    """A zip with ../ fails with the entry named and a non-zero exit code; nothing is stored."""
    bad = tmp_path / "bad.zip"
    bad.write_bytes(make_zip(tiny(**{"tiny/../evil.txt": "x"})).getvalue())
    result = empty_app.test_cli_runner().invoke(args=["import-course", str(bad)])
    assert result.exit_code != 0 and "tiny/../evil.txt" in result.output
    with empty_app.app_context():
        assert get_session().scalar(select(func.count(Course.id))) == 0


def test_trainer_import_creates_a_course_they_own(app, client, auth):
    """A trainer importing a new course becomes its owner and lands on its results page."""
    auth.as_new("trainer")
    r = post(client, "/dashboard/import", {"file": (make_zip(tiny()), "tiny.zip")}, content_type="multipart/form-data")
    assert r.status_code == 302
    with app.app_context():
        session = get_session()
        course = session.scalars(select(Course).where(Course.slug == "tiny")).one()
        owner = session.get(User, course.owner_id)
        assert owner.email == "trainer@example.org" and [u.title for u in course.units] == ["One"]


def test_trainer_cannot_overwrite_a_course_they_cannot_edit(app, client, auth):
    """Importing a slug that exists and belongs to someone else: 403, message on the form, nothing changed."""
    auth.as_new("trainer")
    before = None
    entries = tiny()
    entries = {name.replace("tiny/", f"{SLUG}/"): data for name, data in entries.items()}
    with app.app_context():
        before = get_session().scalars(select(Course.title).where(Course.slug == SLUG)).one()
    r = post(client, "/dashboard/import", {"file": (make_zip(entries), "x.zip")}, content_type="multipart/form-data")
    html = r.get_data(as_text=True)
    assert r.status_code == 403 and "already exists and you cannot edit it" in html and 'href="#file"' in html
    with app.app_context():
        assert get_session().scalars(select(Course.title).where(Course.slug == SLUG)).one() == before


def test_bad_zip_shows_the_problem_on_the_form(app, client, auth):
    """A malformed zip: 422, an error summary naming the file inside the zip, and no course."""
    auth.as_new("trainer")
    r = post(
        client,
        "/dashboard/import",
        {"file": (make_zip(tiny(**{"tiny/course.yaml": "title: [oops\n"})), "t.zip")},
        content_type="multipart/form-data",
    )
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "<title>Error:" in html
    assert 'href="#file"' in html and "tiny/course.yaml:" in html and 'id="file-error"' in html
    r = post(
        client,
        "/dashboard/import",
        {"file": (make_zip(tiny(), symlink="tiny/media/x.webm"), "t.zip")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 422 and "symbolic link" in r.get_data(as_text=True)
    with app.app_context():
        assert get_session().scalar(select(func.count(Course.id)).where(Course.slug == "tiny")) == 0


def test_zip_bomb_upload_gets_413(app, client, auth):
    """A zip bomb upload is refused with 413 and a message naming the entry."""
    auth.as_new("trainer")
    app.config["ARCHIVE_RATIO_FLOOR"] = 64 * 1024
    bomb = make_zip(tiny(**{"tiny/media/zeros.webm": b"\0" * (4 * 1024 * 1024)}))
    r = post(client, "/dashboard/import", {"file": (bomb, "bomb.zip")}, content_type="multipart/form-data")
    assert r.status_code == 413 and "tiny/media/zeros.webm" in r.get_data(as_text=True)


def test_import_without_a_file_is_an_error(client, auth):
    """Submitting the import form with no file gives 422 and an error linked to the file field."""
    auth.as_new("trainer")
    r = post(client, "/dashboard/import", {})
    assert r.status_code == 422 and 'href="#file"' in r.get_data(as_text=True)


def test_draft_units_stay_drafts_through_export_and_import(app, client, auth, empty_app):
    """A draft unit exported and imported again is still a draft."""
    auth.as_new("admin")
    with app.app_context():
        course = get_session().scalars(select(Course).where(Course.slug == SLUG)).one()
        course.units[-1].status = "draft"
        get_session().commit()
    data = export_zip(app, client)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert "status: draft" in archive.read(f"{SLUG}/units/04-speaking-for-everyone.md").decode()
    out = Path(empty_app.instance_path) / "c.zip"
    out.write_bytes(data)
    assert empty_app.test_cli_runner().invoke(args=["import-course", str(out)]).exit_code == 0
    assert snapshot(empty_app)["units"] == snapshot(app)["units"]


def test_course_zip_over_the_upload_limit_gets_the_413_page_and_a_closed_connection(app, client, auth):
    """Every upload form shares one 413 answer: the body is drained and the connection closed, so
    the browser shows the page instead of "connection reset"."""
    auth.as_new("admin")
    app.config.update(MAX_CONTENT_LENGTH=64 * 1024)
    r = client.post(
        "/dashboard/import",
        data={"csrf_token": csrf_token(client, "/dashboard/import"), "file": (io.BytesIO(b"x" * 100_000), "big.zip")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 413 and r.headers.get("Connection") == "close"
    assert "<h1>The file is too large</h1>" in r.get_data(as_text=True)


def test_zip_import_keeps_units_without_captions_as_drafts(app, client, auth):
    """A unit the zip marks published but whose video has no captions stays a draft, as the manual
    publishing gate would keep it, and the trainer is told which; a unit that passes goes live."""
    auth.as_new("trainer")
    video = (CONTENT / "public-speaking" / "media" / "01-why-we-speak.webm").read_bytes()
    entries = tiny(
        **{
            "tiny/units/02-talk.md": "---\ntitle: Talk\nestimated_minutes: 5\nvideo: media/talk.webm\n"
            "video_alt: A trainer talks.\n---\nWatch.\n",
            "tiny/media/talk.webm": video,
        }
    )
    r = post(client, "/dashboard/import", {"file": (make_zip(entries), "tiny.zip")}, content_type="multipart/form-data")
    assert r.status_code == 302
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "stays a draft until it passes the accessibility check" in page and "“Talk”" in page
    with app.app_context():
        course = get_session().scalars(select(Course).where(Course.slug == "tiny")).one()
        statuses = {u.slug: u.status for u in course.units}
    assert statuses == {"one": "published", "talk": "draft"}
