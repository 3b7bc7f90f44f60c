"""GIFT import and export: each supported feature, each refusal, and the export round trip."""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path

import pytest

from lms.questions.gift import GiftError, GiftProblem, export_gift, parse_gift, scan_gift
from lms.questions.spec import ChoiceSpec, QuestionSpec

REPO = Path(__file__).resolve().parents[3]


def one(text: str) -> QuestionSpec:
    (question,) = parse_gift(text)
    return question


def problems(text: str) -> list[GiftProblem]:
    with pytest.raises(GiftError) as caught:
        parse_gift(text)
    return caught.value.problems


def lines_of(text: str) -> list[int]:
    return [p.line for p in problems(text)]


def C(text, correct=False, weight=None, feedback=""):  # noqa: N802 - short helper for tables
    return ChoiceSpec(text=text, correct=correct, weight=weight, feedback=feedback)


def unlined(questions: list[QuestionSpec]) -> list[QuestionSpec]:
    return [dataclasses.replace(q, line=0) for q in questions]


# --------------------------------------------------------------------------------------------
# Question types


def test_single_choice():
    """= marks the right answer and ~ the wrong ones of a single-choice question."""
    q = one("Who's buried in Grant's tomb?{~Grant ~Jefferson =no one}")
    assert q == QuestionSpec(
        type="single",
        prompt="Who's buried in Grant's tomb?",
        line=1,
        choices=[C("Grant"), C("Jefferson"), C("no one", True)],
    )


def test_single_choice_partial_credit_is_kept_but_not_correct():
    """~%50% in a single-choice question keeps its weight; only full marks count as correct."""
    q = one("Difficult.{~wrong ~%50%half =full ~%100%also full}")
    assert q.type == "single"
    assert [(c.correct, c.weight) for c in q.choices] == [(False, None), (False, 50), (True, None), (True, 100)]


def test_multiple_choice_with_weights():
    """Only ~ answers make a multiple-answer question; correct means a weight above 0."""
    q = one("Pick two.{~%50%a ~%-100%b ~%50%c ~d ~%33.33333%e}")
    assert q.type == "multiple"
    assert [(c.text, c.correct, c.weight) for c in q.choices] == [
        ("a", True, 50),
        ("b", False, -100),
        ("c", True, 50),
        ("d", False, None),
        ("e", True, 33.33333),
    ]


@pytest.mark.parametrize("mark,value", [("T", True), ("TRUE", True), ("F", False), ("FALSE", False)])
def test_true_false_marks(mark, value):
    """{T}, {TRUE}, {F} and {FALSE} give a true/false question with the right choice correct."""
    q = one(f"The sun rises in the east.{{{mark}}}")
    assert q.type == "true_false"
    assert q.choices == [C("True", value), C("False", not value)]


def test_true_false_feedback_is_for_wrong_then_right_answer():
    """The first #feedback is shown for a wrong answer and the second for a right one, as Moodle does."""
    q = one("42 is the answer.{FALSE#42 is the Ultimate Answer.#You gave the right answer.}")
    assert q.choices == [
        C("True", False, feedback="42 is the Ultimate Answer."),
        C("False", True, feedback="You gave the right answer."),
    ]
    q = one("Grass is green.{TRUE#Look again.#Well done.}")
    assert q.choices == [C("True", True, feedback="Well done."), C("False", False, feedback="Look again.")]
    q = one("Grass is green.{T# #Only right feedback}")
    assert q.choices == [C("True", True, feedback="Only right feedback"), C("False", False)]


def test_short_answer():
    """Only = answers make a short-answer question; each is an accepted answer."""
    q = one("Two plus two equals {=four =4}.")
    assert q == QuestionSpec(
        type="short_text", prompt="Two plus two equals _____.", line=1, choices=[C("four", True), C("4", True)]
    )


def test_short_answer_without_equals_sign():
    """A single answer without = is a short answer, as in Moodle ({One})."""
    assert one("The word for 1? {One}").choices == [C("One", True)]


