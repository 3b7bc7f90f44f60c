"""Course content keeps its own language: `lang` on course text inside a page in another interface
language, none where they agree, and certificates worded in their course's language."""

from __future__ import annotations

import io
import re
import shutil

import pikepdf
import pytest
from flask_babel import force_locale, gettext

from tests.factories import PASSWORD, issue_certificate, make_course, make_user
from tests.helpers import course_data, pdf_text, post, submit_quiz

KM = {"Accept-Language": "km"}
#: A tiny Khmer course: "Public speaking" and its first unit "Why we speak".
KM_TITLE = "ការនិយាយជាសាធារណៈ"
KM_UNIT = "ហេតុអ្វីយើងនិយាយ"


def khmer(app, text: str) -> str:
    with app.test_request_context(), force_locale("km"):
        return gettext(text)


@pytest.fixture
def khmer_course(app):
    """A published Khmer course (language: km) owned by a trainer."""
    owner = make_user(app, email="owner@example.org", name="Trainer", role="trainer")
    make_course(app, owner, slug="niyeay", title=KM_TITLE, language="km", unit_title=KM_UNIT)
    return "niyeay"


def sign_in_khmer(app, client, email="learner@example.org"):
    """Sign in and choose Khmer for the account."""
    make_user(app, email=email)
    post(client, "/login", {"email": email, "password": PASSWORD})
    post(client, "/language", {"locale": "km", "next": "/"}, token_from="/")


def test_english_course_is_marked_english_in_a_khmer_catalog(client, khmer_course):
    """In the Khmer interface the English course's title and summary carry lang="en"; the Khmer course's none."""
    page = client.get("/", headers=KM).get_data(as_text=True)
    assert '<html lang="km"' in page
    assert re.search(r'href="/courses/public-speaking" lang="en">Public Speaking</a>', page)
    assert re.search(rf'href="/courses/niyeay">{KM_TITLE}</a>', page)
    summary = re.search(r'<a href="/courses/public-speaking".*?</a></h2>\s*<p( lang="en")?>', page, re.S)
    assert summary.group(1) == ' lang="en"'


def test_khmer_course_is_marked_khmer_in_an_english_catalog(client, khmer_course):
    """In the English interface the Khmer course's title carries lang="km"; the English course's none."""
    page = client.get("/").get_data(as_text=True)
    assert f'href="/courses/niyeay" lang="km">{KM_TITLE}</a>' in page
    assert 'href="/courses/public-speaking">Public Speaking</a>' in page


def test_course_page_marks_each_piece_of_content(app, client):
    """The course page in Khmer marks the title, summary, outcomes and unit titles English, not its own labels."""
    page = client.get("/courses/public-speaking", headers=KM).get_data(as_text=True)
    assert re.search(r'<h1 lang="en">Public Speaking</h1>', page)
    assert re.search(r'<p class="lead" lang="en">', page)
    assert re.search(r'<h3 lang="en">', page)
    assert f"<h2>{khmer(app, 'Units')}</h2>" in page


def test_unit_page_marks_content_not_interface(app, client):
    """A unit of the English course in the Khmer interface: the title and reading are lang="en"; the
    unit counter, headings and buttons are not inside any lang="en" element."""
    sign_in_khmer(app, client)
    post(client, "/courses/public-speaking/enrol", token_from="/courses/public-speaking")
    page = client.get("/courses/public-speaking/units/why-we-speak").get_data(as_text=True)
    assert '<html lang="km"' in page and "<article>" in page
    assert '<h1 lang="en">' in page
    assert re.search(r'<section class="reading">\s*<h2 id="reading-heading">[^<]+</h2>\s*<div lang="en">', page)
    kicker = re.search(r'<p class="kicker">([^<]+)</p>', page).group(1)
    assert kicker.startswith(khmer(app, "Unit %(n)d of %(total)d").split("%")[0].strip()[:3])
    assert re.search(r'<span lang="en">[^<]+</span></a></li>', page)  # "Next: <title>" in the pager


def test_khmer_course_in_a_khmer_page_needs_no_lang(app, client, khmer_course):
    """Where the course and interface languages agree, the content carries no extra lang."""
    page = client.get("/courses/niyeay", headers=KM).get_data(as_text=True)
    assert f"<h1>{KM_TITLE}</h1>" in page and f"<h3>{KM_UNIT}</h3>" in page


