"""Writing a course quiz in the browser: settings, questions, order, GIFT import and export."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from lms.db import get_session
from lms.models import Attempt, Quiz
from tests.factories import make_course, make_user
from tests.helpers import TRAINER, add_single, choice_rows, import_text, post, questions, quiz_url


@pytest.fixture
def trainer(app, auth):
    """A signed-in trainer who owns a course with an empty quiz; returns the course id."""
    auth.as_new("trainer", email=TRAINER, name="Trainer Tola")
    with app.app_context():
        from lms.models import User

        uid = get_session().scalars(select(User.id).where(User.email == TRAINER)).one()
    return make_course(app, uid, quiz=True)


# --- Access ----------------------------------------------------------------------------------------


def test_quiz_authoring_signed_out_redirects_to_sign_in(app, client):
    """Signed out, the quiz pages send you to sign in."""
    course_id = make_course(app, None)
    r = client.get(quiz_url(course_id))
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_quiz_authoring_refuses_learners(app, client, auth):
    """A learner gets 403 on every quiz authoring route, GET and POST."""
    course_id = make_course(app, None, quiz=True)
    auth.as_new("learner")
    for url in ("", "/questions/new/single", "/import", "/export.gift"):
        assert client.get(quiz_url(course_id, url)).status_code == 403
    r = post(client, quiz_url(course_id, "/import"), {"text": "Q {T}"}, token_from="/")
    assert r.status_code == 403


def test_quiz_authoring_refuses_another_trainers_course(app, client, auth):
    """A trainer cannot open the quiz of a course they neither own nor were assigned to."""
    other = make_user(app, email="other@example.org", role="trainer")
    course_id = make_course(app, other, quiz=True)
    auth.as_new("trainer")
    r = client.get(quiz_url(course_id))
    assert r.status_code == 403
    assert "<h1>" in r.get_data(as_text=True)


def test_quiz_authoring_unknown_course_is_404(client, trainer):
    """A course id that does not exist gives 404."""
    assert client.get(quiz_url(99999)).status_code == 404


# --- Settings --------------------------------------------------------------------------------------


def test_create_quiz_when_course_has_none(app, client, auth):
    """A trainer creates the course quiz with a title, pass mark and 0 = unlimited attempts."""
    uid = make_user(app, email=TRAINER, role="trainer")
    auth.login(TRAINER)
    course_id = make_course(app, uid)
    html = client.get(quiz_url(course_id)).get_data(as_text=True)
    assert "Create the quiz" in html and html.count("<h1") == 1
    r = post(client, quiz_url(course_id), {"title": "Final check", "pass_mark": "80", "max_attempts": "0"})
    assert r.status_code == 302
    with app.app_context():
        quiz = get_session().scalars(select(Quiz).where(Quiz.course_id == course_id)).one()
        assert (quiz.title, quiz.pass_mark, quiz.max_attempts) == ("Final check", 80, 0)
    assert "Unlimited attempts." in client.get(quiz_url(course_id)).get_data(as_text=True)


def test_quiz_settings_errors_are_summarised(client, trainer):
    """A pass mark over 100 and an empty title give 422, an error summary and inline errors."""
    r = post(client, quiz_url(trainer), {"title": "", "pass_mark": "150", "max_attempts": "-1"})
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert "<title>Error:" in html
    for field in ("title", "pass_mark", "max_attempts"):
        assert f'href="#{field}"' in html and f'id="{field}-error"' in html
    assert re.search(r'<input[^>]*aria-describedby="[^"]*pass_mark-error"', html)


# --- Questions -------------------------------------------------------------------------------------


def test_add_single_choice_question(app, client, trainer):
    """A single choice question is saved with its choices, correct mark and feedback; blank rows ignored."""
    r = add_single(client, trainer)
    assert r.status_code == 302
    [(qid, qtype, prompt, choices)] = questions(app, trainer)
    assert qtype == "single" and prompt == "Which number is even?"
    assert [(t, c, f) for _id, t, c, f in choices] == [("Two", True, "Yes."), ("Three", False, "Three is odd.")]


def test_question_form_has_labels_and_fieldsets(client, trainer):
    """Every choice row is a fieldset with a legend, and each field has a numbered label."""
    html = client.get(quiz_url(trainer, "/questions/new/multiple")).get_data(as_text=True)
    assert html.count("<h1") == 1
    assert "<legend>Choices</legend>" in html and "<legend>Choice 6</legend>" in html
    for i in range(6):
        for sub in ("text", "correct", "feedback"):
            assert f'<label for="choices-{i}-{sub}">' in html
    assert 'for="prompt"' in html and 'for="feedback"' in html


def test_single_choice_needs_exactly_one_correct(app, client, trainer):
    """Two correct choices on a single choice question: 422, the error linked, nothing saved."""
    data = {"prompt": "Pick one"}
    data.update(choice_rows([("A", True, ""), ("B", True, "")]))
    r = post(client, quiz_url(trainer, "/questions/new/single"), data)
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert "Mark exactly one choice as correct." in html and 'href="#choices-0-text"' in html
    assert 'aria-describedby="choices-hint choices-error"' in html
    assert questions(app, trainer) == []


def test_multiple_choice_needs_two_correct(app, client, trainer):
    """A multiple choice question with one correct choice is refused."""
    data = {"prompt": "Pick some"}
    data.update(choice_rows([("A", True, ""), ("B", False, ""), ("C", False, "")]))
    r = post(client, quiz_url(trainer, "/questions/new/multiple"), data)
    assert r.status_code == 422 and "two or more choices as correct" in r.get_data(as_text=True)


def test_choice_row_without_text_is_flagged(client, trainer):
    """A row with feedback or a tick but no text is an error on that row's text field."""
    data = {"prompt": "Pick one"}
    data.update(choice_rows([("A", True, ""), ("B", False, ""), ("", False, "orphan feedback")]))
    r = post(client, quiz_url(trainer, "/questions/new/single"), data)
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert 'href="#choices-2-text"' in html and 'id="choices-2-text-error"' in html
    assert 'value="orphan feedback"' in html  # what was typed is kept