def test_short_answer_weights():
    """Short-answer weights are kept; an answer weighted 0% (Moodle's "*" catch-all) is not correct."""
    q = one("Best animal?{=Frog#Good! =%50%Cat#Cats? =%0%*#Completely wrong}")
    assert q.choices == [
        C("Frog", True, None, "Good!"),
        C("Cat", True, 50, "Cats?"),
        C("*", False, 0, "Completely wrong"),
    ]


# --------------------------------------------------------------------------------------------
# Syntax


def test_title():
    """::title:: names the question, with \\: for a colon inside it."""
    q = one("::Unit 1\\: Q1:: Who?{=me ~you}")
    assert (q.title, q.prompt) == ("Unit 1: Q1", "Who?")


def test_comments_are_ignored_anywhere():
    """// lines are comments before, inside and after a question."""
    q = one("// a comment\n// [id:12] [tag:x]\nWho?{\n// inside\n=me\n~you\n}\n// after")
    assert [c.text for c in q.choices] == ["me", "you"]


def test_answer_feedback():
    """#text after an answer is that answer's feedback."""
    q = one("Who?{=me#Yes! ~you#No, not you.}")
    assert [c.feedback for c in q.choices] == ["Yes!", "No, not you."]


def test_general_feedback():
    """####text at the end of the answers is the question's general feedback."""
    q = one("Who?{=me#Yes ~you####It was me all along.}")
    assert q.feedback == "It was me all along."
    assert q.choices[0].feedback == "Yes"
    assert one("True?{TRUE####General}").feedback == "General"


@pytest.mark.parametrize(
    "escape,char",
    [
        ("\\:", ":"),
        ("\\~", "~"),
        ("\\=", "="),
        ("\\#", "#"),
        ("\\{", "{"),
        ("\\}", "}"),
        ("\\\\", "\\"),
        ("\\n", "\n"),
    ],
)
def test_escapes(escape, char):
    """Each GIFT escape gives its character in the prompt, the answers and the feedback."""
    q = one(f"::T{escape}::A{escape}B{{={escape}x#f{escape} ~y}}")
    assert q.title == f"T{char}"
    assert q.prompt == f"A{char}B"
    assert (q.choices[0].text, q.choices[0].feedback) == (f"{char}x", f"f{char}")


def test_backslashes_and_unknown_escapes():
    """\\\\ is one backslash; a backslash before another character stays as it is."""
    q = one("A \\\\ B \\\\\\\\ C \\neq \\alpha{=x ~y}")
    assert q.prompt == "A \\ B \\\\ C \neq \\alpha"
    assert one("Q{~ \\ # lone backslash ~b =c}").choices[0].text == "\\"


@pytest.mark.parametrize("marker", ["[html]", "[moodle]", "[markdown]", "[plain]"])
def test_format_markers_are_dropped(marker):
    """[html] [moodle] [markdown] [plain] at the start of a text go; the text stays."""
    q = one(f"{marker}<p>Why?</p>{{={marker}because#{marker}<b>yes</b> ~%-50%{marker}no####{marker}general}}")
    assert q.prompt == "<p>Why?</p>"
    assert [(c.text, c.feedback) for c in q.choices] == [("because", "<b>yes</b>"), ("no", "")]
    assert q.feedback == "general"


def test_unknown_marker_is_text():
    """Only the four GIFT formats are markers; other [words] are text."""
    assert one("[note] Why?{=x ~y}").prompt == "[note] Why?"


def test_category_lines_are_ignored():
    """$CATEGORY: blocks are skipped."""
    qs = parse_gift("$CATEGORY: $course$/top/Unit 1\n\nWho?{=me ~you}")
    assert [q.prompt for q in qs] == ["Who?"]


def test_multi_line_question():
    """A question may span lines; its lines are trimmed and joined with new lines."""
    q = one(
        "::Kanji::Japanese characters originally\n   came from what country? {\n    ~India\n    =China\n    ~Korea}"
    )
    assert q.prompt == "Japanese characters originally\ncame from what country?"
    assert [c.text for c in q.choices] == ["India", "China", "Korea"]


