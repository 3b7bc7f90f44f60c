"""Factories for test data: accounts, courses and course zips."""

from __future__ import annotations

import io
import stat
import zipfile

from lms.db import get_session
from lms.models import Course, Quiz, Unit

#: The password of every account the tests make.
PASSWORD = "correct horse battery staple"


def make_user(app, email="learner@example.org", name="Sok Dara", role="learner"):
    from lms.services import accounts

    with app.app_context():
        user = accounts.register(get_session(), name=name, email=email, password=PASSWORD, role=role)
        get_session().commit()
        return user.id


def make_course(
    app, owner_id, slug="first-aid", title="First Aid", quiz=False, language="en", summary="", unit_title="Basics"
):
    """A published course in `language` with one published unit, owned by owner_id; returns its id."""
    with app.app_context():
        session = get_session()
        course = Course(slug=slug, title=title, status="published", owner_id=owner_id, language=language)
        if summary:
            course.summary = summary
        course.units.append(
            Unit(position=1, slug="basics", title=unit_title, body_md="Hi", body_html="<p>Hi</p>", status="published")
        )
        if quiz:
            course.quiz = Quiz(title="Check", pass_mark=50, max_attempts=0)
        session.add(course)
        session.commit()
        return course.id


COURSE_YAML = "title: Tiny\nsummary: A tiny course.\nlanguage: en\n"


UNIT = "---\ntitle: One\nestimated_minutes: 5\n---\nHello.\n"


def make_zip(
    entries: dict[str, bytes | str], *, symlink: str | None = None, compression=zipfile.ZIP_DEFLATED
) -> io.BytesIO:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
        if symlink:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, "/etc/passwd")
    out.seek(0)
    return out


def tiny(**extra) -> dict:
    entries = {"tiny/course.yaml": COURSE_YAML, "tiny/units/01-one.md": UNIT}
    entries.update(extra)
    return entries


def issue_certificate(db, email: str = "learner@example.org", slug: str = "public-speaking") -> str:
    """Issue the account's certificate for a course through the service; returns its code."""
    from sqlalchemy import select

    from lms.models import User
    from lms.services import certificates

    user = db.scalars(select(User).where(User.email == email)).one()
    course = db.scalars(select(Course).where(Course.slug == slug)).one()
    cert = certificates.issue(db, user, course)
    db.commit()
    return cert.code


#: A tiny Khmer course (language: km) for the tests of the Khmer interface: one unit of reading
#: and a one-question quiz. In English: "Speaking in front of a group" (a title of its own, so it is
#: never confused with the shipped Khmer Public Speaking course, ការនិយាយជាសាធារណៈ); "A short course on why and how we
#: speak in front of a group."; unit "Why we speak": "We speak in front of a group to share
#: information, to persuade, or to encourage our listeners. A good talk has one clear purpose.";
#: quiz "Check your understanding": "Why do we speak in front of a group?" – "To share information
#: and persuade our listeners" (right) or "Only to fill the time".
KHMER_COURSE = {
    "title": "និយាយនៅមុខក្រុម",
    "summary": "វគ្គខ្លីមួយអំពីមូលហេតុ និងរបៀបដែលយើងនិយាយនៅមុខក្រុម។",
    "unit_title": "ហេតុអ្វីយើងនិយាយ",
    "unit_body": (
        "យើងនិយាយនៅមុខក្រុម ដើម្បីចែករំលែកព័ត៌មាន ដើម្បីបញ្ចុះបញ្ចូល ឬដើម្បីលើកទឹកចិត្តអ្នកស្តាប់។\n\nការនិយាយល្អមួយ មានគោលបំណងច្បាស់លាស់តែមួយ។"
    ),
    "quiz_title": "ពិនិត្យការយល់ដឹងរបស់អ្នក",
    "prompt": "ហេតុអ្វីបានជាយើងនិយាយនៅមុខក្រុម?",
    "choices": ["គ្រាន់តែដើម្បីបំពេញពេលវេលា", "ដើម្បីចែករំលែកព័ត៌មាន និងបញ្ចុះបញ្ចូលអ្នកស្តាប់"],
    "right": "ដើម្បីចែករំលែកព័ត៌មាន និងបញ្ចុះបញ្ចូលអ្នកស្តាប់",
}


def add_khmer_course(session, owner, slug: str) -> Course:
    """KHMER_COURSE, published under `slug` and owned by `owner`, made through the services as a
    trainer would (the caller commits)."""
    from lms.services import courses, publishing, units
    from lms.services import quiz_authoring as qa

    k = KHMER_COURSE
    course = courses.create_course(
        session,
        owner,
        courses.CourseFields(title=k["title"], summary=k["summary"], language="km", slug=slug, estimated_minutes=5),
    )
    unit = units.create_unit(
        session, course, units.UnitFields(title=k["unit_title"], body_md=k["unit_body"], estimated_minutes=5)
    )
    publishing.set_unit_status(session, unit, "published")
    quiz = qa.save_settings(session, course, k["quiz_title"], 100, 0)
    rows = [qa.ChoiceRow(text, text == k["right"], "") for text in k["choices"]]
    qa.add_question(session, quiz, qa.build_spec(qa.QuestionFields("single", k["prompt"], choices=rows)))
    courses.set_course_status(session, course, "published")
    session.flush()
    return course