def test_true_false_needs_an_answer(app, client, trainer):
    """A true/false question without True or False picked is refused; with one it is saved."""
    url = quiz_url(trainer, "/questions/new/true_false")
    r = post(client, url, {"prompt": "The sky is green."})
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and 'href="#answer"' in html and "<fieldset" in html and "<legend" in html
    r = post(
        client,
        url,
        {"prompt": "The sky is green.", "answer": "false", "feedback_true": "Look up.", "feedback_false": "Right."},
    )
    assert r.status_code == 302
    [(_id, qtype, _p, choices)] = questions(app, trainer)
    assert qtype == "true_false"
    assert [(t, c, f) for _i, t, c, f in choices] == [("True", False, "Look up."), ("False", True, "Right.")]


def test_short_answer_accepts_answers_one_per_line(app, client, trainer):
    """Accepted answers come one per line; duplicates by case are dropped; none is an error."""
    url = quiz_url(trainer, "/questions/new/short_text")
    r = post(client, url, {"prompt": "Capital of Cambodia?", "accepted": "  "})
    assert r.status_code == 422 and 'href="#accepted"' in r.get_data(as_text=True)
    r = post(client, url, {"prompt": "Capital of Cambodia?", "accepted": "Phnom Penh\nphnom penh\n\nPP"})
    assert r.status_code == 302
    [(_id, qtype, _p, choices)] = questions(app, trainer)
    assert [(t, c) for _i, t, c, _f in choices] == [("Phnom Penh", True), ("PP", True)]


def test_edit_question_keeps_ids_and_old_attempts(app, client, trainer):
    """Editing a question updates it in place: question and choice ids stay, old attempts still resolve."""
    add_single(client, trainer)
    [(qid, _t, _p, choices)] = questions(app, trainer)
    with app.app_context():
        session = get_session()
        quiz = session.scalars(select(Quiz).where(Quiz.course_id == trainer)).one()
        session.add(
            Attempt(
                quiz_id=quiz.id,
                user_id=1,
                answers={str(qid): {"answer": [choices[0][0]], "score": 1.0, "correct": True}},
            )
        )
        session.commit()
    form = client.get(quiz_url(trainer, f"/questions/{qid}")).get_data(as_text=True)
    assert 'value="Two"' in form and "Edit question 1" in form
    data = {"prompt": "Which number is even? (edited)"}
    data.update(choice_rows([("2", True, "Yes!"), ("3", False, ""), ("4", False, "")]))
    assert post(client, quiz_url(trainer, f"/questions/{qid}"), data).status_code == 302
    [(qid2, _t, prompt, choices2)] = questions(app, trainer)
    assert qid2 == qid and prompt.endswith("(edited)")
    assert [c[0] for c in choices2[:2]] == [c[0] for c in choices] and len(choices2) == 3