def test_multi_line_feedback():
    """An answer's feedback may continue on the next lines."""
    q = one("Q?{\n~a#first line\n  second line\n=b}")
    assert q.choices[0].feedback == "first line\nsecond line"


def test_blank_lines_separate_questions_and_give_lines():
    """Questions are separated by blank lines; each knows the line it starts on."""
    text = "// intro\n\nA?{=a ~b}\n\n\n// c\nB?{\n=b\n~c\n}\n   \nC?{T}\n"
    assert [(q.prompt, q.line) for q in parse_gift(text)] == [("A?", 3), ("B?", 7), ("C?", 12)]


def test_embedded_answers_become_a_blank():
    """An answer block with text after it is replaced by _____ in the prompt."""
    assert one("Grant is {~buried =entombed ~living} in Grant's tomb.").prompt == "Grant is _____ in Grant's tomb."
    assert one("{ =Asia } is the largest continent.").prompt == "_____ is the largest continent."
    assert one("Jesus was from {=Nazareth}.").prompt == "Jesus was from _____."
    assert one("Mid {T} stem").prompt == "Mid _____ stem"


def test_answer_block_at_the_end_adds_no_blank():
    """An answer block at the end of the question is just removed."""
    assert one("Who?\n{\n=me\n~you\n}").prompt == "Who?"


def test_crlf_bom_and_bytes():
    """Windows line ends, a byte-order mark and UTF-8 bytes are read like plain text."""
    text = "\ufeff::Q::Qué?\r\n{=sí ~no}\r\n\r\nOtra?{T}\r\n"
    assert [q.prompt for q in parse_gift(text)] == ["Qué?", "Otra?"]
    assert parse_gift(text.encode("utf-8")) == parse_gift(text)
    assert parse_gift("A?\r{=a ~b}") == parse_gift("A?\n{=a ~b}")


def test_html_and_script_are_kept_as_literal_text():
    """HTML and <script> in prompts, answers and feedback come through unchanged, as text."""
    q = one(
        '[html]<p onclick="alert(1)">Hi <script>alert("x")</script></p>{'
        "=<img src\\=x onerror\\=alert(1)>#<script>steal()</script> ~<b>no</b>"
        '####<iframe src\\="javascript\\:alert(1)"></iframe>}'
    )
    assert q.prompt == '<p onclick="alert(1)">Hi <script>alert("x")</script></p>'
    assert q.choices[0] == C("<img src=x onerror=alert(1)>", True, feedback="<script>steal()</script>")
    assert q.feedback == '<iframe src="javascript:alert(1)"></iframe>'
    assert all(isinstance(v, str) for v in (q.prompt, q.feedback, q.choices[1].text))


def test_symbols_outside_the_answer_block_need_no_escape():
    """=, ~, #, % and single colons in the prompt are plain text."""
    assert one("1 + 1 = 2 ~ #1 at 100%: right?{TRUE}").prompt == "1 + 1 = 2 ~ #1 at 100%: right?"


def test_choice_text_with_arrow_is_not_matching():
    """-> inside a choice question with ~ answers is text (Moodle checks ~ first)."""
    q = one("How?{~go -> order =powder -> water}")
    assert [c.text for c in q.choices] == ["go -> order", "powder -> water"]


# --------------------------------------------------------------------------------------------
# Refusals


@pytest.mark.parametrize(
    "text,word",
    [
        ("Match.{\n=a -> 1\n=b -> 2\n}", "Matching"),
        ("Grant was born in {#1822:1}.", "Numerical"),
        ("What is pi? {#\n=3.14:0.01\n=%50%3:0}", "Numerical"),
        ("Write an essay. {}", "Essay"),
        ("Essay mid {} text", "Essay"),
        ("::Intro::Use pencil and paper.", "description"),
    ],
)
def test_unsupported_types_are_refused_by_name_and_line(text, word):
    """Matching, numerical, essay and description are refused, naming the type and the line."""
    (problem,) = problems("Fine?{T}\n\n// comment\n" + text)
    assert problem.line == 4
    assert problem.message.startswith("Line 4: ")
    assert word in problem.message
    assert "Sala imports single choice, multiple choice, true/false and short answer" in problem.message


