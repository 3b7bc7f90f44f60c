"""axe-core and heading checks on every trainer page (Teach, quiz writing, results, admin) in each state."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.browser.author_helpers import BROKEN_VTT, SRT, WEBM, add_user, in_db
from tests.browser.helpers import (
    assert_no_axe_violations,
    assert_structure,
    context_options,
    new_context,
    sign_in,
    t,
)

pytestmark = pytest.mark.browser

TRAINER, FRESH, ADMIN, LEARNER = "axe-trainer", "axe-fresh-trainer", "axe-admin", "axe-learner"


def _build(site) -> dict:
    """Courses in every state the pages show, made through the services as a trainer would."""
    from lms.models import User
    from lms.services import caption_tracks, courses, enrollment, progress, publishing, quizzes, units
    from lms.services import quiz_authoring as qa
    from lms.services import video as videos
    from lms.services.courses import CourseFields
    from lms.services.quiz_authoring import ChoiceRow, QuestionFields
    from lms.services.units import UnitFields

    ids = {
        "trainer": add_user(site, TRAINER, "Chea Vanna", "axe.trainer@example.org", "trainer"),
        "fresh": add_user(site, FRESH, "Sok Rith", "axe.fresh@example.org", "trainer"),
        "admin": add_user(site, ADMIN, "Ly Sopheap", "axe.admin@example.org", "admin"),
        "learner": add_user(site, LEARNER, "Heng Malis", "axe.learner@example.org"),
        "passer": add_user(site, "axe-passer", "Nhem Bopha", "axe.passer@example.org"),
        "failer": add_user(site, "axe-failer", "Pich Kosal", "axe.failer@example.org"),
        "idle": add_user(site, "axe-idle", "Ros Chantha", "axe.idle@example.org"),
        # Trainers the admin can add on the trainers page (OTHER_TRAINERS).
        "other": add_user(site, "axe-other-trainer", "Tep Sovann", "axe.other@example.org", "trainer"),
        "other-km": add_user(site, "axe-other-trainer-km", "Ouk Sreymom", "axe.other.km@example.org", "trainer"),
    }
    media = Path(site.app.config["MEDIA_DIR"])

    def build(db):
        trainer = db.get(User, ids["trainer"])
        out = dict(ids)
        # Course A: a video unit with live captions, a unit published with gaps, a draft unit with
        # gaps and captions waiting for confirmation, a quiz of the four question types, learners.
        course = courses.create_course(
            db,
            trainer,
            CourseFields(
                title="Safe Water at Home",
                summary="Keep drinking water clean.",
                language="en",
                outcomes=["Boil water safely", "Store water clean"],
                estimated_minutes=40,
            ),
        )
        u1 = units.create_unit(
            db,
            course,
            UnitFields(
                title="Why clean water matters",
                summary="What dirty water does.",
                body_md="## Germs\n\nMost illness from water comes from germs.\n\n![A clear glass of water](glass.png)",
                estimated_minutes=10,
            ),
        )
        with open(WEBM, "rb") as fh:
            videos.attach_video(db, u1, fh, media, description="A trainer speaks to a room.")
        check = caption_tracks.check_captions(
            db, u1, trainer, SRT.encode(), "talk.srt", language="en", kind="captions", media_dir=media
        )
        track = caption_tracks.confirm_captions(db, check.pending)
        publishing.set_unit_status(db, u1, "published")
        u2 = units.create_unit(
            db, course, UnitFields(title="Boiling", body_md="Boil it.\n\n![](pot.png)", estimated_minutes=5)
        )
        publishing.set_unit_status(db, u2, "published", "Workshop starts tomorrow; alt text on Friday.")
        u3 = units.create_unit(db, course, UnitFields(title="Filters", body_md="![](filter.png)", estimated_minutes=5))
        with open(WEBM, "rb") as fh:
            videos.attach_video(db, u3, fh, media)
        pending = caption_tracks.check_captions(
            db, u3, trainer, SRT.encode(), "filters.srt", language="en", kind="captions", media_dir=media
        ).pending
        quiz = qa.save_settings(db, course, "Check your understanding", 60, 3)
        rows = [
            ChoiceRow("One minute at a rolling boil", True, "Right."),
            ChoiceRow("A few seconds", False, "Longer."),
            ChoiceRow("Until it is warm", False, ""),
        ]
        specs = [
            QuestionFields("single", "How long should water boil?", title="Boil", choices=rows),
            QuestionFields(
                "multiple",
                "Which keep stored water clean?",
                choices=[ChoiceRow("A lid", True), ChoiceRow("A clean container", True), ChoiceRow("Sunlight", False)],
            ),
            QuestionFields("true_false", "Clear water is always safe.", answer="false", feedback_true="Not always."),
            QuestionFields("short_text", "What do you do to water to kill germs?", accepted="boil it\nboil"),
        ]
        questions = [qa.add_question(db, quiz, qa.build_spec(s)) for s in specs]
        db.flush()
        for key, right in (("passer", True), ("failer", False)):
            user = db.get(User, ids[key])
            enrollment.enroll(db, user, course)
            progress.mark_done(db, user, u1)
            attempt = quizzes.open_attempt(db, user, quiz)
            form = {}
            for q in quiz.questions:
                if q.type == "short_text":
                    form[f"q-{q.id}"] = ["boil" if right else "filter it"]
                else:
                    form[f"q-{q.id}"] = [str(c.id) for c in q.choices if c.correct == right][
                        : 1 if q.type != "multiple" or not right else None
                    ]
            quizzes.submit(db, user, quiz, attempt, form)
        enrollment.enroll(db, db.get(User, ids["idle"]), course)

        # Course B: a quiz with one question and nobody enrolled. Course C: no quiz at all.
        empty = courses.create_course(db, trainer, CourseFields(title="Handwashing", estimated_minutes=15))
        qa.add_question(
            db,
            qa.save_settings(db, empty, "Handwashing check", 70, 0),
            qa.build_spec(QuestionFields("true_false", "Soap helps.", answer="true")),
        )
        bare = courses.create_course(db, trainer, CourseFields(title="Latrine Care", estimated_minutes=20))
        db.flush()
        out.update(
            course=course.id,
            u1=u1.id,
            u2=u2.id,
            u3=u3.id,
            track=track.id,
            pending=f"/teach/units/{u3.id}/captions/pending/{pending.token}",
            question=questions[0].id,
            empty=empty.id,
            bare=bare.id,
        )
        return out

    return in_db(site, build)


@pytest.fixture(scope="module")
def world(site):
    return _build(site)


@pytest.fixture(scope="module")
def pages(browser, site):
    """One signed-in page per user for the whole module (a new context per case would double its run time)."""
    contexts, made = [], {}

    def get(who: str, lang: str = "en"):
        if (who, lang) not in made:
            ctx = new_context(browser, site, **context_options(lang))
            contexts.append(ctx)
            sign_in(ctx, site, who)
            made[who, lang] = ctx.new_page()
        return made[who, lang]

    yield get
    for ctx in contexts:
        ctx.close()


# ---------------------------------------------------------------- actions that lead to a state
# Each finds its fields and buttons by the names heard in the page's language (helpers.t), so the
# same states are reached in English and in Khmer.


def _field(page, label: str, lang: str, **variables):
    """The form control whose label starts with `label` as the page in `lang` shows it."""
    return page.get_by_label(re.compile("^" + re.escape(t(label, lang, **variables))))


def _submit(page, name: str, lang: str) -> None:
    page.get_by_role("main").get_by_role("button", name=t(name, lang), exact=True).click()


def _filling(values: dict[str, str], button: str):
    """An action that fills each field (by the start of its label) and presses the button."""

    def act(page, w, lang):
        for label, value in values.items():
            _field(page, label, lang).fill(value)
        _submit(page, button, lang)

    return act


_course_errors = _filling(
    {"Course title": "", "Language of the course": "xx", "Estimated time in minutes": "-5"}, "Create course"
)
_unit_errors = _filling({"Unit title": "", "Estimated time in minutes": "-1"}, "Save unit")
_unit_preview = _filling(
    {
        "Unit title": "Storing water",
        "Reading text (Markdown)": "## Containers\n\nUse a **clean** container with a lid.\n\n### Lids\n\n"
        "- Keep it closed\n- Wash it weekly\n\n![A blue water jar with a tap](jar.png)\n\n<script>alert(1)</script>",
    },
    "Preview",
)


def _publish_without_reason(page, w, lang):
    _submit(page, "Publish with these gaps", lang)


def _not_a_video(page, w, lang):
    _field(page, "Video or audio file", lang).set_input_files(
        files=[{"name": "movie.webm", "mimeType": "video/webm", "buffer": b"<html>not a video</html>" * 100}]
    )
    _submit(page, "Upload video", lang)


def _poster(page, w, lang):
    png = base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
    )
    _field(page, "Poster image", lang).set_input_files(
        files=[{"name": "room.png", "mimeType": "image/png", "buffer": png}]
    )
    _field(page, "What the poster shows", lang).fill("A trainer stands before a room of learners.")
    _submit(page, "Save changes", lang)


def _rejected_captions(page, w, lang):
    _field(page, "Caption file", lang).set_input_files(
        files=[{"name": "broken.srt", "mimeType": "text/plain", "buffer": BROKEN_VTT.encode()}]
    )
    _submit(page, "Check the captions", lang)


_cue_errors = _filling({"Start time": "00:00:05.000", "End time": "00:00:04.000", "Caption text": "  "}, "Save caption")
_settings_errors = _filling({"Quiz title": "", "Pass mark (%)": "150", "Attempts allowed": "-1"}, "Save quiz settings")


def _question_errors(page, w, lang):
    """An empty prompt, and for choice questions a row with feedback but no text and too few correct."""
    if _field(page, "Choice %(n)d text", lang, n=1).count():
        _field(page, "Choice %(n)d text", lang, n=1).fill("Two")
        _field(page, "Feedback for choice %(n)d", lang, n=3).fill("orphan feedback")
    _submit(page, "Add question", lang)


_gift_errors = _filling(
    {
        "Or paste GIFT text": "::Match:: Match these {=a -> b =c -> d}\n\n::Ok:: Fine {T}\n\n"
        "::Essay:: Write an essay {}\n\n::Open:: What {=a ~b"
    },
    "Import questions",
)


#: The trainer the admin adds, one per language: once added, a trainer is no longer offered.
OTHER_TRAINERS = {"en": "Tep Sovann (axe.other@example.org)", "km": "Ouk Sreymom (axe.other.km@example.org)"}


def _assign_trainer(page, w, lang):
    _field(page, "Trainer to add", lang).select_option(label=OTHER_TRAINERS[lang])
    _submit(page, "Add trainer", lang)


def _zip_missing(page, w, lang):
    _submit(page, "Import the course", lang)


def _last_admin(page, w, lang):
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=re.compile("^Ly Sopheap")))
    row.get_by_role("combobox").select_option("learner")
    row.get_by_role("button", name=re.compile("^" + re.escape(t("Change role", lang)))).click()


# ---------------------------------------------------------------- the pages and states


@dataclass
class Case:
    id: str
    who: str
    path: Callable[[dict], str]
    action: Callable | None = None
    status: int = 200


def _quiz(w, rest=""):
    return f"/teach/courses/{w['course']}/quiz{rest}"


CASES = [
    Case("teach-empty", FRESH, lambda w: "/teach/"),
    Case("teach-with-courses-and-gaps", TRAINER, lambda w: "/teach/"),
    Case("course-new", TRAINER, lambda w: "/teach/courses/new"),
    Case("course-new-errors", TRAINER, lambda w: "/teach/courses/new", _course_errors, 422),
    Case("course-page", TRAINER, lambda w: f"/teach/courses/{w['course']}"),
    Case("course-page-no-units", TRAINER, lambda w: f"/teach/courses/{w['bare']}"),
    Case("course-edit", TRAINER, lambda w: f"/teach/courses/{w['course']}/edit"),
    Case("trainers-admin", ADMIN, lambda w: f"/teach/courses/{w['course']}/trainers"),
    Case("trainers-admin-assigned", ADMIN, lambda w: f"/teach/courses/{w['course']}/trainers", _assign_trainer),
    Case("unit-new", TRAINER, lambda w: f"/teach/courses/{w['course']}/units/new"),
    Case("unit-new-errors", TRAINER, lambda w: f"/teach/courses/{w['course']}/units/new", _unit_errors, 422),
    Case("unit-new-preview", TRAINER, lambda w: f"/teach/courses/{w['course']}/units/new", _unit_preview),
    Case("unit-edit", TRAINER, lambda w: f"/teach/units/{w['u1']}/edit"),
    Case("unit-edit-errors", TRAINER, lambda w: f"/teach/units/{w['u1']}/edit", _unit_errors, 422),
    Case("unit-edit-preview", TRAINER, lambda w: f"/teach/units/{w['u1']}/edit", _unit_preview),
    Case("publish-gaps", TRAINER, lambda w: f"/teach/units/{w['u3']}/publish"),
    Case("publish-no-reason", TRAINER, lambda w: f"/teach/units/{w['u3']}/publish", _publish_without_reason, 422),
    Case("unit-preview-as-learner", TRAINER, lambda w: f"/teach/units/{w['u1']}/preview"),
    Case("unit-delete", TRAINER, lambda w: f"/teach/units/{w['u3']}/delete"),
    Case("video-empty", TRAINER, lambda w: f"/teach/units/{w['u2']}/video"),
    Case("video-current", TRAINER, lambda w: f"/teach/units/{w['u1']}/video"),
    Case("video-not-a-video", TRAINER, lambda w: f"/teach/units/{w['u2']}/video", _not_a_video, 422),
    Case("video-with-poster", TRAINER, lambda w: f"/teach/units/{w['u1']}/video", _poster),
    Case("captions-upload", TRAINER, lambda w: f"/teach/units/{w['u1']}/captions/new"),
    Case("captions-rejected", TRAINER, lambda w: f"/teach/units/{w['u2']}/captions/new", _rejected_captions, 422),
    Case("caption-report-pending", TRAINER, lambda w: w["pending"]),
    Case("track-cues", TRAINER, lambda w: f"/teach/tracks/{w['track']}"),
    Case("cue-edit", TRAINER, lambda w: f"/teach/tracks/{w['track']}/cues/1/edit"),
    Case("cue-edit-errors", TRAINER, lambda w: f"/teach/tracks/{w['track']}/cues/1/edit", _cue_errors, 422),
    Case("quiz-none", TRAINER, lambda w: f"/teach/courses/{w['bare']}/quiz"),
    Case("quiz-with-questions", TRAINER, lambda w: _quiz(w)),
    Case("quiz-settings-errors", TRAINER, lambda w: _quiz(w), _settings_errors, 422),
    *[
        Case(f"question-new-{t}", TRAINER, lambda w, t=t: _quiz(w, f"/questions/new/{t}"))
        for t in ("single", "multiple", "true_false", "short_text")
    ],
    *[
        Case(f"question-new-{t}-errors", TRAINER, lambda w, t=t: _quiz(w, f"/questions/new/{t}"), _question_errors, 422)
        for t in ("single", "multiple", "true_false", "short_text")
    ],
    Case("question-edit", TRAINER, lambda w: _quiz(w, f"/questions/{w['question']}")),
    Case("question-delete", TRAINER, lambda w: _quiz(w, f"/questions/{w['question']}/delete")),
    Case("gift-import", TRAINER, lambda w: _quiz(w, "/import")),
    Case("gift-import-errors", TRAINER, lambda w: _quiz(w, "/import"), _gift_errors, 422),
    Case("results-index", TRAINER, lambda w: "/dashboard"),
    Case("results-index-empty", FRESH, lambda w: "/dashboard"),
    Case("results-no-learners", TRAINER, lambda w: f"/dashboard/courses/{w['empty']}"),
    Case("results-no-quiz", TRAINER, lambda w: f"/dashboard/courses/{w['bare']}"),
    Case("results-with-learners", TRAINER, lambda w: f"/dashboard/courses/{w['course']}"),
    Case("course-import", TRAINER, lambda w: "/dashboard/import"),
    Case("course-import-errors", TRAINER, lambda w: "/dashboard/import", _zip_missing, 422),
    Case("admin-users", ADMIN, lambda w: "/admin/users"),
    Case("admin-users-last-admin", ADMIN, lambda w: "/admin/users", _last_admin, 422),
    Case("forbidden-teach-learner", LEARNER, lambda w: "/teach/", status=403),
    Case("forbidden-quiz-learner", LEARNER, lambda w: _quiz(w), status=403),
    Case("forbidden-results-learner", LEARNER, lambda w: f"/dashboard/courses/{w['course']}", status=403),
]


def _open(pages, world, case: Case, lang: str = "en"):
    page = pages(case.who, lang)
    response = page.goto(case.path(world))
    if case.action is not None:
        with page.expect_navigation() as navigation:
            case.action(page, world, lang)
        response = navigation.value
    assert response.status == case.status, f"{case.id}: status {response.status}, expected {case.status}"
    return page


#: Links of the error summary whose target is missing or is not a form control that can take focus.
SUMMARY_TARGETS_JS = """() => Array.from(document.querySelectorAll('.error-summary a[href^="#"]'))
  .filter(a => { const el = document.getElementById(a.getAttribute('href').slice(1));
                 return !el || !el.matches('input, select, textarea, button') || el.disabled; })
  .map(a => a.getAttribute('href') + ' ' + a.textContent.trim())"""


KHMER = re.compile("[\u1780-\u17ff]")


def _check(page, case: Case, lang: str) -> None:
    """One h1, no skipped heading levels, one main, <html lang>; after a refused form, "Error:" in
    the title and focus on a summary whose links each reach a control (in Khmer, each message in
    Khmer); then axe."""
    structure = assert_structure(page)
    assert structure["lang"] == lang
    if case.status in (422,) or case.id.endswith("-errors"):
        assert structure["title"].startswith(t("Error:", lang)), (
            f"{case.id} ({lang}): a page with errors must say so: {structure['title']!r}"
        )
        page.wait_for_function("document.activeElement && document.activeElement.matches('.error-summary')")
        broken = page.evaluate(SUMMARY_TARGETS_JS)
        assert not broken, f"{case.id} ({lang}): error summary links without a form control to focus: {broken}"
        if lang == "km":
            english = [m for m in page.locator(".error-summary li").all_inner_texts() if not KHMER.search(m)]
            assert not english, f"{case.id}: messages not in Khmer: {english}"
    assert_no_axe_violations(page, case.id if lang == "en" else f"{case.id} ({lang})")


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_author_page_has_no_axe_violations_and_sound_headings(pages, world, case):
    """axe (WCAG 2.2 A/AA and best practice) finds nothing; one h1, no skipped heading levels, one main."""
    _check(_open(pages, world, case), case, "en")


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_author_page_in_khmer_has_no_axe_violations_and_sound_headings(pages, world, case):
    """The same pages and states in a browser asking for Khmer, reached through the Khmer names of
    fields and buttons: <html lang="km">, Khmer messages, the same structure, and axe finds nothing."""
    _check(_open(pages, world, case, "km"), case, "km")


def test_author_dashboard_shows_the_published_with_gaps_row(pages, world):
    """The Teach dashboard names the unit published with gaps and the reason given, in its units table."""
    page = _open(pages, world, Case("teach", TRAINER, lambda w: "/teach/"))
    table = page.get_by_role("table", name="Units of Safe Water at Home")
    row = table.get_by_role("row").filter(has=page.get_by_role("rowheader", name="2. Boiling"))
    text = " ".join(row.inner_text().split())
    assert "Published with gaps." in text and "Workshop starts tomorrow; alt text on Friday." in text, text


def test_author_results_page_has_chart_and_tables(pages, world):
    """The course results show the summary, a chart named by its title and description, and both tables."""
    page = _open(pages, world, Case("results", TRAINER, lambda w: f"/dashboard/courses/{w['course']}"))
    chart = page.get_by_role("img", name="Bar chart: share of answers correct, by question")
    assert chart.count() == 1
    assert page.get_by_role("table", name=re.compile("3 learners enrolled in Safe Water at Home")).count() == 1
    items = page.get_by_role("table", name="How each question was answered")
    assert items.get_by_role("row").count() == 5  # header and four questions


def test_author_results_pages_of_learners_are_accessible_by_keyboard(pages, world, monkeypatch):
    """With more learners than a page holds, the results page has no axe violations, its page nav
    marks the current page, and the next page (a plain link, no script) opens from the keyboard."""
    from lms.dashboard import views

    monkeypatch.setattr(views, "PER_PAGE", 2)  # the world's 3 learners make 2 pages
    page = _open(pages, world, Case("results-paged", TRAINER, lambda w: f"/dashboard/courses/{w['course']}"))
    assert_no_axe_violations(page, "results, page 1 of 2")
    nav = page.get_by_role("navigation", name="Pages of learners")
    assert nav.locator("[aria-current=page]").inner_text().split()[-1] == "1"
    nav.get_by_role("link", name="Next page").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_role("table", name=re.compile("page 2 of 2")).get_by_role("row").count() == 2
    assert_no_axe_violations(page, "results, page 2 of 2")


def test_author_rejected_caption_report_does_not_say_players_will_show_it(pages, world):
    """A rejected caption file's report does not tell the trainer that players will still show the captions."""
    case = next(c for c in CASES if c.id == "captions-rejected")
    main = " ".join(_open(pages, world, case).get_by_role("main").inner_text().split())
    assert "This file was not stored" in main and "The file also has these problems:" in main
    assert "Players will still show the captions" not in main


