"""Audio-only and 240p versions of unit videos: planned on upload and import, made by the job
queue (never in the web request that asked), shown to the trainer with their progress."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from lms import create_app
from lms.models import Course, Rendition, Unit, Video
from lms.services import renditions
from tests.factories import media_sample
from tests.helpers import new_course, new_unit, post, sign_in_as, upload_video, value


def _kinds(app, unit_id):
    return value(app, lambda s: {r.kind: r.status for r in s.get(Unit, unit_id).video.renditions})


@pytest.fixture
def queue_app(tmp_path, database):
    """Like the `app` fixture, with the queue running each job as soon as the request commits."""
    app = create_app(
        {
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "DATABASE_URL": database(),
            "MEDIA_DIR": str(tmp_path / "media"),
            "TESTING": True,
            "SERVER_NAME": "localhost",
            "JOBS_QUEUE": "immediate",
        }
    )
    yield app
    app.extensions["lms.engine"].dispose()


def test_an_upload_queues_audio_and_small_versions_without_making_them(app, client, tmp_path):
    """With no queue bound, the request only plans: two rows wait as "queued", no file is made."""
    app.config["MEDIA_DIR"] = str(tmp_path / "media")
    sign_in_as(app, client)
    unit_id = new_unit(client, new_course(client), "Talk")
    assert upload_video(client, unit_id).status_code == 302
    assert _kinds(app, unit_id) == {"audio": "queued", "small": "queued"}
    assert len(list((tmp_path / "media").iterdir())) == 1  # the video alone
    page = client.get(f"/teach/units/{unit_id}/video").get_data(as_text=True)
    assert "Smaller versions for slow connections" in page and page.count("waiting its turn") == 2


def test_the_queue_makes_both_versions_after_the_upload_commits(queue_app, tmp_path):
    """Each version is stored by content hash, decodes, and the trainer sees its size."""
    client = queue_app.test_client()
    sign_in_as(queue_app, client)
    unit_id = new_unit(client, new_course(client), "Talk")
    src = media_sample(tmp_path / "samples", "webm")
    assert upload_video(client, unit_id, path=src).status_code == 302
    rows = value(
        queue_app,
        lambda s: [(r.kind, r.status, r.filename, r.size_bytes) for r in s.get(Unit, unit_id).video.renditions],
    )
    assert [(k, st) for k, st, _f, _n in rows] == [("audio", "ready"), ("small", "ready")]
    for _kind, _status, filename, size in rows:
        assert (tmp_path / "media" / filename).stat().st_size == size
    page = client.get(f"/teach/units/{unit_id}/video").get_data(as_text=True)
    assert page.count("ready,") == 2 and "waiting its turn" not in page


def test_an_audio_upload_wants_no_smaller_version(queue_app, tmp_path):
    """An MP3 has no picture to leave out: no rows, and the page says why."""
    client = queue_app.test_client()
    sign_in_as(queue_app, client)
    unit_id = new_unit(client, new_course(client), "Radio")
    assert upload_video(client, unit_id, path=media_sample(tmp_path / "s", "mp3"), name="a.mp3").status_code == 302
    assert _kinds(queue_app, unit_id) == {}
    assert "needs no smaller version" in client.get(f"/teach/units/{unit_id}/video").get_data(as_text=True)


def test_a_new_upload_replaces_the_versions_of_the_old_file(app, client, tmp_path):
    """Versions made from the previous file go; new ones are queued for the new file."""
    app.config["MEDIA_DIR"] = str(tmp_path / "media")
    sign_in_as(app, client)
    unit_id = new_unit(client, new_course(client), "Talk")
    upload_video(client, unit_id)
    upload_video(client, unit_id, path=media_sample(tmp_path / "s", "webm"))
    rows = value(
        app,
        lambda s: [
            (r.source_filename, s.get(Unit, unit_id).video.filename) for r in s.get(Unit, unit_id).video.renditions
        ],
    )
    assert len(rows) == 2 and all(src == current for src, current in rows)


def test_a_failed_version_is_shown_and_can_be_tried_again(queue_app, tmp_path):
    """When ffmpeg fails the row says so, the trainer sees it, and "Try again" queues it anew."""
    client = queue_app.test_client()
    sign_in_as(queue_app, client)
    unit_id = new_unit(client, new_course(client), "Talk")
    queue_app.config["JOBS_QUEUE"] = "off"
    with queue_app.app_context():
        queue_app.extensions.pop("lms.jobs")  # plan now, fail below
    upload_video(client, unit_id)
    video_file = value(queue_app, lambda s: s.get(Unit, unit_id).video.filename)
    (tmp_path / "media" / video_file).write_bytes(b"gone bad")
    from lms.jobs import sweep

    mine = value(queue_app, lambda s: {r.id for r in s.get(Unit, unit_id).video.renditions})
    assert mine <= set(sweep(queue_app))
    assert _kinds(queue_app, unit_id) == {"audio": "failed", "small": "failed"}
    page = client.get(f"/teach/units/{unit_id}/video")
    assert page.get_data(as_text=True).count("could not be made") == 2
    r = post(client, f"/teach/units/{unit_id}/video/renditions/retry", token_from=f"/teach/units/{unit_id}/video")
    assert r.status_code == 302
    assert _kinds(queue_app, unit_id) == {"audio": "queued", "small": "queued"}


def test_retry_is_for_editors_only(app, client):
    """A learner cannot poke another course's queue."""
    sign_in_as(app, client, role="learner", name="Learner Dara")
    unit_id = value(app, lambda s: s.scalars(select(Video.unit_id)).first())
    r = post(client, f"/teach/units/{unit_id}/video/renditions/retry", token_from="/")
    assert r.status_code in (403, 404)


