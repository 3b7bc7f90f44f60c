"""The quiz editor's import page with Moodle XML, Aiken and Windows-1252 GIFT files, and the
Moodle XML download."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from lms.db import get_session
from lms.models import Quiz
from lms.questions import spec_of
from tests.factories import make_course
from tests.helpers import TRAINER, import_text, post, questions, quiz_url

MOODLE = Path(__file__).resolve().parents[1] / "data" / "moodle"

XML = """<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="category"><category><text>$course$/Top</text></category></question>
  <question type="multichoice">
    <name><text>Motive</text></name>
    <questiontext format="html"><text><![CDATA[<p>Which motive <b>fits</b> a request for funding?</p>]]></text></questiontext>
    <generalfeedback format="html"><text>Think of the audience.</text></generalfeedback>
    <single>true</single>
    <answer fraction="100"><text>To persuade</text><feedback><text>Right.</text></feedback></answer>
    <answer fraction="50"><text>To propose</text><feedback><text>Nearly.</text></feedback></answer>
    <answer fraction="0"><text>To inform</text><feedback><text>Not quite.</text></feedback></answer>
  </question>
  <question type="truefalse">
    <name><text>Memorise</text></name>
    <questiontext format="moodle_auto_format"><text>Memorise the talk word for word.</text></questiontext>
    <answer fraction="0"><text>true</text><feedback><text>No: learn the points.</text></feedback></answer>
    <answer fraction="100"><text>false</text><feedback><text>Yes.</text></feedback></answer>
  </question>
</quiz>
"""


@pytest.fixture
def trainer(app, auth):
    """A signed-in trainer who owns a course with an empty quiz; returns the course id."""
    auth.as_new("trainer", email=TRAINER, name="Trainer Tola")
    with app.app_context():
        from lms.models import User

        uid = get_session().scalars(select(User.id).where(User.email == TRAINER)).one()
    return make_course(app, uid, quiz=True)


def upload(client, course_id, raw: bytes, name: str, **fields):
    return post(
        client,
        quiz_url(course_id, "/import"),
        {"file": (io.BytesIO(raw), name), **fields},
        content_type="multipart/form-data",
    )


def specs(app, course_id):
    with app.app_context():
        quiz = get_session().scalars(select(Quiz).where(Quiz.course_id == course_id)).one()
        return [spec_of(q) for q in quiz.questions]


def test_import_page_offers_the_formats(client, trainer):
    """The page has a labelled format group, GIFT checked, and the file field accepts .xml and .aiken."""
    html = client.get(quiz_url(trainer, "/import")).get_data(as_text=True)
    assert re.search(r'<input type="radio" id="format" name="format" value="gift" checked>', html)
    assert 'value="moodle_xml"' in html and 'value="aiken"' in html and ".xml" in html and ".aiken" in html


def test_moodle_xml_upload_imports_with_weights_and_feedback(app, client, trainer):
    """An .xml upload is read as Moodle XML: HTML to plain text, the 50 % answer kept as a weight."""
    r = upload(client, trainer, XML.encode(), "bank.xml")
    assert r.status_code == 302
    motive, memorise = specs(app, trainer)
    assert (motive.type, motive.title, motive.prompt) == (
        "single",
        "Motive",
        "Which motive fits a request for funding?",
    )
    assert [(c.text, c.correct, c.weight, c.feedback) for c in motive.choices] == [
        ("To persuade", True, None, "Right."),
        ("To propose", False, 50, "Nearly."),
        ("To inform", False, None, "Not quite."),
    ]
    assert motive.feedback == "Think of the audience."
    assert memorise.type == "true_false" and [c.correct for c in memorise.choices] == [False, True]


def test_moodle_xml_other_types_refused_by_name_nothing_imported(app, client, trainer):
    """A matching question is named with its position; the good questions are not imported alone."""
    bad = XML.replace("</quiz>", '<question type="matching"><name><text>Pairs</text></name></question>\n</quiz>')
    r = upload(client, trainer, bad.encode(), "bank.xml")
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and '<a href="#text">Question 3 (“Pairs”): Matching questions' in html
    assert 'id="format-2" name="format" value="moodle_xml" checked' in html  # to import the fixed text again
    assert questions(app, trainer) == []
    # The text in the box, fixed and sent again as Moodle XML, imports.
    assert post(client, quiz_url(trainer, "/import"), {"text": XML, "format": "moodle_xml"}).status_code == 302
    assert len(questions(app, trainer)) == 2


def test_xml_bomb_is_refused(app, client, trainer):
    """Entity expansion is refused with a clear message, not expanded."""
    bomb = b'<?xml version="1.0"?><!DOCTYPE q [<!ENTITY a "aaaaaaaa"><!ENTITY b "&a;&a;&a;">]><quiz>&b;</quiz>'
    r = upload(client, trainer, bomb, "bank.xml")
    assert r.status_code == 422 and "entities" in r.get_data(as_text=True)


def test_aiken_txt_with_format_choice(app, client, trainer):
    """A .txt file with "Aiken" chosen imports Moodle's Aiken fixture as single choice questions."""
    r = upload(client, trainer, (MOODLE / "questions.aiken.txt").read_bytes(), "bank.txt", format="aiken")
    assert r.status_code == 302
    assert [(t, p[:20]) for _i, t, p, _c in questions(app, trainer)] == [
        ("single", "The Moodle project w"),
        ("single", "Moodle's abilities i"),
    ]


