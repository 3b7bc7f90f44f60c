"""Every form of the app, posted with random values, never answers 5xx (issue 10, part 6).

The forms are found, not listed: every GET page is opened as each kind of user and every
`<form method="post">` on it is read (its fields, their values, its address). Each POST route of
`app.url_map` must be the action of one of them (or be named in SCRIPT_POSTS, for the few that
only scripts send), so a new form is covered without touching this file. Each route is then posted
with Hypothesis' values in every field it names: a field's own value or odd text (controls,
bidi overrides, superscript and other scripts' digits, huge strings, empty, whitespace), on its own
copy of a seeded database, signed in as the user whose page holds the form, with a fresh CSRF token.
"""

from __future__ import annotations

import io
import os
import shutil
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from lms import create_app
from lms.db import get_session
from lms.models import Course, User
from tests.factories import PASSWORD, make_user
from tests.helpers import SRT, WEBM

pytestmark = pytest.mark.slow

#: Who may see which forms, in the order a form's page is looked for: the course owner first (the
#: Teach forms), then an admin, a learner (enrolled in one course, not in another) and a visitor.
ROLES = ("owner", "admin", "learner", "anonymous")
#: POST routes no page has a form for, because only a script sends them, and the fields it sends.
SCRIPT_POSTS = {"learn.position": {"seconds": "12.5"}}
#: Examples per route: enough to meet each kind of odd value in most fields, kept small so the
#: whole test stays around a minute on two cores. LMS_FUZZ_EXAMPLES=200 searches deeper.
EXAMPLES = int(os.environ.get("LMS_FUZZ_EXAMPLES", "8"))

#: Odd text of the kinds that broke forms before, then anything Unicode can carry in UTF-8.
ODD = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "\t\r\n ",
            "²",
            "¹²³",
            "٣٤",
            "១២",
            "\u202eevil",
            "\u200f\u2066x",
            "\x00",
            "a\x00b",
            "\ufeff",
            "\x1b[31m",
            "-1",
            "0",
            "1e309",
            "NaN",
            "9" * 40,
            "<script>alert(1)</script>",
            "../../etc/passwd",
            "%(x)s {0} %s",
            "ក្រុមហ៊ុន" * 3000,
            "x" * 120_000,
        ]
    ),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=200),
)


@dataclass
class FormSeen:
    """A form as a browser holds it: where it posts, how, and its fields' names and values."""

    page: str
    action: str
    multipart: bool
    fields: dict[str, str] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)