def test_move_buttons_name_the_question_and_reorder(app, client, trainer):
    """Move up/down buttons say which question they move, and moving swaps the order."""
    add_single(client, trainer, "First?")
    add_single(client, trainer, "Second?")
    html = client.get(quiz_url(trainer)).get_data(as_text=True)
    assert 'Move down<span class="visually-hidden">: question 1</span>' in html
    assert 'Move up<span class="visually-hidden">: question 2</span>' in html
    second = questions(app, trainer)[1][0]
    r = post(client, quiz_url(trainer, f"/questions/{second}/move"), {"direction": "up"}, token_from=quiz_url(trainer))
    assert r.status_code == 302
    assert [p for _i, _t, p, _c in questions(app, trainer)] == ["Second?", "First?"]
    assert "Question 2 is now question 1." in client.get(quiz_url(trainer)).get_data(as_text=True)


def test_delete_question_asks_first(app, client, trainer):
    """Delete shows a confirmation page; posting it removes the question."""
    add_single(client, trainer)
    qid = questions(app, trainer)[0][0]
    page = client.get(quiz_url(trainer, f"/questions/{qid}/delete"))
    assert page.status_code == 200 and "Delete question 1?" in page.get_data(as_text=True)
    assert post(client, quiz_url(trainer, f"/questions/{qid}/delete")).status_code == 302
    assert questions(app, trainer) == []


# --- GIFT ------------------------------------------------------------------------------------------

GOOD_GIFT = """// a comment
::Motive:: Which motive fits a request for funding? {
=To persuade#Right.
~To inform#Not quite.
}

::Memorise:: Memorise the talk word for word. {F#No: learn the points.#Yes.}

::Name:: Name the motive of a talk that asks for a decision. {=persuade =to persuade}
"""


@pytest.mark.parametrize(
    "text, line, words",
    [
        ("::M:: Match {=a -> b =c -> d}", 1, "Matching questions"),
        ("::A:: ok {T}\n\n::N:: How many? {#5}", 3, "Numerical questions"),
        ("::E:: Write an essay {}", 1, "Essay questions"),
        ("::Q:: What {=a ~b", 1, "never closed"),
        ("::Q:: What is this?", 1, "no answer block"),
        ("::Q:: Use { to open {=yes ~no}", 1, "inside the answer block"),
        ("::T:: One {T}\n\n::T:: Two {F}", 3, "already used"),
    ],
)
def test_gift_import_refuses_bad_input_by_line(app, client, trainer, text, line, words):
    """Unsupported types, unbalanced braces, no answers, a bare {, duplicate titles: 422, line shown, nothing saved."""
    r = import_text(client, trainer, text)
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert f'<a href="#text">Line {line}:' in html and words in html
    assert questions(app, trainer) == []


def test_gift_errors_listed_each_by_line_and_text_kept(app, client, trainer):
    """Every problem is listed with its line, linked to the text box, and the pasted text stays."""
    text = "::M:: Match {=a -> b}\n\n::Ok:: Fine {T}\n\n::E:: Essay {}"
    r = import_text(client, trainer, text)
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "<title>Error:" in html
    assert '<a href="#text">Line 1:' in html and '<a href="#text">Line 5:' in html
    assert "::Ok:: Fine {T}" in html  # kept in the textarea
    assert re.search(r'<textarea[^>]*aria-describedby="text-hint text-error"', html)
    assert questions(app, trainer) == []