def test_seed_courses_ship_a_ready_audio_version_of_every_video(app):
    """Every seed video has its audio-only file, ready, much lighter than the video... or at least lighter."""
    rows = value(
        app,
        lambda s: [
            (v.size_bytes, {r.kind: (r.status, r.size_bytes, r.mime_type) for r in v.renditions})
            for v in s.scalars(select(Video))
        ],
    )
    assert len(rows) >= 13
    for video_bytes, kinds in rows:
        status, size, mime = kinds["audio"]
        assert status == "ready" and mime == "video/webm" and 0 < size < video_bytes


def test_learner_versions_list_ready_files_with_sizes_and_the_transcript(app):
    """versions(): the video, each ready rendition, then "transcript" with nothing to download."""
    found = value(
        app, lambda s: [(v.kind, v.size_bytes > 0) for v in renditions.versions(s.scalars(select(Video)).first())]
    )
    assert found == [("video", True), ("audio", True), ("transcript", False)]


def test_an_enrolled_learner_may_fetch_a_rendition_and_a_visitor_may_not(app, client, auth):
    """Rendition files follow their video's access rules."""
    filename = value(app, lambda s: s.scalars(select(Rendition.filename).where(Rendition.kind == "audio")).first())
    assert client.get(f"/media/{filename}").status_code in (302, 401)
    auth.as_new()
    slug = value(
        app, lambda s: s.scalars(select(Rendition).where(Rendition.filename == filename)).first().video.unit.course.slug
    )
    post(client, f"/courses/{slug}/enrol", token_from=f"/courses/{slug}")
    with client.get(f"/media/{filename}", headers={"Range": "bytes=0-9"}) as r:
        assert r.status_code == 206 and r.headers["Content-Type"].startswith("video/webm")


def test_export_carries_the_audio_version_and_import_keeps_it(app, tmp_path):
    """A course folder written by the exporter names its audio_only file; loading it finds it."""
    from lms.content.exporter import write_course_folder
    from lms.content.loader import load_course
    from lms.models import Course

    with app.app_context():
        from lms.db import get_session

        course = get_session().scalars(select(Course).where(Course.slug == "public-speaking")).one()
        folder = write_course_folder(course, Path(app.config["MEDIA_DIR"]), tmp_path)
    data = load_course(folder)
    assert all(u.audio_only_path is not None and u.audio_only_path.name.endswith(".audio.webm") for u in data.units)


