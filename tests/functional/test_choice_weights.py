"""Choice weights in the quiz editor and the learner's result, as Moodle grades them (issue 13,
part 4): the editor shows and edits each choice's marks, checks them by Moodle's rules, keeps them
through GIFT and Moodle XML, and the result page says "Mark 0.50 out of 1.00"."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from lms.db import get_session
from lms.models import Question, Quiz, User
from tests.factories import make_course
from tests.helpers import (
    TRAINER,
    import_text,
    post,
    quiz_url,
    sign_in_as,
    submit_quiz,
)


@pytest.fixture
def trainer(app, client):
    """A signed-in trainer owning the published course "first-aid" with an empty quiz (pass mark 50)."""
    sign_in_as(app, client, email=TRAINER, name="Trainer Tola")
    with app.app_context():
        uid = get_session().scalars(select(User.id).where(User.email == TRAINER)).one()
    return make_course(app, uid, quiz=True)


def _rows(rows):
    """Form data for choice rows: (text, ticked, weight, feedback), padded to six rows."""
    data = {}
    for i in range(6):
        text, ticked, weight, feedback = rows[i] if i < len(rows) else ("", False, "", "")
        data.update({f"choices-{i}-text": text, f"choices-{i}-weight": weight, f"choices-{i}-feedback": feedback})
        if ticked:
            data[f"choices-{i}-correct"] = "y"
    return data


def _stored(app, course_id):
    with app.app_context():
        qs = (
            get_session()
            .scalars(select(Question).join(Quiz).where(Quiz.course_id == course_id).order_by(Question.position))
            .all()
        )
        return [(q.id, q.type, [(c.id, c.text, c.correct, c.weight) for c in q.choices]) for q in qs]


PAY = [
    ("The hours worked and the hourly rate", True, "", "Right."),
    ("Only the total pay", False, "50", "Half right: the hours belong there too."),
    ("The employer's name", False, "", ""),
]


def test_single_choice_weights_are_saved_shown_and_edited(app, client, trainer):
    """A row given 50 % is stored with that weight; the edit page selects it; no "dropped" notice."""
    r = post(client, quiz_url(trainer, "/questions/new/single"), {"prompt": "What must a payslip show?", **_rows(PAY)})
    assert r.status_code == 302, r.get_data(as_text=True)[:3000]
    [(qid, _type, choices)] = _stored(app, trainer)
    assert [(c[2], c[3]) for c in choices] == [(True, None), (False, 50.0), (False, None)]
    html = client.get(quiz_url(trainer, f"/questions/{qid}")).get_data(as_text=True)
    assert '<label for="choices-1-weight">Marks for choice 2' in html
    assert re.search(r'<option selected value="50">50 % of the marks</option>', html)
    assert "By the tick: all if correct, none if not" in html and "83.33333 % of the marks" in html
    assert "-50 % of the marks" not in html, "single choice offers no negative marks"
    assert "does not show weights" not in html
    overview = client.get(quiz_url(trainer)).get_data(as_text=True)
    assert "Only the total pay (50 % of the marks)" in " ".join(overview.split())
    # Editing the weight to 25 % keeps the choice's id (past attempts refer to it).
    rows = [PAY[0], (PAY[1][0], False, "25", PAY[1][3]), PAY[2]]
    r = post(client, quiz_url(trainer, f"/questions/{qid}"), {"prompt": "What must a payslip show?", **_rows(rows)})
    assert r.status_code == 302
    [(_qid, _type, after)] = _stored(app, trainer)
    assert after[1][0] == choices[1][0] and after[1][3] == 25.0


def test_weight_of_100_or_0_is_stored_as_the_tick(app, client, trainer):
    """Choosing 100 % is the correct answer, as ticking it is; 0 % is a wrong one."""
    rows = [("Call for help", False, "100", ""), ("Walk away", False, "", ""), ("Wait", False, "", "")]
    r = post(client, quiz_url(trainer, "/questions/new/single"), {"prompt": "First step?", **_rows(rows)})
    assert r.status_code == 302
    assert [(c[2], c[3]) for c in _stored(app, trainer)[0][2]] == [(True, None), (False, None), (False, None)]


@pytest.mark.parametrize(
    "qtype, rows, words",
    [
        ("single", [("A", False, "50", ""), ("B", False, "", "")], "Mark exactly one choice as correct."),
        ("single", [("A", True, "50", ""), ("B", False, "", "")], "Choice 1 is ticked as the correct answer"),
        ("single", [("A", True, "", ""), ("B", False, "²", "")], "Choose the marks for choice 2 from the list."),
        ("single", [("A", True, "", ""), ("B", False, "150", "")], "Choose the marks for choice 2 from the list."),
        (
            "multiple",
            [("A", True, "50", ""), ("B", True, "40", ""), ("C", False, "-50", "")],
            "The marks of the correct choices add up to 90 %.",
        ),
        (
            "multiple",
            [("A", True, "50", ""), ("B", True, "", ""), ("C", False, "", "")],
            "choose the marks for every correct choice",
        ),
        (
            "multiple",
            [("A", True, "50", ""), ("B", True, "-50", ""), ("C", False, "", "")],
            "Choice 2 is ticked as correct but gives -50 % of the marks",
        ),
        ("multiple", [("", False, "50", ""), ("A", True, "", ""), ("B", True, "", "")], "Choice 1 has feedback, marks"),
    ],
)
def test_weights_breaking_moodles_rules_are_refused_with_the_reason(app, client, trainer, qtype, rows, words):
    """Single choice needs one choice at full marks; multiple choice's positive marks add up to 100 %."""
    r = post(client, quiz_url(trainer, f"/questions/new/{qtype}"), {"prompt": "Which?", **_rows(rows)})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert words in html and "<title>Error:" in html
    assert _stored(app, trainer) == []