#: ffmpeg arguments for small real media files of each accepted type, made from ffmpeg's own
#: test sources (a tone and a test card), so every upload test passes the decode check honestly.
MEDIA_SAMPLES = {
    "mp3": ["-f", "lavfi", "-i", "sine=frequency=440:duration=2", "-c:a", "libmp3lame", "-b:a", "32k"],
    "m4a": ["-f", "lavfi", "-i", "sine=frequency=440:duration=2", "-c:a", "aac", "-b:a", "32k"],
    "mp4": [
        "-f", "lavfi", "-i", "testsrc=size=320x240:rate=5:duration=2",
        "-f", "lavfi", "-i", "sine=frequency=440:duration=2",
        "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "32k", "-shortest",
    ],
    "webm": [
        "-f", "lavfi", "-i", "testsrc=size=640x360:rate=5:duration=3",
        "-f", "lavfi", "-i", "sine=frequency=440:duration=3",
        "-c:v", "libvpx-vp9", "-crf", "45", "-b:v", "0", "-cpu-used", "8", "-c:a", "libopus", "-b:a", "48k",
        "-shortest",
    ],
}  # fmt: skip


def media_sample(folder, kind: str):
    """A real, playable media file of ``kind`` ("mp3", "m4a", "mp4", "webm": 640x360 VP9 with
    48 kbit/s Opus) in ``folder``, made once by imageio-ffmpeg's ffmpeg. Returns its path."""
    import subprocess
    from pathlib import Path

    import imageio_ffmpeg

    path = Path(folder) / f"sample.{kind}"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        cmd = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostdin", "-v", "error", "-y"]
        subprocess.run([*cmd, *MEDIA_SAMPLES[kind], str(path)], check=True)
    return path


#: A descriptions track for the first Public Speaking video (what its slides show, read from its
#: frames: the slides change at 10.75, 27.25, 44.5 and 61.5 s), for tests until the seed courses
#: ship their own.
DESCRIPTIONS_VTT = (
    "WEBVTT\n\n"
    "00:00:00.000 --> 00:00:02.000\nTitle slide: Why we speak. Sala, Public Speaking, Unit 1.\n\n"
    "00:00:10.750 --> 00:00:12.750\nA slide, The four motives: to inform, to persuade, to motivate, "
    "for an opportunity.\n\n"
    "00:00:27.250 --> 00:00:29.250\nA slide, Inform and persuade: inform, help people understand; "
    "persuade, ask for a decision.\n"
)
#: Chapters for the same video: one for each slide.
CHAPTERS_VTT = (
    "WEBVTT\n\n"
    "00:00:00.000 --> 00:00:10.750\nWhy we speak\n\n"
    "00:00:10.750 --> 00:00:27.250\nThe four motives\n\n"
    "00:00:27.250 --> 00:00:44.500\nInform and persuade\n\n"
    "00:00:44.500 --> 00:01:01.500\nMotivate, and opportunity\n\n"
    "00:01:01.500 --> 00:01:14.750\nChoose one main motive\n"
)
#: French subtitles for the same video's first two cues (a second caption language).
FRENCH_VTT = (
    "WEBVTT\n\n"
    "00:00:00.400 --> 00:00:03.436\nBienvenue au cours de prise de parole en public,\nun cours de Sala.\n\n"
    "00:00:03.786 --> 00:00:06.903\nDans cette unité, nous voyons\npourquoi on parle en public.\n"
)


def add_track(app, slug: str, unit_slug: str, kind: str, language: str, vtt: str, label: str = "") -> None:
    """Give a unit a caption track of any kind (descriptions, chapters, subtitles) straight in the
    database, replacing a track of the same kind and language (the seed may ship one)."""
    from sqlalchemy import select

    from lms.models import CaptionTrack

    with app.app_context():
        session = get_session()
        course = session.scalars(select(Course).where(Course.slug == slug)).one()
        unit = next(u for u in course.units if u.slug == unit_slug)
        for old in [t for t in unit.caption_tracks if t.kind == kind and t.language == language]:
            unit.caption_tracks.remove(old)
        session.flush()
        session.add(
            CaptionTrack(
                unit_id=unit.id,
                language=language,
                kind=kind,
                label=label or language,
                vtt=vtt,
                cue_count=vtt.count("-->"),
            )
        )
        session.commit()


def remove_track(app, slug: str, unit_slug: str, kind: str, language: str) -> None:
    """Take a unit's track of this kind and language away again (after a test that added one)."""
    from sqlalchemy import select

    from lms.models import CaptionTrack

    with app.app_context():
        session = get_session()
        course = session.scalars(select(Course).where(Course.slug == slug)).one()
        unit = next(u for u in course.units if u.slug == unit_slug)
        for old in session.scalars(
            select(CaptionTrack).where(
                CaptionTrack.unit_id == unit.id, CaptionTrack.kind == kind, CaptionTrack.language == language
            )
        ):
            session.delete(old)
        session.commit()