def test_every_problem_is_listed_in_line_order():
    """GiftError lists every problem of the file, not just the first, in line order."""
    text = "A?{}\n\nB?{=a ~b}\n\nC?{#3}\n\nD?{=x -> y\n=z -> w}\n\nE {\n=e\n\nF?{~a ~b}"
    found = problems(text)
    assert [p.line for p in found] == [1, 5, 7, 10, 13]
    assert str(GiftError(found)).count("\n") == 4


def test_unbalanced_braces():
    """An unclosed { or a } without { is reported on its line."""
    assert lines_of("Who?\n{=me\n~you") == [2]
    assert "never closed" in problems("Who?{=me ~you")[0].message
    assert lines_of("Who? }\n{=me ~you}") == [1]
    assert "without a {" in problems("Who? } here")[0].message


def test_blank_line_inside_answer_block():
    """A blank line inside an answer block splits the question and both halves are reported."""
    assert lines_of("Who?{\n=me\n\n~you\n}") == [1, 5]


def test_unescaped_brace_inside_text():
    """A second { in a question, or one inside the answer block, must be escaped."""
    assert lines_of("Use {x} and\n{=a ~b}") == [2]
    assert lines_of("Pick {=a ~b} or {=c ~d}") == [1]
    assert "inside the answer block" in problems("Q{=a {b} ~c}")[0].message


@pytest.mark.parametrize(
    "text",
    [
        "Who?{~a ~b ~c}",
        "Who?{~%-50%a ~%0%b}",
        "Who?{=%50%a ~b}",
        "Who?{=%0%a =%-10%b}",
    ],
)
def test_question_without_correct_answer(text):
    """A question whose answers give no marks is refused."""
    (problem,) = problems("\n" + text)
    assert problem.line == 2
    assert (
        "correct answer" in problem.message
        or "full marks" in problem.message
        or "no accepted answer" in problem.message
    )


def test_duplicate_titles():
    """Two questions with the same title are refused, pointing at both lines."""
    (problem,) = problems("::Q1::A?{T}\n\n::Q2::B?{T}\n\n::Q1::C?{F}")
    assert problem.line == 5
    assert "line 1" in problem.message and "Q1" in problem.message


@pytest.mark.parametrize("text", ["", "   \n\n\t\n", "\ufeff"])
def test_empty_input(text):
    """An empty file is refused."""
    (problem,) = problems(text)
    assert problem.line == 1 and "empty" in problem.message


@pytest.mark.parametrize("text", ["// just a comment\n// another", "$CATEGORY: top/x\n\n// c"])
def test_file_with_only_comments(text):
    """A file with only comments (or categories) is refused."""
    (problem,) = problems(text)
    assert "no questions" in problem.message


@pytest.mark.parametrize(
    "text,line,words",
    [
        ("::Title without end Who?{T}", 1, "not closed"),
        ("::::Who?{T}", 1, "title"),
        ("Who?{=a ~}", 1, "empty"),
        ("Who?{\n=a\n~%150%b}", 3, "outside"),
        ("Who?{\n=a\n~%1,5%b}", 3, "not a number"),
        ("Who?{stray ~a =b}", 1, "before the first answer"),
        ("True?{TRUE#a#b#c}", 1, "at most two"),
        ("Who?{~%100%only}", 1, "at least two"),
        ("{=a ~b}", 1, "no text"),
        ("\n\n  {=a ~b}  ", 3, "no text"),
        ("Bad \ufdd0 char{T}", 1, "noncharacter"),
    ],
)
def test_malformed_questions(text, line, words):
    """Malformed titles, answers, weights and feedback are reported with their line."""
    (problem,) = problems(text)
    assert problem.line == line
    assert words in problem.message
    assert problem.message.startswith(f"Line {line}: ")


def test_not_utf8_bytes():
    """Bytes that are not UTF-8 are refused with the line of the first bad byte."""
    (problem,) = problems("Q1?{T}\n\nQué?{T}".encode("latin-1"))
    assert problem.line == 3 and "UTF-8" in problem.message