@pytest.mark.slow
def test_a_real_worker_process_makes_the_versions(tmp_path, database):
    """`lms worker` on the SQLite queue picks up an upload's jobs and finishes them."""
    env = {
        **os.environ,
        "LMS_INSTANCE_PATH": str(tmp_path / "instance"),
        "LMS_DATABASE_URL": database(),
        "LMS_MEDIA_DIR": str(tmp_path / "media"),
        "LMS_JOBS_QUEUE": "sqlite",
    }
    app = create_app(
        {
            "INSTANCE_PATH": env["LMS_INSTANCE_PATH"],
            "DATABASE_URL": env["LMS_DATABASE_URL"],
            "MEDIA_DIR": env["LMS_MEDIA_DIR"],
            "TESTING": True,
            "SERVER_NAME": "localhost",
            "JOBS_QUEUE": "sqlite",
        }
    )
    lms = Path(sys.executable).with_name("lms")
    log = (tmp_path / "worker.log").open("wb")
    worker = subprocess.Popen([str(lms), "worker"], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        client = app.test_client()
        sign_in_as(app, client)
        unit_id = new_unit(client, new_course(client), "Talk")
        upload_video(client, unit_id, path=media_sample(tmp_path / "s", "webm"))
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and _kinds(app, unit_id) != {"audio": "ready", "small": "ready"}:
            time.sleep(0.5)
        assert _kinds(app, unit_id) == {"audio": "ready", "small": "ready"}, (tmp_path / "worker.log").read_text()
    finally:
        worker.terminate()
        worker.wait(timeout=20)
        log.close()
        app.extensions["lms.engine"].dispose()


# --- the learner's choice -----------------------------------------------------------------------

PAGE = "/courses/public-speaking/units/why-we-speak"
PLAYER_FIELDS = {
    "speed": "1",
    "caption_size": "100",
    "caption_colours": "white-on-black",
    "caption_opacity": "100",
    "description_voice": "screen-reader",
}


@pytest.fixture
def learner(app, client, auth):
    auth.as_new()
    post(client, "/courses/public-speaking/enrol", token_from="/courses/public-speaking")
    return client


def _choose(client, rendition):
    return post(client, PAGE + "/player", {**PLAYER_FIELDS, "rendition": rendition}, token_from=PAGE)


def _audio_file(app):
    return value(
        app,
        lambda s: s.scalars(
            select(Rendition.filename)
            .join(Video)
            .join(Unit)
            .join(Course)
            .where(Course.slug == "public-speaking", Unit.slug == "why-we-speak", Rendition.kind == "audio")
        ).one(),
    )


def test_the_settings_offer_each_version_with_its_size(learner):
    """Before anything downloads the learner sees what each version costs; the seed has no 240p yet."""
    html = learner.get(PAGE).get_data(as_text=True)
    assert re.search(r"Video \(0\.4 MB\)", html) and re.search(r"Audio only \(0\.3 MB\)", html)
    assert "Transcript only (nothing downloads)" in html and "Small video (240p)" not in html


def test_audio_only_plays_the_audio_file_in_an_audio_element(app, learner):
    """Chosen once, "audio only" holds on every unit: an <audio> of the Opus file, no <video>."""
    assert _choose(learner, "audio").status_code == 302
    html = learner.get(PAGE).get_data(as_text=True)
    assert "<video" not in html
    audio = re.search(r"<audio[^>]*>", html).group(0)
    assert f'src="/media/{_audio_file(app)}"' in audio and 'preload="none"' in audio
    assert "(audio only)" in audio and "You chose “Audio only (0.3 MB)”" in html
    assert "<audio" in learner.get("/courses/public-speaking/units/preparing-your-talk").get_data(as_text=True)


def test_transcript_only_leaves_out_every_media_element(learner):
    """Nothing to download: no <video>, no <audio>, the transcript still there."""
    _choose(learner, "transcript")
    html = learner.get(PAGE).get_data(as_text=True)
    assert "<video" not in html and "<audio" not in html and 'id="transcript"' in html


def test_a_version_this_video_lacks_falls_back_to_the_full_video(learner):
    """ "Small video" chosen where no 240p copy is ready yet: the full video plays."""
    assert _choose(learner, "small").status_code == 302
    html = learner.get(PAGE).get_data(as_text=True)
    assert re.search(r"<video[^>]*preload=\"none\"", html) and "<audio" not in html


def test_a_ready_small_version_is_played_when_chosen(app, learner, tmp_path):
    """With its 240p copy ready, "small video" plays that file."""
    with app.app_context():
        from lms.db import get_session

        s = get_session()
        video = s.scalars(
            select(Video).join(Unit).join(Course).where(Course.slug == "public-speaking", Unit.slug == "why-we-speak")
        ).one()
        small = next(r for r in video.renditions if r.kind == "small")
        small.status, small.filename, small.mime_type, small.size_bytes = "ready", _audio_file(app), "video/webm", 1000
        s.commit()
    _choose(learner, "small")
    html = learner.get(PAGE).get_data(as_text=True)
    assert f'src="/media/{_audio_file(app)}"' in re.search(r"<video[^>]*>", html).group(0)
    assert "Small video (240p) (0.1 MB)" in html
