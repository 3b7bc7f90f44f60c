"""Every route of the app, visited as each kind of user, GET and POST (without and with a CSRF token).

URL parameters are filled from seeded data: an imported published course the learner is enrolled in,
and a draft course owned by one trainer, with a unit, a video, a live caption track and two pending
uploads. No route may answer 500; Teach and Admin routes answer exactly as the access rules say.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from lms.db import get_session
from lms.models import Course, User
from tests.factories import PASSWORD, make_user, media_sample
from tests.helpers import csrf_token

ROLES = ("anonymous", "learner", "trainer", "owner", "admin")

A, L, T, O, D = ROLES  # noqa: E741  # short names for the tables below


@dataclass
class Seed:
    values: dict
    per_endpoint: dict


def seed(app) -> Seed:
    from lms.services import caption_tracks, certificates, courses, enrollment, quizzes, units
    from lms.services import video as videos

    for role, email in (
        ("learner", "learner@example.org"),
        ("trainer", "trainer@example.org"),
        ("trainer", "owner@example.org"),
        ("admin", "admin@example.org"),
    ):
        make_user(app, email=email, name=email.split("@")[0].title(), role=role)
    with app.app_context():
        s = get_session()
        users = {u.email.split("@")[0]: u for u in s.scalars(select(User))}
        imported = s.scalars(select(Course).where(Course.slug == "public-speaking")).one()
        unit_slug = imported.published_units()[0].slug
        question_id = imported.quiz.questions[0].id
        enrollment.enroll(s, users["learner"], imported)
        cert = certificates.issue(s, users["learner"], imported)
        attempt = quizzes.open_attempt(s, users["learner"], imported.quiz)

        course = courses.create_course(s, users["owner"], courses.CourseFields(title="Owner's Draft", language="en"))
        unit = units.create_unit(s, course, units.UnitFields(title="Owned unit", body_md="Text."))
        media_dir = app.config["MEDIA_DIR"]
        # A real, playable file that only the owner's course uses.
        own_video = media_sample(Path(app.instance_path) / "samples", "mp4").read_bytes()
        video = videos.attach_video(s, unit, io.BytesIO(own_video), media_dir)
        srt = b"1\n00:00:01,000 --> 00:00:03,000\nHello.\n"
        first = caption_tracks.check_captions(
            s, unit, users["owner"], srt, "a.srt", language="en", kind="captions", media_dir=media_dir
        )
        track = caption_tracks.confirm_captions(s, first.pending)
        confirm = caption_tracks.check_captions(
            s, unit, users["owner"], srt, "b.srt", language="en", kind="captions", media_dir=media_dir
        ).pending
        discard = caption_tracks.check_captions(
            s, unit, users["owner"], srt, "c.srt", language="en", kind="captions", media_dir=media_dir
        ).pending
        s.commit()
        values = {
            "slug": imported.slug,
            "unit_slug": unit_slug,
            "lang": "en",
            "kind": "captions",
            "filename": video.filename,
            "code": cert.code,
            "attempt_id": attempt.id,
            "course_id": course.id,
            "question_id": question_id,
            "qtype": "single",
            "user_id": users["learner"].id,
            "unit_id": unit.id,
            "track_id": track.id,
            "number": 1,
            "token": confirm.token,
            "fmt": "vtt",
        }
        per_endpoint = {
            "static": {"filename": "css/sala.css"},
            "author.discard_captions": {"token": discard.token},
            "author.remove_trainer": {"user_id": users["trainer"].id},
            "auth.choose_language": {"code": "km"},
        }
    return Seed(values, per_endpoint)


def url_for_rule(rule, seeded: Seed) -> str:
    values = {**seeded.values, **seeded.per_endpoint.get(rule.endpoint, {})}
    missing = [a for a in rule.arguments if a not in values]
    assert not missing, f"route_matrix: add a value for {missing} used by {rule.rule} ({rule.endpoint})"
    return rule.build({a: values[a] for a in rule.arguments}, append_unknown=False)[1]


def sign_in(app, role):
    client = app.test_client()
    if role != "anonymous":
        email = {
            "learner": "learner@example.org",
            "trainer": "trainer@example.org",
            "owner": "owner@example.org",
            "admin": "admin@example.org",
        }[role]
        token = csrf_token(client, "/login")
        r = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
        assert r.status_code == 302
    return client


# --- What each role may do on the Teach and Admin pages ---------------------------------------------------

EDITORS = {A: 302, L: 403, T: 403, O: 200, D: 200}
TRAINERS = {A: 302, L: 403, T: 200, O: 200, D: 200}
ADMINS = {A: 302, L: 403, T: 403, O: 403, D: 200}

GET_EXPECTED = {
    "author.dashboard": TRAINERS,
    "author.new_course": TRAINERS,
    "author.course": EDITORS,
    "author.edit_course": EDITORS,
    "author.new_unit": EDITORS,
    "author.trainers": ADMINS,
    "author.edit_unit": EDITORS,
    "author.delete_unit": EDITORS,
    "author.publish_unit": EDITORS,
    "author.preview_unit": EDITORS,
    "author.video": EDITORS,
    "author.upload_captions": EDITORS,
    "author.pending_captions": EDITORS,
    "author.pending_vtt": EDITORS,
    "author.track": EDITORS,
    "author.track_vtt": EDITORS,
    "author.download_track": EDITORS,
    "author.edit_cue": EDITORS,
    "admin.users": ADMINS,
    "admin.audit_log": ADMINS,
    # Learner pages on the imported course (published; only the learner is enrolled).
    "catalog.index": dict.fromkeys(ROLES, 200),
    "catalog.course": dict.fromkeys(ROLES, 200),
    "learn.unit": {A: 302, L: 200, T: 403, O: 403, D: 403},
    "learn.captions": {A: 302, L: 200, T: 403, O: 403, D: 403},
    "learn.transcript": {A: 302, L: 200, T: 403, O: 403, D: 403},
    "learn.resume": {A: 302, L: 302, T: 403, O: 403, D: 403},
    # The owner's draft video: its editors and no one else.
    "learn.media": {A: 302, L: 403, T: 403, O: 200, D: 200},
    "catalog.mine": {A: 302, L: 200, T: 200, O: 200, D: 200},
    # The learner's certificate for the imported course: the learner and those who may edit the
    # course (here only the admin); to other trainers it does not exist.
    "certificates.show": {A: 302, L: 200, T: 404, O: 404, D: 200},
    "certificates.pdf": {A: 302, L: 200, T: 404, O: 404, D: 200},
    "certificates.credential": {A: 302, L: 200, T: 404, O: 404, D: 200},
    # The language switch: anyone, back to the catalog with the cookie set.
    "auth.choose_language": dict.fromkeys(ROLES, 303),
}


def _post(editor_status, admin_status=None):
    return {A: 302, L: 403, T: 403, O: editor_status, D: editor_status if admin_status is None else admin_status}


#: POST with a valid CSRF token and no other fields. Destructive ones run last, in this order.
POST_EXPECTED = {
    "author.new_course": {A: 302, L: 403, T: 422, O: 422, D: 422},
    "author.edit_course": _post(422),
    "author.course_status": _post(400),
    "author.trainers": _post(403, 422),
    "author.remove_trainer": _post(403, 404),
    "author.new_unit": _post(422),
    "author.edit_unit": _post(422),
    "author.move_unit": _post(400),
    "author.publish_unit": _post(302),
    "author.unpublish_unit": _post(302),
    "author.video": _post(422),
    "author.described_video": _post(422),
    "author.remove_described_video": _post(404),
    "author.upload_captions": _post(422),
    "author.edit_cue": _post(422),
    # Player settings of a unit: whoever is enrolled (the POST to enrol ran before this one, for
    # every role); an empty form is refused field by field.
    "learn.player_settings": {A: 302, L: 422, T: 422, O: 422, D: 422},
    "admin.set_role": {A: 302, L: 403, T: 403, O: 403, D: 422},
    # Makes a reset link for the learner and shows it; changes no password.
    "admin.reset_link": {A: 302, L: 403, T: 403, O: 403, D: 200},
    "certificates.revoke": {A: 302, L: 403, T: 404, O: 404, D: 422},
    # No language chosen: the accessible 400 page, for anyone.
    "auth.save_language": dict.fromkeys(ROLES, 400),
    "author.confirm_captions": _post(302),
    "author.discard_captions": _post(302),
    "author.remove_video": _post(302),
    "author.retry_renditions": _post(302),
    "author.delete_track": _post(302),
    "author.delete_unit": _post(302),
}
LAST = [
    "author.confirm_captions",
    "author.discard_captions",
    "author.remove_video",
    "author.delete_track",
    "author.delete_unit",
    "auth.sign_out_everywhere",
    "auth.logout",
]


def _rules(app, method):
    rules = [r for r in app.url_map.iter_rules() if method in r.methods]
    order = {name: i for i, name in enumerate(LAST)}
    return sorted(rules, key=lambda r: (order.get(r.endpoint, -1), r.rule))


def _generic_ok(rule, role, status) -> bool:
    """Routes owned by other features: no 500, and the Teach area is closed to learners and visitors."""
    if status >= 500:
        return False
    if rule.rule.startswith("/teach"):
        if role == A:
            return status == 302
        if role == L:
            return status == 403
        if role == T and "course_id" in rule.arguments:
            return status in (403, 404)
    return True


@pytest.mark.parametrize("role", ROLES)
def test_every_get_route_answers_as_expected(app, role):
    """GET on every route gives the expected status for the role, and never 500."""
    seeded = seed(app)
    client = sign_in(app, role)
    problems = []
    for rule in _rules(app, "GET"):
        url = url_for_rule(rule, seeded)
        with client.get(url) as r:
            status = r.status_code
            if status == 302 and role == A and rule.endpoint in GET_EXPECTED:
                assert "/login" in r.headers["Location"], url
        expected = GET_EXPECTED.get(rule.endpoint, {}).get(role)
        if expected is not None and status != expected or expected is None and not _generic_ok(rule, role, status):
            problems.append(f"GET {url} as {role}: {status} (expected {expected or 'not 500'})")
    assert problems == []


@pytest.mark.parametrize("role", ROLES)
def test_every_post_route_needs_a_csrf_token(app, role):
    """POST without a CSRF token is refused with 400 on every route, before anything else happens."""
    seeded = seed(app)
    client = sign_in(app, role)
    problems = []
    for rule in _rules(app, "POST"):
        url = url_for_rule(rule, seeded)
        status = client.post(url, data={"title": "x"}).status_code
        if status != 400 and not (rule.endpoint == "learn.position" and status in (302, 403)):
            problems.append(f"POST {url} as {role} without token: {status}")
    assert problems == []


@pytest.mark.parametrize("role", ROLES)
def test_every_post_route_with_token_answers_as_expected(app, role):
    """POST with a valid CSRF token gives the expected status for the role, and never 500."""
    seeded = seed(app)
    client = sign_in(app, role)
    token = csrf_token(client, "/login" if role == A else "/")
    problems = []
    for rule in _rules(app, "POST"):
        url = url_for_rule(rule, seeded)
        status = client.post(url, data={"csrf_token": token}).status_code
        expected = POST_EXPECTED.get(rule.endpoint, {}).get(role)
        if expected is not None and status != expected or expected is None and not _generic_ok(rule, role, status):
            problems.append(f"POST {url} as {role}: {status} (expected {expected or 'not 500'})")
    assert problems == []


def test_matrix_covers_every_teach_and_admin_route(app):
    """Each author and admin endpoint has explicit expectations, so a new one cannot slip in untested."""
    mine = {r.endpoint for r in app.url_map.iter_rules() if r.endpoint.split(".")[0] in ("author", "admin")}
    covered = set(GET_EXPECTED) | set(POST_EXPECTED)
    assert mine - covered == set()
    assert all(re.match(r"^(author|admin|catalog|learn|certificates|auth)\.", e) for e in covered)
