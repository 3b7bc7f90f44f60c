"""Question files' bytes to text: UTF-8, else Windows-1252 with a warning."""

from __future__ import annotations

import pytest

from lms.questions.encoding import decode_file
from lms.questions.gift import GiftError, parse_gift


def test_utf8_with_bom_and_windows_line_ends():
    """UTF-8 (with or without a byte-order mark) is read without a warning, line ends made "\\n"."""
    assert decode_file("\ufeffQ é?\r\n{T}\r".encode()) == ("Q é?\n{T}\n", [])


def test_windows_1252_smart_quotes_and_accents():
    """Notepad's "ANSI": “smart quotes”, an en dash and é read right, with one warning."""
    text, warnings = decode_file("“Café” – é?".encode("cp1252"))
    assert text == "“Café” – é?" and len(warnings) == 1 and "Windows-1252" in warnings[0]


def test_neither_encoding_is_left_to_the_reader():
    """Bytes Windows-1252 leaves undefined give no text; the GIFT reader still refuses them by line."""
    raw = b"Q1 {T}\n\nQ2 \x81\x8d {T}"
    assert decode_file(raw) == (None, [])
    with pytest.raises(GiftError) as caught:
        parse_gift(raw)
    assert caught.value.problems[0].line == 3