def test_aiken_problems_by_line(app, client, trainer):
    """Moodle's aiken_errors.txt: its four problems listed by line, nothing imported."""
    r = upload(client, trainer, (MOODLE / "aiken_errors.txt").read_bytes(), "bank.aiken")
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    for line in (3, 5, 7, 18):
        assert f'<a href="#text">Line {line}:' in html
    assert questions(app, trainer) == []


def test_windows_1252_gift_is_read_with_a_warning(app, client, trainer):
    """A GIFT file saved as Notepad's "ANSI" (smart quotes, é) imports, with a warning shown."""
    gift = "::Café:: Which is “right”? {=Le café ~Le thé}\n".encode("cp1252")
    r = upload(client, trainer, gift, "bank.gift")
    assert r.status_code == 302
    (question,) = specs(app, trainer)
    assert question.title == "Café" and question.prompt == "Which is “right”?" and question.choices[0].text == "Le café"
    page = client.get(quiz_url(trainer)).get_data(as_text=True)
    assert "read as Windows-1252" in page


def test_wrong_ending_for_another_format(client, trainer):
    """A .docx with Moodle XML chosen is refused naming every ending the page reads."""
    r = upload(client, trainer, b"x", "bank.docx", format="moodle_xml")
    assert r.status_code == 422 and "Choose a file ending in .gift, .txt, .xml or .aiken." in r.get_data(as_text=True)


def test_moodle_xml_export_imports_back_the_same(app, client, trainer):
    """The .xml download imports back to the same questions, weights and feedback included."""
    assert upload(client, trainer, XML.encode(), "bank.xml").status_code == 302
    assert (
        import_text(client, trainer, "::Name:: Capital of Cambodia? {=Phnom Penh =%50%Phnom Pen#Nearly}").status_code
        == 302
    )
    assert f'href="/teach/courses/{trainer}/quiz/export.xml"' in client.get(quiz_url(trainer)).get_data(as_text=True)
    r = client.get(quiz_url(trainer, "/export.xml"))
    assert r.status_code == 200 and r.mimetype == "application/xml"
    assert 'filename="' in r.headers["Content-Disposition"] and r.headers["Content-Disposition"].endswith('.xml"')
    before = specs(app, trainer)
    r = upload(client, trainer, r.get_data(), "again.xml", mode="replace")
    assert r.status_code == 302
    after = specs(app, trainer)
    for spec in before + after:
        spec.line = 0
    assert after == before


def test_pasted_moodle_xml_is_recognised(app, client, trainer):
    """Moodle XML pasted with GIFT still chosen is read as Moodle XML, not as broken GIFT."""
    assert import_text(client, trainer, XML).status_code == 302
    assert [t for _i, t, _p, _c in questions(app, trainer)] == ["single", "true_false"]
