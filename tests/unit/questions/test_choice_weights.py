"""The editor's choice weights: Moodle's grade list, reading what the form sends, writing it back."""

from __future__ import annotations

import pytest

from lms.questions import find
from lms.questions.base import ChoiceRow
from lms.questions.choices import MOODLE_GRADES, parse_weight, weight_text
from lms.questions.spec import QuestionSpec


@pytest.mark.parametrize(
    "raw, weight",
    [("", None), ("  ", None), ("50", 50.0), ("-33.33333", -33.33333), ("12.5 %", 12.5), ("100", 100.0)],
)
def test_parse_weight_reads_percentages(raw, weight):
    """A percentage as the select sends it (or typed with %) reads as a number; "" is "by the tick"."""
    assert parse_weight(raw) == weight


@pytest.mark.parametrize("raw", ["²", "٥٠", "50.5.5", "1e2", "101", "-100.5", "nan", "inf", "--5", "5" * 40])
def test_parse_weight_refuses_anything_else(raw):
    """Superscripts, other scripts' digits, exponents and numbers outside -100..100 are refused."""
    with pytest.raises(ValueError):
        parse_weight(raw)


def test_weight_text_writes_moodles_grades_as_moodle_does():
    """Whole numbers without decimals, the thirds with Moodle's five decimals."""
    assert [weight_text(w) for w in (100.0, 83.33333, 12.5, -5.0)] == ["100", "83.33333", "12.5", "-5"]
    assert len(MOODLE_GRADES) == 20 and sorted(MOODLE_GRADES, reverse=True) == list(MOODLE_GRADES)


def test_multiple_choice_offers_negative_marks_single_does_not():
    """Moodle's multichoice editor: negatives are for answers that take marks away."""
    assert min(find("single").weight_options) == 5.0
    assert min(find("multiple").weight_options) == -100.0 and 0.0 not in find("multiple").weight_options


def test_editor_rows_round_trip_through_the_type():
    """to_editor gives back the rows from_editor read, weights included."""
    qtype = find("multiple")
    rows = [ChoiceRow("A", True, "", "50"), ChoiceRow("B", True, "ok", "50"), ChoiceRow("C", False, "", "-25")]
    choices, errors = qtype.from_editor({"choices": rows})
    assert errors == {}
    assert qtype.to_editor(QuestionSpec(type="multiple", prompt="?", choices=choices))["choices"] == rows