def test_content_lang_adds_dir_for_a_right_to_left_language(app):
    """Arabic content inside an English page gets lang="ar" dir="rtl"; English inside English gets nothing."""
    from lms.templating import content_lang, in_lang

    with app.test_request_context():
        assert str(content_lang("ar")) == ' lang="ar" dir="rtl"'
        assert str(content_lang("en-GB")) == ""
        assert str(in_lang("<b>", "km")) == '<span lang="km">&lt;b&gt;</span>'
        assert str(in_lang("<b>", "en")) == "&lt;b&gt;"


def test_certificate_of_a_khmer_course_is_worded_in_khmer(app, client, db, khmer_course):
    """On an English page, a Khmer course's certificate says its words in Khmer, marked lang="km"."""
    make_user(app)
    post(client, "/login", {"email": "learner@example.org", "password": PASSWORD})
    code = issue_certificate(db, slug=khmer_course)
    page = client.get(f"/certificates/{code}").get_data(as_text=True)
    assert '<html lang="en"' in page and "<h1>Certificate of completion</h1>" in page
    body = re.search(r'<div lang="km">(.*?)</div>', page, re.S).group(1)
    assert khmer(app, "This certifies that") in body and KM_TITLE in body
    assert "This certifies that" not in page
    verify = client.get(f"/verify/{code}").get_data(as_text=True)
    assert khmer(app, "This certifies that") in verify and '<div lang="km">' in verify


def test_certificate_of_an_english_course_is_english_on_a_khmer_page(app, client, db):
    """The English course's certificate keeps English words on a Khmer page, marked lang="en"."""
    sign_in_khmer(app, client)
    code = issue_certificate(db)
    page = client.get(f"/certificates/{code}").get_data(as_text=True)
    assert '<html lang="km"' in page
    body = re.search(r'<div lang="en">(.*?)</div>', page, re.S).group(1)
    assert "This certifies that" in body and "Public Speaking" in body


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is not installed")
def test_khmer_course_pdf_is_in_khmer_and_reads_back(app, client, db, khmer_course, tmp_path):
    """The PDF of a Khmer course's certificate is lang km, with Khmer labels and date that extract exactly."""
    make_user(app, name="សុខ ដារ៉ា")
    post(client, "/login", {"email": "learner@example.org", "password": PASSWORD})
    code = issue_certificate(db, slug=khmer_course)
    r = client.get(f"/certificates/{code}.pdf")
    assert r.status_code == 200
    text = pdf_text(r.data, tmp_path)
    for words in (khmer(app, "Certificate of completion"), khmer(app, "has successfully completed the course")):
        assert words in text, words
    assert KM_TITLE in text and "សុខ ដារ៉ា" in text and "Certificate of completion" not in text
    with pikepdf.open(io.BytesIO(r.data)) as pdf:
        assert str(pdf.Root.Lang) == "km"


def test_quiz_prompts_and_choices_are_marked_but_true_false_words_are_not(app, client):
    """On the Khmer quiz page of the English course, prompts and choice texts are lang="en"; the
    interface's own "True"/"False" words are Khmer and unmarked."""
    sign_in_khmer(app, client)
    post(client, "/courses/public-speaking/enrol", token_from="/courses/public-speaking")
    page = client.get("/courses/public-speaking/quiz").get_data(as_text=True)
    assert '<html lang="km"' in page
    assert re.search(
        r'<legend [^>]*class="question__prompt"[^>]*><span class="question__number">[^<]+</span> <span lang="en">', page
    )
    assert re.search(r'<label for="q-\d+(-\d+)?"><span lang="en">', page)
    for word in ("True", "False"):
        assert re.search(rf'<label for="q-\d+(-\d+)?">{re.escape(khmer(app, word))}</label>', page), word


def test_result_page_marks_course_answers_not_typed_or_interface_words(app, client):
    """On the Khmer result page of the English course: choice answers are lang="en"; a typed answer
    (the learner's own words) and true/false's Khmer words are not marked."""
    sign_in_khmer(app, client)
    post(client, "/courses/public-speaking/enrol", token_from="/courses/public-speaking")
    _units, _right, wrong = course_data(app, "public-speaking")
    r, _url = submit_quiz(client, "public-speaking", wrong)
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    answer = re.escape(khmer(app, "Your answer:"))
    assert re.search(rf"<strong>{answer}</strong> <span lang=\"en\">", page)  # a single-choice answer
    assert re.search(rf"<strong>{answer}</strong> something else entirely</p>", page)  # typed by the learner
    assert re.search(rf"<strong>{answer}</strong> ({khmer(app, 'True')}|{khmer(app, 'False')})</p>", page)
