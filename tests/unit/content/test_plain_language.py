"""Course text is plain English for second-language readers, and course times add up.

Runs lms.content.plain_language over every text a learner reads in content/courses: each unit's
Markdown (with its title and summary), each quiz (prompts, choices, feedback), each caption file
and each course page (summary, outcomes, credits) of the English courses. See docs/content-format.md,
"Plain language".

To see the figures for every text:  .venv/bin/pytest tests/unit/content/test_plain_language.py -rP
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from lms.content import plain_language as pl

ROOT = Path(__file__).resolve().parents[3]
COURSES = sorted(p for p in (ROOT / "content" / "courses").glob("*") if (p / "course.yaml").is_file())
#: The rules and formulas are for English; a course in another language is left to its own checks
#: (tests/unit/test_content_translations.py for the Khmer course).
ENGLISH = [
    c
    for c in COURSES
    if str(yaml.safe_load((c / "course.yaml").read_text(encoding="utf-8")).get("language", "en")).startswith("en")
]


@dataclass(frozen=True)
class Text:
    """One text a learner reads: its name, its sentences and the full text searched for idioms."""

    name: str
    sentences: tuple[str, ...]
    full_text: str
    judge_level: bool = True


def _front_matter_and_body(path: Path) -> tuple[dict, str]:
    text = path.read_text(encoding="utf-8")
    end = text.index("\n---\n", 4)
    return yaml.safe_load(text[4:end]), text[end + 5 :]


def _sentences(*strings: str) -> list[str]:
    return [s for string in strings if string for s in pl.split_sentences(str(string))]


def _unit_text(path: Path) -> Text:
    meta, body = _front_matter_and_body(path)
    # The Sources list is citations with official titles, for checking, not for learning.
    sentences = _sentences(meta.get("summary", "")) + pl.markdown_sentences(body, ("Sources",))
    full = "\n".join([meta.get("title", ""), meta.get("summary", "")] + [t for _, t in pl.markdown_blocks(body)])
    return Text(f"{path.parent.parent.name}/{path.stem}", tuple(sentences), full)


def _quiz_strings(quiz: dict) -> list[str]:
    strings = [quiz.get("title", "")]
    for q in quiz.get("questions", []):
        strings += [q.get("prompt", ""), q.get("feedback", ""), q.get("feedback_true", ""), q.get("feedback_false", "")]
        for choice in q.get("choices") or []:
            strings += [choice.get("text", ""), choice.get("feedback", "")]
        for answer in q.get("answers") or []:
            if isinstance(answer, dict):
                strings.append(answer.get("feedback", ""))
    return [s for s in strings if s]


def _quiz_text(course: Path) -> Text:
    quiz = yaml.safe_load((course / "quiz.yaml").read_text(encoding="utf-8"))
    strings = _quiz_strings(quiz)
    return Text(f"{course.name}/quiz", tuple(_sentences(*strings)), "\n".join(strings))


def _caption_text(path: Path) -> Text:
    cues = []
    for block in path.read_text(encoding="utf-8").split("\n\n")[1:]:
        lines = block.strip().split("\n")
        timing = [i for i, line in enumerate(lines) if "-->" in line]
        if timing:
            cues.append(" ".join(lines[timing[0] + 1 :]))
    joined = " ".join(cues)
    name = f"{path.parent.parent.name}/captions/{path.name.split('.')[0]}"
    return Text(name, tuple(pl.split_sentences(joined)), joined)


def _course_page_text(course: Path) -> Text:
    data = yaml.safe_load((course / "course.yaml").read_text(encoding="utf-8"))
    strings = [data.get("summary", ""), *data.get("outcomes", []), data.get("credits", "")]
    # The course page is short and half of it is a list of outcomes: report its level only.
    return Text(f"{course.name}/course", tuple(_sentences(*strings)), "\n".join(strings), judge_level=False)


def all_texts() -> list[Text]:
    texts = []
    for course in ENGLISH:
        texts.append(_course_page_text(course))
        texts += [_unit_text(u) for u in sorted((course / "units").glob("*.md"))]
        if (course / "quiz.yaml").is_file():
            texts.append(_quiz_text(course))
        texts += [_caption_text(c) for c in sorted((course / "captions").glob("*.en.vtt"))]
    return texts


TEXTS = all_texts()


def _report(text: Text) -> pl.Report:
    return pl.check(text.name, list(text.sentences), full_text=text.full_text, level=text.judge_level)


def figures_table(reports: list[pl.Report]) -> str:
    """A fixed-width table of the reading figures of each text, one row per text."""
    head = f"{'text':<58} {'words':>5} {'sent.':>5} {'w/s':>5} {'max':>4} {'EFLAW':>6} {'CLI':>5} {'problems':>8}"
    rows = [head, "-" * len(head)]
    for r in reports:
        f = r.readability
        rows.append(
            f"{r.name:<58} {f.words:>5} {f.sentences:>5} {f.words_per_sentence:>5} "
            f"{f.longest:>4} {f.eflaw:>6} {f.coleman_liau:>5} {len(r.problems):>8}"
        )
    return "\n".join(rows)


@pytest.mark.parametrize("text", TEXTS, ids=lambda t: t.name)
def test_course_text_is_plain_english(text):
    """Each text has no sentence over 25 words, no listed idiom, every listed term explained at
    its first use, a McAlpine EFLAW score of at most 25 and a Coleman-Liau grade of at most 10."""
    report = _report(text)
    assert not report.problems, "\n" + figures_table([report]) + "\n\n" + "\n".join(report.problems)


def test_plain_language_figures_are_reported(capsys):
    """The figures of every text print as one table (shown with pytest -rP or -s)."""
    reports = [_report(t) for t in TEXTS]
    print(
        "\nPlain-language figures (w/s: words per sentence; max: longest sentence in words;\n"
        "EFLAW: McAlpine score, <= 25 easy for second-language readers; CLI: Coleman-Liau "
        "grade)\n"
    )
    print(figures_table(reports))
    assert len(reports) == len(TEXTS) and all(r.readability.words for r in reports)


@pytest.mark.parametrize("course", COURSES, ids=lambda c: c.name)
def test_course_minutes_are_the_sum_of_its_units(course):
    """course.yaml's estimated_minutes equals the sum of its units' estimated_minutes."""
    declared = yaml.safe_load((course / "course.yaml").read_text(encoding="utf-8"))["estimated_minutes"]
    units = {u.name: _front_matter_and_body(u)[0]["estimated_minutes"] for u in sorted((course / "units").glob("*.md"))}
    assert declared == sum(units.values()), (
        f"{course.name}/course.yaml says {declared} minutes; its units add up to {sum(units.values())}: {units}"
    )


# ---------------------------------------------------------------------------------------------
# The rules themselves, on small examples


def test_sentences_split_at_full_stops_but_not_after_titles():
    """ "Ms." and "e.g." do not end a sentence; a full stop before a capital does."""
    assert pl.split_sentences("Ms. Von spoke. Then e.g. Dara asked. In the group. He left.") == [
        "Ms. Von spoke.",
        "Then e.g. Dara asked.",
        "In the group.",
        "He left.",
    ]


def test_list_items_and_headings_are_separate_blocks():
    """A heading and each list item are blocks of their own; headings are not sentences."""
    md = "## Leave\n\nYou have rights:\n\n- annual leave;\n- sick leave,\n  with a letter.\n"
    assert pl.markdown_blocks(md) == [
        ("heading", "Leave"),
        ("paragraph", "You have rights:"),
        ("item", "annual leave;"),
        ("item", "sick leave, with a letter."),
    ]
    assert pl.markdown_sentences(md) == ["You have rights:", "annual leave;", "sick leave, with a letter."]


def test_a_sources_section_can_be_left_out():
    """Sentences under a skipped heading are left out, up to the next heading."""
    md = "## Leave\n\nYou get leave.\n\n## Sources\n\n- Labour Law, Article 166.\n\n## Next\n\nMore.\n"
    assert pl.markdown_sentences(md, ("sources",)) == ["You get leave.", "More."]


def test_long_sentence_is_reported_with_its_length():
    """A sentence of 26 words breaks the 25-word limit."""
    sentence = " ".join(["word"] * 26) + "."
    assert pl.long_sentences([sentence]) == [f"26 words (limit 25): {sentence}"]
    assert pl.long_sentences(["Short and clear."]) == []


def test_idioms_are_found():
    """Listed idioms are reported with a plain alternative."""
    found = pl.idioms_in("Knowing the law can open doors. Practice is the best cure for nerves.")
    assert len(found) == 2 and "open doors" in found[0]


@pytest.mark.parametrize(
    "sentences",
    [
        ["A near miss is an accident that almost happened."],
        ["Report near misses (accidents that almost happened) at once."],
        ["Report near misses: accidents that almost happened."],
        ["Report every near miss.", "This means an accident that almost happened."],
        ["An accident that almost happened is called a near miss."],
    ],
)
def test_terms_explained_where_first_used_pass(sentences):
    """A term followed by a bracket, colon or defining verb, or explained next, is accepted."""
    assert pl.unexplained_terms(sentences) == []


def test_term_as_a_label_before_examples_is_not_explained():
    """ "Ergonomic: heavy lifting, ..." gives examples, not a meaning, so it is reported."""
    problems = pl.unexplained_terms(["Ergonomic: heavy lifting, the same movement all day."])
    assert len(problems) == 1 and "ergonomic" in problems[0]


def test_term_inside_a_longer_name_is_not_a_use():
    """ "Informal Economy" inside an organisation's name does not need explaining; the first
    ordinary use of "informal economy" still does."""
    assert (
        pl.unexplained_terms(["She works for the Independent Democracy of Informal Economy Association (IDEA)."]) == []
    )
    assert (
        len(
            pl.unexplained_terms(["IDEA is in the Informal Economy Association.", "Many work in the informal economy."])
        )
        == 1
    )


def test_term_not_explained_at_first_use_is_reported():
    """A term explained only later in the text is reported at its first use."""
    problems = pl.unexplained_terms(
        ["Report near misses to your supervisor.", "Later: a near miss is an accident that almost happened."]
    )
    assert len(problems) == 1 and "near miss" in problems[0]