def test_only_gift_error_on_random_input():
    """Random GIFT-like input never raises anything but GiftError."""
    rng = random.Random(20240601)
    alphabet = list("{}=~#:%\\/-> \n\n\tabTRUEF0159.[]$") + [
        "[html]",
        "::",
        "//",
        "####",
        "$CATEGORY:",
        "\\n",
        "%50%",
        "->",
    ]
    for _ in range(4000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60)))
        try:
            questions = parse_gift(text)
        except GiftError as error:
            assert error.problems and all(p.line >= 1 for p in error.problems)
        else:
            # A short answer containing "->" cannot be written back (see the test below).
            questions = [q for q in questions if not _short_with_arrow(q)]
            if questions:
                assert unlined(parse_gift(export_gift(questions))) == unlined(questions)


def _short_with_arrow(q: QuestionSpec) -> bool:
    return q.type == "short_text" and any("->" in c.text + c.feedback for c in q.choices)


def test_short_answer_with_arrow_cannot_be_exported():
    """GIFT cannot write a short answer containing "->": Moodle (and Sala) read it as matching."""
    q = one("Arrow?{a -> b}")
    assert q.choices == [C("a -> b", True)]
    assert "Matching" in str(pytest.raises(GiftError, parse_gift, export_gift([q])).value)


# --------------------------------------------------------------------------------------------
# Export


TRICKY = "a: b :: c ~ d = e # f { g } h \\ i \\n j\nnew line -- 100% //x"

ROUND_TRIP = [
    QuestionSpec(
        type="single",
        prompt="Who?",
        title="Q1",
        choices=[C("me", True, feedback="Yes"), C("you", feedback="No")],
        feedback="General",
    ),
    QuestionSpec(
        type="single",
        prompt="Grant is _____ in the tomb.",
        choices=[C("buried"), C("entombed", True), C("half", False, 50), C("full", True, 100)],
    ),
    QuestionSpec(
        type="multiple",
        prompt="Pick.",
        choices=[C("a", True, 50), C("b", False, -100), C("c", True, 33.33333), C("d", True, 16.66667), C("e")],
    ),
    QuestionSpec(
        type="true_false", prompt="True?", choices=[C("True", True, feedback="right"), C("False", feedback="wrong")]
    ),
    QuestionSpec(
        type="true_false",
        prompt="False?",
        title="tf",
        choices=[C("True", feedback="wrong"), C("False", True)],
        feedback="g",
    ),
    QuestionSpec(type="true_false", prompt="Plain?", choices=[C("True"), C("False", True)]),
    QuestionSpec(
        type="short_text",
        prompt="Animal?",
        choices=[C("Frog", True, feedback="Good"), C("Cat", True, 50), C("*", False, 0, "Wrong")],
    ),
    QuestionSpec(type="short_text", prompt="The capital is _____", choices=[C("Paris", True)]),
    QuestionSpec(type="short_text", prompt="_____ and _____ twice", choices=[C("x", True)]),
    QuestionSpec(
        type="single",
        prompt=TRICKY,
        title=TRICKY,
        choices=[C(TRICKY, True, feedback=TRICKY), C("~" + TRICKY)],
        feedback=TRICKY,
    ),
    QuestionSpec(
        type="single",
        prompt="[html]<p>not a marker</p>",
        choices=[C("[markdown] text", True, feedback="[plain]fb"), C("%50% off"), C("// not a comment")],
        feedback="[moodle]g",
    ),
    QuestionSpec(type="single", prompt="// starts like a comment", choices=[C("T", True), C("TRUE")]),
    QuestionSpec(
        type="single",
        prompt='<script>alert("x")</script> & <b>bold</b>',
        choices=[C("<img src=x onerror=alert(1)>", True), C("</textarea>")],
    ),
    QuestionSpec(
        type="short_text",
        prompt="Para one.\n\nPara two, after a blank line.",
        choices=[C("T", True), C("$CATEGORY: x", True)],
    ),
]


def test_export_round_trip():
    """parse_gift(export_gift(qs)) == qs, apart from line numbers."""
    text = export_gift(ROUND_TRIP)
    assert unlined(parse_gift(text)) == unlined(ROUND_TRIP)