def test_gift_file_upload_appends_then_replaces(app, client, trainer):
    """A .gift upload adds its questions; "Replace all questions" swaps them, updating rows in place."""
    add_single(client, trainer)
    r = post(
        client,
        quiz_url(trainer, "/import"),
        {"file": (io.BytesIO(GOOD_GIFT.encode()), "bank.gift"), "mode": "append"},
        content_type="multipart/form-data",
    )
    assert r.status_code == 302
    assert "3 questions were imported. The quiz now has 4 questions." in client.get(quiz_url(trainer)).get_data(
        as_text=True
    )
    first_id = questions(app, trainer)[0][0]
    assert [t for _i, t, _p, _c in questions(app, trainer)] == ["single", "single", "true_false", "short_text"]
    r = import_text(client, trainer, "::Only:: The only one {T}", mode="replace")
    assert r.status_code == 302
    [(qid, qtype, prompt, _c)] = questions(app, trainer)
    assert (qid, qtype, prompt) == (first_id, "true_false", "The only one")


def test_gift_file_with_errors_puts_its_text_in_the_box(app, client, trainer):
    """An uploaded file with problems: errors by line, and its text placed in the box to fix."""
    r = post(
        client,
        quiz_url(trainer, "/import"),
        {"file": (io.BytesIO(b"::A:: ok {T}\n\n::B:: broken {=a ~b"), "bank.txt"), "text": ""},
        content_type="multipart/form-data",
    )
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and '<a href="#text">Line 3:' in html and "::B:: broken {=a ~b" in html


def test_gift_upload_wrong_type_or_too_large(app, client, trainer):
    """A .docx is refused with 422; a file over the limit with 413; both name the file field."""
    r = post(
        client,
        quiz_url(trainer, "/import"),
        {"file": (io.BytesIO(b"x"), "bank.docx")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 422 and 'href="#file"' in r.get_data(as_text=True)
    app.config["GIFT_MAX_BYTES"] = 100
    r = post(
        client,
        quiz_url(trainer, "/import"),
        {"file": (io.BytesIO(b"Q {T}\n" * 50), "bank.gift")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 413 and 'href="#file"' in r.get_data(as_text=True)


def test_gift_import_with_nothing_is_an_error(client, trainer):
    """Neither a file nor text: 422 asking for one."""
    r = import_text(client, trainer, "   ")
    assert r.status_code == 422 and "Choose a GIFT file or paste GIFT text." in r.get_data(as_text=True)


def test_gift_export_downloads_what_import_reads(app, client, trainer):
    """The .gift download holds every question and imports back to the same questions."""
    assert import_text(client, trainer, GOOD_GIFT).status_code == 302
    r = client.get(quiz_url(trainer, "/export.gift"))
    assert r.status_code == 200 and "attachment" in r.headers["Content-Disposition"]
    from lms.questions.gift import parse_gift

    with app.app_context():
        specs = parse_gift(r.get_data(as_text=True))
    assert [(s.type, s.prompt) for s in specs] == [(t, p) for _i, t, p, _c in questions(app, trainer)]


def test_html_and_script_in_gift_show_as_text_to_learners(app, client, auth, trainer):
    """HTML and <script> in stems and feedback are escaped on the learner's quiz and result pages."""
    gift = (
        "::H:: Is <b>bold</b> safe? <script>alert('stem')</script> {\n"
        "=Yes#<script>alert('fb')</script>\n~No#<img src\\=x onerror\\=alert(1)>\n"
        "####<i>general</i>}"
    )
    assert import_text(client, trainer, gift).status_code == 302
    client.post(
        "/logout",
        data={
            "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").get_data(as_text=True)).group(
                1
            )
        },
    )
    auth.as_new("learner")
    post(client, "/courses/first-aid/enrol", token_from="/courses/first-aid")
    page = client.get("/courses/first-aid/quiz").get_data(as_text=True)
    assert "<script>alert" not in page and "&lt;script&gt;alert(&#39;stem&#39;)&lt;/script&gt;" in page
    assert "&lt;b&gt;bold&lt;/b&gt;" in page
    [(qid, _t, _p, choices)] = questions(app, trainer)
    url = re.search(r'action="(/courses/first-aid/quiz/attempts/\d+)"', page).group(1)
    r = post(client, url, {f"q-{qid}": str(choices[1][0])}, token_from="/courses/first-aid/quiz")
    result = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "<img src=x" not in result and "&lt;img src=x onerror=alert(1)&gt;" in result
    assert "&lt;i&gt;general&lt;/i&gt;" in result and "<script>" not in result


def _check_page(html: str, url: str) -> None:
    levels = [int(n) for n in re.findall(r"<h([1-6])[ >]", html)]
    assert levels.count(1) == 1, url
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False)), (url, levels)
    labels = set(re.findall(r'<label for="([^"]+)"', html))
    for tag in re.findall(r"<(?:input|textarea|select)\b[^>]*>", html):
        if re.search(r'type="(hidden|submit)"', tag):
            continue
        field_id = re.search(r'\sid="([^"]+)"', tag)
        assert field_id and field_id.group(1) in labels, (url, tag)
    for described in re.findall(r'aria-describedby="([^"]+)"', html):
        for ref in described.split():
            assert f'id="{ref}"' in html, (url, ref)