def test_multiple_choice_thirds_add_up_to_100(app, client, trainer):
    """Three correct answers at 33.33333 % each are full marks (Moodle's rounding), a wrong one takes some."""
    rows = [
        ("Danger", True, "33.33333", ""),
        ("Response", True, "33.33333", ""),
        ("Airway", True, "33.33333", ""),
        ("Dinner", False, "-33.33333", "Not part of the check."),
    ]
    r = post(client, quiz_url(trainer, "/questions/new/multiple"), {"prompt": "What do you check?", **_rows(rows)})
    assert r.status_code == 302, r.get_data(as_text=True)[:3000]
    weights = [c[3] for c in _stored(app, trainer)[0][2]]
    assert weights == [33.33333, 33.33333, 33.33333, -33.33333]


def _as_learner(app, client):
    post(client, "/logout", token_from="/")
    sign_in_as(app, client, role="learner", name="Learner Dara")
    post(client, "/courses/first-aid/enrol", token_from="/courses/first-aid")


def test_learner_result_shows_the_mark_and_the_partial_credit(app, client, trainer):
    """The 50 % answer scores "Mark 0.50 out of 1.00 (50%)" with a partial credit line, as Moodle shows it."""
    post(client, quiz_url(trainer, "/questions/new/single"), {"prompt": "What must a payslip show?", **_rows(PAY)})
    rows = [("Danger", True, "50", ""), ("Response", True, "50", ""), ("Dinner", False, "-100", "")]
    post(client, quiz_url(trainer, "/questions/new/multiple"), {"prompt": "What do you check?", **_rows(rows)})
    [(single, _t, s_choices), (multiple, _t2, m_choices)] = _stored(app, trainer)
    _as_learner(app, client)
    answers = {f"q-{single}": [str(s_choices[1][0])], f"q-{multiple}": [str(m_choices[0][0]), str(m_choices[1][0])]}
    r, _url = submit_quiz(client, "first-aid", answers)
    assert r.status_code == 302
    html = " ".join(client.get(r.headers["Location"]).get_data(as_text=True).split())
    assert "Mark 0.50 out of 1.00 (50%)" in html and "Mark 1.00 out of 1.00 (100%)" in html
    assert "Partial credit: your answer earned part of the marks for this question." in html
    assert "1 answer earned part of the marks." in html and "Marks: 1.50 out of 2.00." in html
    assert "You passed: 75%" in html


