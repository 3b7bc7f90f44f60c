"""Moodle XML import and export: Moodle's own test expectations, partial credit, refusals, safety."""

from __future__ import annotations

from pathlib import Path

import pytest

from lms.questions.moodle_xml import MoodleXmlError, export_moodle_xml, parse_moodle_xml, read_moodle_xml
from lms.questions.problems import QuestionFileError
from lms.questions.spec import ChoiceSpec, QuestionSpec

MOODLE = Path(__file__).resolve().parents[2] / "data" / "moodle"


def fixture(name: str) -> bytes:
    """A question from Moodle's xmlformat_test.php, wrapped in <quiz> as an export file is."""
    body = (MOODLE / name).read_text(encoding="utf-8")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n{body}</quiz>\n'.encode()


def quiz(*questions: str) -> str:
    return '<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n' + "\n".join(questions) + "\n</quiz>\n"


def multichoice(answers: str, single: str = "true", name: str = "Q", text: str = "Pick one.") -> str:
    return (
        f'<question type="multichoice"><name><text>{name}</text></name>'
        f'<questiontext format="html"><text><![CDATA[{text}]]></text></questiontext>'
        f"<single>{single}</single>{answers}</question>"
    )


def answer(fraction: str, text: str, feedback: str = "") -> str:
    return (
        f'<answer fraction="{fraction}" format="html"><text>{text}</text>'
        f"<feedback><text>{feedback}</text></feedback></answer>"
    )


def problems(raw: str | bytes) -> list[str]:
    with pytest.raises(MoodleXmlError) as caught:
        parse_moodle_xml(raw)
    return [p.message for p in caught.value.problems]


# --- Moodle's expectations (question/format/xml/tests/xmlformat_test.php) --------------------


def test_moodle_multichoice_expectation():
    """test_import_multichoice: four answers, fractions 0/1/0/1, several answers, general feedback."""
    (q,) = parse_moodle_xml(fixture("xmlformat_test_import_multichoice.xml"))
    assert (q.type, q.title, q.prompt) == ("multiple", "Multiple choice question", "Which are the even numbers?")
    assert q.feedback == "The even numbers are 2 and 4."
    assert [c.text for c in q.choices] == ["1", "2", "3", "4"]
    assert [c.weight for c in q.choices] == [None, 100, None, 100]
    assert [c.correct for c in q.choices] == [False, True, False, True]


def test_moodle_shortanswer_expectation():
    """test_import_shortanswer: Beta at 100 % with its feedback; * at 0 % kept for its feedback."""
    (q,) = parse_moodle_xml(fixture("xmlformat_test_import_shortanswer.xml"))
    assert (q.type, q.title, q.feedback) == ("short_text", "Short answer question", "The answer is Beta.")
    assert q.prompt == "Fill in the gap in this sequence: Alpha, ________, Gamma."
    assert [(c.text, c.correct, c.feedback) for c in q.choices] == [("Beta", True, "Well done!"), ("*", False, "Doh!")]


def test_moodle_truefalse_expectation():
    """test_import_truefalse: the right answer is true; each answer keeps its feedback."""
    (q,) = parse_moodle_xml(fixture("xmlformat_test_import_truefalse.xml"))
    assert (q.type, q.title, q.prompt) == ("true_false", "True false question", "The answer is true.")
    true, false = q.choices
    assert (true.text, true.correct, true.feedback) == ("True", True, "Well done!")
    assert (false.text, false.correct, false.feedback) == ("False", False, "Doh!")
    assert q.feedback == "General feedback: You should have chosen true."


def test_moodle_numerical_is_refused_by_name():
    """test_import_numerical's question is a type Sala lacks: refused with its name and position."""
    (message,) = problems(fixture("xmlformat_test_import_numerical.xml"))
    assert message.startswith("Question 1 (“Numerical question”): Numerical questions are not supported.")


def test_moodle_invalid_grades_are_refused():
    """error_invalid_grades.xml: a 33 % grade is refused as Moodle refuses it (0.33 is no grade option)."""
    (message,) = problems((MOODLE / "error_invalid_grades.xml").read_bytes())
    assert "Question with invalid grades : x > 1 & x < 2" in message
    assert "answer 2" in message and "33%" in message


# --- partial credit, texts, refusals ----------------------------------------------------------


def test_fractions_become_weights():
    """50, 33.33333 and -100 are kept as % weights; 100 is the right answer."""
    (q,) = parse_moodle_xml(
        quiz(
            multichoice(
                answer("100", "Right") + answer("50", "Half") + answer("33.33333", "Third") + answer("-100", "Wrong")
            )
        )
    )
    assert q.type == "single"
    assert [(c.text, c.correct, c.weight) for c in q.choices] == [
        ("Right", True, None),
        ("Half", False, 50),
        ("Third", False, 33.33333),
        ("Wrong", False, -100),
    ]


def test_multiple_answer_fractions_are_kept():
    """<single>false</single> reads as multiple choice, positive fractions marking right answers."""
    (q,) = parse_moodle_xml(
        quiz(multichoice(answer("50", "A") + answer("50", "B") + answer("-100", "C"), single="false"))
    )
    assert q.type == "multiple"
    assert [(c.correct, c.weight) for c in q.choices] == [(True, 50), (True, 50), (False, -100)]