def test_quiz_and_dashboard_pages_have_one_h1_ordered_headings_and_labels(app, client, trainer):
    """Every page: one h1, no skipped heading levels, a label for each field, aria-describedby targets exist."""
    add_single(client, trainer)
    add_single(client, trainer, "Second?")
    qid = questions(app, trainer)[0][0]
    pages = [
        quiz_url(trainer),
        quiz_url(trainer, f"/questions/{qid}"),
        quiz_url(trainer, f"/questions/{qid}/delete"),
        quiz_url(trainer, "/import"),
        "/dashboard",
        f"/dashboard/courses/{trainer}",
        "/dashboard/import",
    ]
    pages += [quiz_url(trainer, f"/questions/new/{t}") for t in ("single", "multiple", "true_false", "short_text")]
    for url in pages:
        r = client.get(url)
        assert r.status_code == 200, url
        _check_page(r.get_data(as_text=True), url)
    failed = [
        import_text(client, trainer, "::M:: Match {=a -> b}"),
        post(client, quiz_url(trainer, "/questions/new/true_false"), {"prompt": ""}),
        post(client, quiz_url(trainer, "/questions/new/single"), {"prompt": "x", **choice_rows([("a", True, "")])}),
        post(client, quiz_url(trainer), {"title": "", "pass_mark": "x", "max_attempts": ""}),
        post(client, "/dashboard/import", {}),
    ]
    for r in failed:
        html = r.get_data(as_text=True)
        assert r.status_code == 422 and "<title>Error:" in html and 'class="error-summary"' in html
        _check_page(html, r.request.path)


FIELD_GIFT = Path(__file__).resolve().parents[2].parent / "shared" / "field" / "single-partial-credit.gift"


@pytest.mark.skipif(not FIELD_GIFT.is_file(), reason=f"{FIELD_GIFT} is absent")
def test_gift_single_choice_weight_gives_partial_credit(app, client, auth, trainer):
    """The field file imported as a trainer would: a learner choosing the ~%50% answer scores 50%."""
    r = post(
        client,
        quiz_url(trainer, "/import"),
        {"file": (io.BytesIO(FIELD_GIFT.read_bytes()), FIELD_GIFT.name), "mode": "append"},
        content_type="multipart/form-data",
    )
    assert r.status_code == 302
    [(qid, qtype, _p, choices)] = questions(app, trainer)
    assert qtype == "single" and choices[1][1] == "Only the total pay"
    client.post(
        "/logout",
        data={
            "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").get_data(as_text=True)).group(
                1
            )
        },
    )
    auth.as_new("learner")
    post(client, "/courses/first-aid/enrol", token_from="/courses/first-aid")
    page = client.get("/courses/first-aid/quiz").get_data(as_text=True)
    url = re.search(r'action="(/courses/first-aid/quiz/attempts/\d+)"', page).group(1)
    r = post(client, url, {f"q-{qid}": str(choices[1][0])}, token_from="/courses/first-aid/quiz")
    assert r.status_code == 302
    with app.app_context():
        attempt = get_session().scalars(select(Attempt).where(Attempt.submitted_at.is_not(None))).one()
        assert attempt.score == 50.0 and attempt.answers[str(qid)]["score"] == 0.5
    result = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "You passed: 50%" in result and "partly correct" in result  # the pass mark is 50%
    assert "Half right: the hours belong there too." in result
