"""Shared pieces of the trainer-side browser tests: accounts with roles on the live site, keyboard
helpers, the files a trainer uploads, and cleanup so the shared live site's catalog stays as seeded."""

from __future__ import annotations

import re
from pathlib import Path

from lms.db import get_session
from tests.browser.helpers import press_and_wait, tab_to
from tests.factories import PASSWORD
from tests.helpers import CONTENT

#: A real video of the imported courses (69.5 s, speech in two parts).
WEBM = CONTENT / "public-speaking" / "media" / "01-why-we-speak.webm"

#: A SubRip file with a typo to fix ("peple") and a caption that stays on screen too long (31.9 s).
SRT = (
    "1\r\n00:00:00,400 --> 00:00:03,436\r\nWelcome to Public Speaking,\r\na course from Sala.\r\n\r\n"
    "2\r\n00:00:03,786 --> 00:00:06,903\r\nIn this unit, we look at\r\nwhy peple speak in public.\r\n\r\n"
    "3\r\n00:00:07,000 --> 00:00:38,900\r\nThe rest of the talk.\r\n"
)

#: A file read as WebVTT that holds no caption a browser can show: rejected, with problems by line.
BROKEN_VTT = "WEBVTTX\n\n00:00:01.000 --> 00:00:02.000\nHello there.\n"  # bad signature: rejected


def exactly(text: str):
    return re.compile(rf"^\s*{re.escape(text)}\s*$")


def containing(text: str):
    return re.compile(re.escape(text))


def in_db(site, fn):
    """Run fn(session) inside the live app, commit, and return what it returned."""
    with site.app.app_context():
        session = get_session()
        result = fn(session)
        session.commit()
        return result


def add_user(site, key: str, name: str, email: str, role: str = "learner") -> int:
    """An account on the live site, registered through the accounts service; `key` also works with page_as()."""
    from lms.services import accounts

    def make(session):
        user = accounts.find_user(session, email) or accounts.register(
            session, name=name, email=email, password=PASSWORD, role=role
        )
        session.flush()
        return user.id

    user_id = in_db(site, make)
    site.users[key] = (email, name)
    return user_id


def type_into(page, locator, text: str) -> None:
    """Tab to a field and type into it, as a keyboard user does."""
    tab_to(page, locator, max_presses=150)
    page.keyboard.type(text)


def replace_text(page, locator, text: str) -> None:
    """Tab to a field, select what it holds (Ctrl+A) and type the new text over it."""
    tab_to(page, locator, max_presses=150)
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def activate(page, locator, key: str = "Enter", max_presses: int = 150) -> None:
    """Tab to a link or button and press Enter (or Space), waiting for the next page."""
    tab_to(page, locator, max_presses=max_presses)
    press_and_wait(page, key)


def sign_in_by_keyboard(page, email: str) -> None:
    """Open the sign-in page from the site header and sign in, keyboard only."""
    page.goto("/")
    activate(page, page.get_by_role("navigation", name="Site").get_by_role("link", name="Sign in"))
    type_into(page, page.get_by_role("textbox", name=containing("Email address")), email)
    type_into(page, page.get_by_label(re.compile(r"^Password")), PASSWORD)
    activate(page, page.get_by_role("main").get_by_role("button", name="Sign in"))
    assert page.get_by_role("button", name=containing("Sign out")).count() == 1, "signing in failed"


def sign_out_by_keyboard(page) -> None:
    activate(page, page.get_by_role("button", name=containing("Sign out")))


# ---------------------------------------------------------------- edit conflicts


def conflict_world(site, editor: tuple[str, str, str], title: str) -> dict:
    """A course called `title` with a unit, a live caption track and a quiz question, owned by the
    trainer `editor` (key, name, email): what the edit-conflict tests edit. Returns their ids by
    kind ("course", "unit", "track", "question")."""
    from lms.models import User
    from lms.services import caption_tracks, courses, units
    from lms.services import quiz_authoring as qa
    from lms.services.courses import CourseFields
    from lms.services.quiz_authoring import ChoiceRow, QuestionFields
    from lms.services.units import UnitFields

    owner = add_user(site, *editor, "trainer")

    def build(db):
        trainer = db.get(User, owner)
        course = courses.create_course(db, trainer, CourseFields(title=title, estimated_minutes=20))
        unit = units.create_unit(db, course, UnitFields(title="Bend your knees", body_md="Keep the load close."))
        check = caption_tracks.check_captions(
            db,
            unit,
            trainer,
            SRT.encode(),
            "talk.srt",
            language="en",
            kind="captions",
            media_dir=Path(site.app.config["MEDIA_DIR"]),
        )
        track = caption_tracks.confirm_captions(db, check.pending)
        quiz = qa.save_settings(db, course, "Check", 60, 3)
        rows = [ChoiceRow("Close to the body", True), ChoiceRow("At arm's length", False)]
        question = qa.add_question(
            db, quiz, qa.build_spec(QuestionFields("single", "Where do you hold a load?", choices=rows))
        )
        db.flush()
        return {"course": course.id, "unit": unit.id, "track": track.id, "question": question.id}

    return in_db(site, build)


def someone_else_saves(site, world: dict, kind: str) -> None:
    """Another trainer's save, committed between this editor opening the form and sending it."""
    from lms.models import CaptionTrack, Course, Question, Unit
    from lms.services import caption_tracks, courses, units
    from lms.services import quiz_authoring as qa
    from lms.services.courses import CourseFields
    from lms.services.units import UnitFields

    def save(db):
        if kind == "course":
            course = db.get(Course, world["course"])
            fields = CourseFields(
                title=course.title, summary="Lift with your legs, not your back.", estimated_minutes=20
            )
            courses.update_course(db, course, fields, version=course.version)
        elif kind == "unit":
            unit = db.get(Unit, world["unit"])
            fields = UnitFields(title=unit.title, body_md="Keep the load close to your body.")
            units.update_unit(db, unit, fields, version=unit.version)
        elif kind == "cue":
            track = db.get(CaptionTrack, world["track"])
            caption_tracks.update_cue(
                db, track, 1, "00:00:00.400", "00:00:03.436", "Welcome to Safe Lifting.", version=track.version
            )
        else:
            question = db.get(Question, world["question"])
            spec = qa.build_spec(qa.fields_of(question))
            spec.prompt = "Where should you hold a heavy load?"
            qa.update_question(db, question, spec, version=question.version)

    in_db(site, save)


def edit_url(world: dict, kind: str) -> str:
    """The edit page of `kind` in a conflict_world."""
    return {
        "course": f"/teach/courses/{world['course']}/edit",
        "unit": f"/teach/units/{world['unit']}/edit",
        "cue": f"/teach/tracks/{world['track']}/cues/1/edit",
        "question": f"/teach/courses/{world['course']}/quiz/questions/{world['question']}",
    }[kind]
