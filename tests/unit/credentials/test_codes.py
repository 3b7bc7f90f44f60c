"""Verification codes: format, randomness, and forgiving but strict parsing."""

from __future__ import annotations

import math
import re

import pytest

from lms.credentials.codes import ALPHABET, CODE_LENGTH, new_verification_code, normalize_code

CANONICAL = re.compile(r"^[0-9A-HJKMNP-TV-Z]{5}(-[0-9A-HJKMNP-TV-Z]{5}){3}$")


def test_code_has_canonical_grouped_form():
    """A new code is four dash-separated groups of five Crockford symbols."""
    for _ in range(200):
        code = new_verification_code()
        assert len(code) == CODE_LENGTH == 23
        assert CANONICAL.match(code), code


def test_code_carries_at_least_80_random_bits():
    """Twenty symbols from a 32-symbol alphabet give 100 bits, and no ambiguous letters."""
    assert len(ALPHABET) == 32 == len(set(ALPHABET))
    assert not set("ILOU") & set(ALPHABET)
    symbols = len(new_verification_code().replace("-", ""))
    assert symbols * math.log2(len(ALPHABET)) >= 80


def test_codes_are_unique_over_10k():
    """Ten thousand fresh codes never repeat."""
    codes = {new_verification_code() for _ in range(10_000)}
    assert len(codes) == 10_000


def test_codes_use_the_whole_alphabet_evenly():
    """Each symbol turns up at roughly its fair share in every position (no bias from the generator)."""
    codes = [new_verification_code().replace("-", "") for _ in range(4000)]
    counts = dict.fromkeys(ALPHABET, 0)
    for code in codes:
        for ch in code:
            counts[ch] += 1
    expected = len(codes) * 20 / 32  # 2500
    assert all(0.85 * expected < n < 1.15 * expected for n in counts.values()), counts
    # The first symbol alone is not stuck on a few values either.
    assert len({code[0] for code in codes}) == 32


def test_normalize_accepts_canonical_code_unchanged():
    """A code exactly as printed comes back unchanged."""
    code = new_verification_code()
    assert normalize_code(code) == code


@pytest.mark.parametrize(
    "typed",
    [
        "k3m9q-zb7xd-4rt0c-n8wpa",
        "K3M9QZB7XD4RT0CN8WPA",
        "  K3M9Q ZB7XD 4RT0C N8WPA  ",
        "K3M9Q--ZB7XD-4RT0C-N8WPA",
        "K3M9Q–ZB7XD—4RT0C‐N8WPA",  # en dash, em dash, Unicode hyphen from a phone keyboard
        "k3m9q zb7xd 4rtOc n8wpa",  # letter O for zero
        "ｋ３ｍ９ｑ－ｚｂ７ｘｄ－４ｒｔ０ｃ－ｎ８ｗｐａ",  # full-width
        "K៣M៩Q-ZB៧XD-៤RT០C-N៨WPA",  # Khmer digits
    ],
)
def test_normalize_forgives_how_people_type(typed):
    """Lower case, spaces, missing or odd dashes, O for 0, full-width and Khmer digits all normalize."""
    assert normalize_code(typed) == "K3M9Q-ZB7XD-4RT0C-N8WPA"


def test_normalize_maps_i_and_l_to_one():
    """Crockford: I and L (either case) read as 1."""
    assert normalize_code("IiLl1-00000-00000-00000") == "11111-00000-00000-00000"


@pytest.mark.parametrize(
    "bad",
    [
        None,
        123,
        b"K3M9Q-ZB7XD-4RT0C-N8WPA",
        "",
        "   ",
        "-----",
        "K3M9Q-ZB7XD-4RT0C-N8WP",  # one symbol short
        "K3M9Q-ZB7XD-4RT0C-N8WPAA",  # one symbol long
        "K3M9Q-ZB7XD-4RT0C-N8WPU",  # U is not in Crockford's alphabet
        "K3M9Q-ZB7XD-4RT0C-N8WP*",
        "K" * 10_000,
        "K3M9Q-ZB7XD-4RT0C-N8WPA" + " " * 100,  # too long even if mostly blank
        "' OR '1'='1' --",
        "1; DROP TABLE certificates;--",
        "K3M9Q-ZB7XD-4RT0C-N8WP%",
        "ដារ៉ាដារ៉ាដារ៉ាដារ៉ាដារ៉ា",  # Khmer letters
        "K3M9Q-ZB7XD-4RT0C-N8WPÄ",
        "K3M9Q-ZB7XD-4RT0C-N8WP\x00",
        "K3M9Q\u200bZB7XD-4RT0C-N8WPA",  # zero-width space is not a separator
        "../../../etc/passwd",
    ],
)
def test_normalize_rejects_malformed_input(bad):
    """Anything that cannot be a code gives None, so no database look-up is needed."""
    assert normalize_code(bad) is None
