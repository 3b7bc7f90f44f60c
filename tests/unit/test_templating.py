"""Numbers and shares in pages are written by Babel in the interface locale."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from lms.templating import format_number, format_share


@pytest.mark.parametrize(
    ("locale", "value", "number", "share"),
    [
        ("en", 85.5, "85.5", "85.5%"),
        ("en", 1234, "1,234", "1,234%"),
        ("km", 66.66666, "66.7", "66.7%"),
        ("km", 100, "100", "100%"),
        # A locale whose CLDR data writes numbers differently shows the filters follow the locale.
        ("fr", 85.5, "85,5", "85,5\xa0%"),
    ],
)
def test_numbers_follow_the_interface_locale(app, locale, value, number, share):
    """format_number and format_share use CLDR's patterns for the locale in use, to one decimal."""
    with app.test_request_context(), force_locale(locale):
        assert format_number(value) == number
        assert format_share(value) == share


def test_missing_values_print_nothing(app):
    """None (no score yet) prints as an empty string, never "None"."""
    with app.test_request_context():
        assert format_number(None) == "" and format_share(None) == ""