def test_html_text_becomes_plain_text():
    """HTML in CDATA is read as the words a reader sees; scripts and tags do not survive."""
    text = '<p>Is <b>this</b> &amp; <img src="x.png" alt="a map"> safe?<script>alert(1)</script></p><p>Yes</p>'
    (q,) = parse_moodle_xml(quiz(multichoice(answer("100", "&lt;b&gt;A&lt;/b&gt;") + answer("0", "B"), text=text)))
    assert q.prompt == "Is this & [a map] safe?\nYes"
    assert q.choices[0].text == "A"


def test_every_unsupported_question_is_listed_and_nothing_imported():
    """Matching, essay and Cloze questions are each named; the good question is not imported alone."""
    good = multichoice(answer("100", "A") + answer("0", "B"), name="Good")
    messages = problems(
        quiz(
            '<question type="category"><category><text>$course$/Top</text></category></question>',
            good,
            '<question type="matching"><name><text>Pairs</text></name></question>',
            '<question type="essay"><name><text>Write</text></name></question>',
            '<question type="cloze"><name><text>Gaps</text></name></question>',
        )
    )
    assert [m.split(":")[0] for m in messages] == [
        "Question 2 (“Pairs”)",
        "Question 3 (“Write”)",
        "Question 4 (“Gaps”)",
    ]
    assert "Matching" in messages[0] and "Essay" in messages[1] and "Cloze" in messages[2]


def test_no_full_marks_answer_is_refused():
    """A one-answer question whose best answer gives only partial credit is refused."""
    (message,) = problems(quiz(multichoice(answer("50", "A") + answer("0", "B"))))
    assert message.startswith("Question 1 (“Q”): no answer gives full marks")


@pytest.mark.parametrize(
    "raw, words",
    [
        (b"<quiz><question type=", "not well-formed XML"),
        (b"<html><body>hi</body></html>", "not a Moodle question export"),
        (
            b'<?xml version="1.0"?><!DOCTYPE q [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><quiz>&b;</quiz>',
            "entities",
        ),
        (b'<?xml version="1.0"?><!DOCTYPE q [<!ENTITY x SYSTEM "file:///etc/passwd">]><quiz>&x;</quiz>', "entities"),
        (b"<quiz></quiz>", "no questions"),
    ],
)
def test_unreadable_files_get_one_clear_problem(raw, words):
    """Broken XML, other XML, entity expansion and external entities are refused, never expanded."""
    (message,) = problems(raw)
    assert words in message


def test_errors_are_question_file_errors():
    """The import page catches one error class for every format."""
    assert issubclass(MoodleXmlError, QuestionFileError)


def test_embedded_files_and_case_sensitivity_are_warned():
    """Embedded pictures and a case-sensitive short answer are imported with a warning each."""
    result = read_moodle_xml(
        quiz(
            '<question type="shortanswer"><name><text>Case</text></name><questiontext format="html">'
            '<text><![CDATA[<img src="@@PLUGINFILE@@/a.png" alt="Flag">Name it]]></text><file name="a.png">AA==</file>'
            "</questiontext><usecase>1</usecase>" + answer("100", "Paris") + "</question>"
        )
    )
    assert result.questions[0].prompt == "[Flag] Name it"
    assert len(result.warnings) == 2 and all(w.startswith("Question 1 (“Case”)") for w in result.warnings)


def test_export_then_import_gives_the_same_questions():
    """Every type, weights, feedback and new lines survive an export and import."""
    questions = [
        QuestionSpec(
            "single",
            "Pick <one> & go\nsecond line",
            "Pick",
            [
                ChoiceSpec("Right", True, None, "yes"),
                ChoiceSpec("Half", False, 50.0, "half"),
                ChoiceSpec("Third", False, 33.33333),
                ChoiceSpec("Bad", False, -100.0),
            ],
            "general",
        ),
        QuestionSpec(
            "multiple",
            "Pick all",
            "All",
            [ChoiceSpec("A", True, 50.0), ChoiceSpec("B", True, 50.0), ChoiceSpec("C", False, -50.0, "no")],
        ),
        QuestionSpec(
            "true_false",
            "Water boils at 100 °C.",
            "TF",
            [ChoiceSpec("True", True, None, "right"), ChoiceSpec("False", False, None, "wrong")],
            "at sea level",
        ),
        QuestionSpec(
            "short_text",
            "Capital of Cambodia?",
            "Capital",
            [ChoiceSpec("Phnom Penh", True), ChoiceSpec("Siem Reap", False, 0.0, "No, that is Angkor.")],
        ),
    ]
    again = parse_moodle_xml(export_moodle_xml(questions).encode("utf-8"))
    for question in again:
        question.line = 0
    expected = [
        QuestionSpec(
            q.type,
            q.prompt,
            q.title,
            [ChoiceSpec(c.text, c.correct, None if c.weight == 0 else c.weight, c.feedback) for c in q.choices],
            q.feedback,
        )
        for q in questions
    ]
    assert again == expected