def test_export_round_trip_of_corpus_questions():
    """Every question Sala reads from the GIFT test files survives export and re-import."""
    files = list((REPO / "tests" / "data" / "gift").rglob("*.gift"))
    corpus = REPO.parent / "shared" / "corpus" / "gift"
    files += list(corpus.rglob("*.gift")) + list(corpus.rglob("*.txt"))
    questions = [i.question for f in files for i in scan_gift(f.read_bytes()) if i.question]
    assert len(questions) >= 20
    for question in questions:
        assert unlined(parse_gift(export_gift([question]))) == unlined([question])


def test_export_format():
    """Export writes the title, the prompt, one answer per line and the general feedback."""
    assert export_gift(ROUND_TRIP[:1]) == "::Q1::Who?{\n    =me#Yes\n    ~you#No\n    ####General\n}\n"
    assert export_gift([ROUND_TRIP[3]]) == "True?{TRUE#wrong#right}\n"
    assert export_gift([ROUND_TRIP[1]]).startswith("Grant is {\n")
    assert export_gift([]) == ""


def test_export_multiple_choice_without_weights_shares_them_out():
    """Unweighted right answers of a multiple-answer question share 100% (GIFT needs weights)."""
    q = QuestionSpec(type="multiple", prompt="Pick.", choices=[C("a", True), C("b", True), C("c", True), C("d")])
    (back,) = parse_gift(export_gift([q]))
    assert [(c.correct, c.weight) for c in back.choices] == [
        (True, 33.33333),
        (True, 33.33333),
        (True, 33.33333),
        (False, None),
    ]


def test_export_refuses_unknown_types():
    """Exporting a question type Sala does not have is a programming error."""
    with pytest.raises(ValueError):
        export_gift([QuestionSpec(type="essay", prompt="x")])


def test_scan_reports_each_block():
    """scan_gift reads past problems and reports each block's kind, for previews."""
    items = scan_gift("$CATEGORY: x\n\nA?{=a ~b}\n\nB?{}\n\nC?{~a ~b}")
    assert [(i.kind, i.line, bool(i.question), len(i.problems)) for i in items] == [
        ("category", 1, False, 0),
        ("single", 3, True, 0),
        ("essay", 5, False, 1),
        ("multiple", 7, False, 1),
    ]


def test_export_round_trip_of_random_questions():
    """Randomly built questions with GIFT control characters in every text survive a round trip."""
    rng = random.Random(7)
    alphabet = list("ab:~=#{}\\%- \n[]/$T1.") + ["_____", "[html]", "//", "%50%", "$CATEGORY:", "::", "####", "\\n"]

    def text() -> str:
        while True:
            raw = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12)))
            raw = "\n".join(line.strip() for line in raw.split("\n")).strip()
            if raw and "\n\n" not in raw and raw.replace("_____", "").strip():
                return raw

    def feedback() -> str:
        return text() if rng.random() < 0.3 else ""

    for _ in range(3000):
        kind = rng.choice(["single", "multiple", "true_false", "short_text"])
        if kind == "true_false":
            value = rng.random() < 0.5
            choices = [C("True", value, None, feedback()), C("False", not value, None, feedback())]
        elif kind == "single":
            choices = [C(text(), True, rng.choice([None, 100]), feedback())] + [
                C(text(), False, rng.choice([None, 50, -20]), feedback()) for _ in range(2)
            ]
        elif kind == "multiple":
            choices = [C(text(), True, rng.choice([50, 25.5]), feedback())] + [
                C(text(), False, rng.choice([None, 0, -100]), feedback()) for _ in range(2)
            ]
        else:
            choices = [C(text(), True, rng.choice([None, 100, 50]), feedback()) for _ in range(2)]
        title = text() if rng.random() < 0.5 else ""
        question = QuestionSpec(kind, text(), title, choices, feedback())
        if kind != "true_false":
            rng.shuffle(question.choices)
        assert unlined(parse_gift(export_gift([question]))) == [question]