def test_negative_marks_never_take_a_question_below_zero(app, client, trainer):
    """Choosing a right (50 %) and a wrong (-100 %) answer scores 0, not less: Moodle floors at 0."""
    rows = [("Danger", True, "50", ""), ("Response", True, "50", ""), ("Dinner", False, "-100", "")]
    post(client, quiz_url(trainer, "/questions/new/multiple"), {"prompt": "What do you check?", **_rows(rows)})
    [(qid, _t, choices)] = _stored(app, trainer)
    _as_learner(app, client)
    r, _url = submit_quiz(client, "first-aid", {f"q-{qid}": [str(choices[0][0]), str(choices[2][0])]})
    html = " ".join(client.get(r.headers["Location"]).get_data(as_text=True).split())
    assert "Mark 0.00 out of 1.00 (0%)" in html and "Partial credit" not in html


def test_weights_from_the_editor_survive_gift_and_moodle_xml_round_trips(app, client, trainer):
    """Editor → export → import (replace) gives back the same weights, in both formats."""
    post(client, quiz_url(trainer, "/questions/new/single"), {"prompt": "What must a payslip show?", **_rows(PAY)})
    rows = [("Danger", True, "33.33333", ""), ("Response", True, "66.66667", ""), ("Dinner", False, "-50", "")]
    post(client, quiz_url(trainer, "/questions/new/multiple"), {"prompt": "What do you check?", **_rows(rows)})
    before = [[(c[1], c[2], c[3]) for c in q[2]] for q in _stored(app, trainer)]
    gift = client.get(quiz_url(trainer, "/export.gift")).get_data(as_text=True)
    assert "~%50%Only the total pay" in gift and "~%-50%Dinner" in gift
    xml = client.get(quiz_url(trainer, "/export.xml")).get_data(as_text=True)
    assert 'fraction="50"' in xml and 'fraction="-50"' in xml and 'fraction="66.66667"' in xml
    for fmt, text in (("gift", gift), ("moodle_xml", xml)):
        r = post(client, quiz_url(trainer, "/import"), {"text": text, "mode": "replace", "format": fmt})
        assert r.status_code == 302, (fmt, r.get_data(as_text=True)[:2000])
        assert [[(c[1], c[2], c[3]) for c in q[2]] for q in _stored(app, trainer)] == before, fmt


def test_gift_weight_outside_moodles_list_is_kept_when_the_question_is_saved(app, client, trainer):
    """A GIFT ~%37% answer shows as its own option and stays 37 % after saving the form unchanged."""
    import_text(client, trainer, "::Pay:: What must a payslip show? {=The hours and rate ~%37%Only the total ~A name}")
    [(qid, _t, choices)] = _stored(app, trainer)
    assert choices[1][3] == 37.0
    html = client.get(quiz_url(trainer, f"/questions/{qid}")).get_data(as_text=True)
    assert re.search(r'<option selected value="37">37 % of the marks</option>', html)
    fields = dict(re.findall(r'<input[^>]*name="(choices-\d-(?:text|feedback))"[^>]*value="([^"]*)"', html))
    data = dict(fields)
    data.update({"prompt": "What must a payslip show?", "choices-0-correct": "y", "choices-1-weight": "37"})
    r = post(client, quiz_url(trainer, f"/questions/{qid}"), data)
    assert r.status_code == 302, r.get_data(as_text=True)[:3000]
    assert _stored(app, trainer)[0][2][1][3] == 37.0