class _Forms(HTMLParser):
    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.page, self.forms, self._form, self._select = page, [], None, None
        self._chosen: set[str] = set()

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "get").lower() == "post":
            action = urlsplit(a.get("action") or self.page).path
            self._form = FormSeen(self.page, action, "multipart" in a.get("enctype", ""))
            self.forms.append(self._form)
        elif tag == "option" and self._select and self._form is not None:
            # The selected option, else the first, as a browser sends it.
            if "selected" in a or self._select not in self._chosen:
                self._form.fields[self._select] = a.get("value", "")
                self._chosen.add(self._select)
        elif self._form is None or not a.get("name"):
            return
        elif tag == "input":
            kind, name = a.get("type", "text").lower(), a["name"]
            if kind == "file":
                self._form.files.append(name)
            elif kind in ("checkbox", "radio"):
                if name not in self._form.fields or "checked" in a:
                    self._form.fields[name] = a.get("value", "on") if "checked" in a or kind == "radio" else ""
            elif kind not in ("submit", "button", "image", "reset"):
                self._form.fields[name] = a.get("value", "")
        elif tag == "textarea":
            self._form.fields[a["name"]] = ""
        elif tag == "select":
            self._select = a["name"]
            self._form.fields[a["name"]] = ""
            self._chosen.discard(a["name"])
        elif tag == "button" and a.get("value"):
            self._form.fields.setdefault(a["name"], a["value"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def forms_on(html: str, page: str) -> list[FormSeen]:
    parser = _Forms(page)
    parser.feed(html)
    return parser.forms


# --- A world with something behind every form ----------------------------------------------------


def _seed(app) -> tuple[dict, dict]:
    """Users of each role; the owner's draft course with two units (one published), a video, a live
    track, captions waiting, a quiz of two questions and an assigned trainer; the learner enrolled in
    one imported course with a certificate and an open quiz attempt. Returns (URL values, per
    endpoint values)."""
    from lms.services import accounts, caption_tracks, certificates, courses, enrollment, publishing, quizzes, roles
    from lms.services import quiz_authoring as qa
    from lms.services import units as unit_service
    from lms.services import video as videos
    from lms.services.quiz_authoring import ChoiceRow, QuestionFields

    for role, email in (("learner", "learner"), ("trainer", "trainer"), ("trainer", "owner"), ("admin", "admin")):
        make_user(app, email=f"{email}@example.org", name=email.title(), role=role)
    with app.app_context():
        s = get_session()
        users = {u.email.split("@")[0]: u for u in s.scalars(select(User))}
        imported = s.scalars(select(Course).where(Course.slug == "public-speaking")).one()
        enrollment.enroll(s, users["learner"], imported)
        cert = certificates.issue(s, users["learner"], imported)
        attempt = quizzes.open_attempt(s, users["learner"], imported.quiz)
        course = courses.create_course(s, users["owner"], courses.CourseFields(title="Owner's Draft", language="en"))
        unit = unit_service.create_unit(s, course, unit_service.UnitFields(title="Owned unit", body_md="Text."))
        second = unit_service.create_unit(s, course, unit_service.UnitFields(title="Second unit", body_md="More."))
        media = Path(app.config["MEDIA_DIR"])
        with open(WEBM, "rb") as fh:
            videos.attach_video(s, unit, fh, media, description="A trainer speaks.")
        with open(WEBM, "rb") as fh:
            videos.attach_described(s, unit, fh, media)
        # One smaller version failed, so the video page offers "Try again".
        unit.video.renditions[0].status = "failed"
        check = caption_tracks.check_captions(
            s, unit, users["owner"], SRT.encode(), "a.srt", language="en", kind="captions", media_dir=media
        )
        track = caption_tracks.confirm_captions(s, check.pending)
        pending = caption_tracks.check_captions(
            s, unit, users["owner"], SRT.encode(), "b.srt", language="en", kind="subtitles", media_dir=media
        ).pending
        publishing.set_unit_status(s, second, "published", "Needed for the workshop.")
        quiz = qa.save_settings(s, course, "Check", 60, 3)
        rows = [ChoiceRow("Two", True), ChoiceRow("Three", False, "", "50"), ChoiceRow("Nine", False)]
        question = qa.add_question(s, quiz, qa.build_spec(QuestionFields("single", "Which is even?", choices=rows)))
        qa.add_question(s, quiz, qa.build_spec(QuestionFields("true_false", "Soap helps.", answer="true")))
        roles.assign_trainer(s, users["admin"], course, users["trainer"].id)
        s.commit()
        values = {
            "slug": imported.slug,
            "unit_slug": imported.published_units()[0].slug,
            "lang": "en",
            "kind": "captions",
            "filename": unit.video.filename,
            "code": cert.code,
            "attempt_id": attempt.id,
            "course_id": course.id,
            "question_id": question.id,
            "qtype": "single",
            "user_id": users["learner"].id,
            "unit_id": unit.id,
            "track_id": track.id,
            "number": 1,
            "token": pending.token,
            "fmt": "vtt",
        }
        per_endpoint = {
            "static": {"filename": "css/sala.css"},
            "author.remove_trainer": {"user_id": users["trainer"].id},
            "auth.reset_password": {"token": accounts.reset_token(users["learner"], app.config["SECRET_KEY"])},
        }
    return values, per_endpoint


def _app(folder: Path, url: str, media: Path):
    return create_app(
        {
            "INSTANCE_PATH": str(folder / "instance"),
            "SECRET_KEY": "random-forms-test",
            "DATABASE_URL": url,
            "MEDIA_DIR": str(media),
            "CACHE_DIR": str(folder / "cache"),
            "TESTING": True,
            "SERVER_NAME": "localhost",
            # Mail on (to a port where nothing listens), so "Forgot your password?" shows its form;
            # a message that cannot be sent is logged and dropped, never an error page.
            "MAIL_HOST": "127.0.0.1",
            "MAIL_PORT": 9,
            "MAIL_FROM": "Sala <no-reply@example.org>",
            "MAIL_STARTTLS": False,
            "MAIL_TIMEOUT": 2,
            # Limits out of the way, so every random post reaches its form.
            "RATELIMIT_ENABLED": False,
            "SIGN_IN_ACCOUNT_LIMIT": "100000 per minute",
            "SIGN_IN_ADDRESS_LIMIT": "100000 per minute",
            "REGISTER_ADDRESS_LIMIT": "100000 per minute",
        }
    )


def _sign_in(client, role: str) -> None:
    if role == "anonymous":
        return
    token = next(f for f in forms_on(client.get("/login").get_data(as_text=True), "/login") if f.action == "/login")
    r = client.post(
        "/login", data={"csrf_token": token.fields["csrf_token"], "email": f"{role}@example.org", "password": PASSWORD}
    )
    assert r.status_code == 302, f"signing in as {role}: {r.status_code}"


def _url(rule, values: dict, per_endpoint: dict) -> str | None:
    chosen = {**values, **per_endpoint.get(rule.endpoint, {})}
    if any(a not in chosen for a in rule.arguments):
        return None
    return rule.build({a: chosen[a] for a in rule.arguments}, append_unknown=False)[1]


def _find_forms(app, values, per_endpoint) -> dict[str, tuple[str, FormSeen]]:
    """{POST endpoint: (role, a form posting to it)}, from every GET page as each role."""
    adapter = app.url_map.bind("localhost")
    pages = [
        url
        for rule in app.url_map.iter_rules()
        # Files (a PDF, captions, exports, media: a "." in the last part of the address) hold no form.
        if "GET" in rule.methods and rule.endpoint != "static" and "." not in rule.rule.rsplit("/", 1)[-1]
        for url in [_url(rule, values, per_endpoint)]
        if url is not None
    ]
    # Each imported course's page: one the learner is enrolled in, others with an Enrol button.
    with app.app_context():
        pages += [f"/courses/{slug}" for slug in get_session().scalars(select(Course.slug))]
    found: dict[str, tuple[str, FormSeen]] = {}
    for role in ROLES:
        client = app.test_client()
        _sign_in(client, role)
        for page in pages:
            if page in ("/logout",):
                continue
            with client.get(page) as r:  # closed at once: media answers hold their file open
                html = r.get_data(as_text=True) if r.status_code == 200 and r.mimetype == "text/html" else ""
            for form in forms_on(html, page):
                try:
                    endpoint, _args = adapter.match(form.action, method="POST")
                except Exception:  # noqa: BLE001  # a form to another site or a GET-only address
                    continue
                found.setdefault(endpoint, (role, form))
    return found


@pytest.fixture(scope="module")
def world(tmp_path_factory, databases):
    """A template database (the real courses and the states the forms need) to copy for each route,
    and the forms found on its pages. SQLite or PostgreSQL, as the suite runs."""
    from lms.db import Base, get_session
    from lms.services.course_import import import_all
    from tests.helpers import CONTENT

    folder = tmp_path_factory.mktemp("random-forms")
    media = folder / "media"
    shutil.copytree(databases.media, media)
    seeded: dict = {}

    def build(url: str) -> None:
        app = _app(folder, url, media)
        Base.metadata.create_all(app.extensions["lms.engine"])
        with app.app_context():
            import_all(get_session(), CONTENT, media)
            get_session().commit()
        seeded["values"], seeded["per_endpoint"] = _seed(app)
        app.extensions["lms.engine"].dispose()

    template = databases.add_template("random-forms", build)
    app = _app(folder, template, media)
    values, per_endpoint = seeded["values"], seeded["per_endpoint"]
    found = _find_forms(app, values, per_endpoint)
    posts = sorted(r.endpoint for r in app.url_map.iter_rules() if "POST" in r.methods)
    # A PostgreSQL template must have no connection left when it is copied.
    app.extensions["lms.engine"].dispose()
    return folder, databases, media, found, posts, values, per_endpoint


def test_every_post_route_has_a_form_to_fuzz(world):
    """Each POST route of the app is the action of a form some page shows (or a script post named here)."""
    _folder, _db, _media, found, posts, _values, _per = world
    missing = [e for e in posts if e not in found and e not in SCRIPT_POSTS]
    assert missing == [], f"no page shows a form posting to {missing}: seed what makes it appear in _seed()"


def _odd_post(app, role: str, endpoint: str, form: FormSeen | None, url: str):
    """Hypothesis' property for one route: any values in its fields, no 5xx and no traceback."""
    client = app.test_client()
    _sign_in(client, role)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
    )
    @given(data=st.data())
    def property_(data):
        page = form.page if form is not None else "/"
        r = client.get(page)
        if r.status_code == 302 and "/login" in r.headers.get("Location", "") and role != "anonymous":
            _sign_in(client, role)  # an earlier example signed out (everywhere) or changed the role
            r = client.get(page)
        html = r.get_data(as_text=True)
        fresh = next((f for f in forms_on(html, page) if f.action == urlsplit(url).path), None)
        current = fresh or form
        token = (fresh.fields if fresh else {}).get("csrf_token") or next(
            (f.fields["csrf_token"] for f in forms_on(html, page) if "csrf_token" in f.fields), ""
        )
        fields = dict(current.fields) if current is not None else dict(SCRIPT_POSTS[endpoint])
        body: dict = {"csrf_token": token}
        for name, value in fields.items():
            if name != "csrf_token":
                body[name] = data.draw(st.one_of(st.just(value), ODD), label=name)
        multipart = current is not None and (current.multipart or bool(current.files))
        for name in current.files if current is not None else []:
            content = data.draw(ODD, label=name).encode("utf-8")
            body[name] = (io.BytesIO(content), data.draw(ODD, label=f"{name} (file name)")[:300] or "x")
        r = client.post(url, data=body, content_type="multipart/form-data" if multipart else None)
        text = r.get_data(as_text=True)
        assert r.status_code < 500, f"POST {url} as {role} answered {r.status_code}: {text[:500]}"
        assert "Traceback" not in text and "Something went wrong on our side" not in text

    property_()


def test_random_values_in_every_form_never_answer_5xx(world):
    """Each POST route, posted with random values in every field its form has, answers below 500."""
    folder, databases, media, found, posts, values, per_endpoint = world
    for endpoint in posts:
        role, form = found.get(endpoint, ("learner", None))
        url_of_db = databases.new(folder, "random-forms")
        app = _app(folder, url_of_db, media)
        try:
            url = form.action if form is not None else None
            if url is None:
                rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
                url = _url(rule, values, per_endpoint)
            assert url is not None, endpoint
            _odd_post(app, role, endpoint, form, url)
        finally:
            app.extensions["lms.engine"].dispose()
            databases.drop(url_of_db)