def test_author_breadcrumb_separators_are_drawn_but_not_spoken(pages, world):
    """The "›" between breadcrumb links shows on screen and stays out of the accessibility tree."""
    page = _open(pages, world, next(c for c in CASES if c.id == "cue-edit"))
    crumbs = page.get_by_role("navigation", name="Breadcrumb")
    drawn = crumbs.locator("li + li").first.evaluate("li => getComputedStyle(li, '::before').content")
    assert "›" in drawn, drawn
    spoken = crumbs.aria_snapshot()
    assert "›" not in spoken, spoken
    assert [a.strip() for a in crumbs.get_by_role("link").all_inner_texts()] == [
        "Teach",
        "Safe Water at Home",
        "English captions",
        "Edit caption 1 of 3",
    ]


@pytest.mark.parametrize(
    "path,label",
    [
        (lambda w: f"/teach/units/{w['u2']}/video", "Video or audio file"),
        (lambda w: f"/teach/units/{w['u2']}/captions/new", "Caption file"),
        (lambda w: "/dashboard/import", "Course zip file"),
    ],
    ids=["video", "captions", "course-zip"],
)
def test_author_required_file_fields_are_not_announced_as_optional(pages, world, path, label):
    """A file field the form cannot be sent without is not named "(optional)" to screen reader users."""
    page = _open(pages, world, Case("file", TRAINER, path))
    name = page.get_by_label(re.compile(rf"^{re.escape(label)}")).evaluate(
        "el => el.labels[0].innerText.replace(/\\s+/g, ' ').trim()"
    )
    assert "(optional)" not in name, name
