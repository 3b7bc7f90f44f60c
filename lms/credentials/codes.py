"""Public verification codes for certificates.

A code is 20 Crockford base32 symbols (100 random bits from :mod:`secrets`),
shown in four groups of five, e.g. ``K3M9Q-ZB7XD-4RT0C-N8WPA``.  Crockford's alphabet leaves out I, L, O and U,
so nothing on a printed certificate can be misread, and
:func:`normalize_code` forgives what people do when they type one back:
lower case, spaces, missing or extra dashes, I/L typed for 1, O for 0,
full-width or Khmer digits from a phone keyboard.

:func:`normalize_code` returns ``None`` for anything that cannot be a code,
so the app can answer "no such certificate" without touching the database.
"""

from __future__ import annotations

import secrets
import unicodedata

#: Crockford base32: digits and upper-case letters without I, L, O, U.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
#: Symbols in a code (5 bits each: 100 bits).
CODE_SYMBOLS = 20
GROUP = 5
#: Length of the canonical, dashed form: "XXXXX-XXXXX-XXXXX-XXXXX".
CODE_LENGTH = CODE_SYMBOLS + CODE_SYMBOLS // GROUP - 1
#: Longest input worth looking at; anything longer is refused outright.
MAX_INPUT_LENGTH = 64

# Crockford decoding: the symbols themselves, plus the look-alikes.
_DECODE = {c: c for c in ALPHABET}
_DECODE.update({"I": "1", "L": "1", "O": "0"})
# Separators people type (or paste) between groups.
_SEPARATORS = frozenset(
    " \t\r\n\u00a0\u2007\u202f\u3000"  # spaces, incl. no-break and ideographic
    "-_.\u2010\u2011\u2012\u2013\u2014\u2015\u2212\uff0d"  # hyphens, dashes, minus
)


def _group(symbols: str) -> str:
    return "-".join(symbols[i : i + GROUP] for i in range(0, len(symbols), GROUP))


def new_verification_code() -> str:
    """A fresh random code in canonical form, e.g. ``K3M9Q-ZB7XD-4RT0C-N8WPA``."""
    return _group("".join(secrets.choice(ALPHABET) for _ in range(CODE_SYMBOLS)))


def normalize_code(user_input: object) -> str | None:
    """The canonical form of a typed code (``XXXXX-XXXXX-XXXXX-XXXXX``), or None if it cannot be
    one. Never raises: any object, and strings over :data:`MAX_INPUT_LENGTH` characters, give
    None."""
    if not isinstance(user_input, str) or not user_input or len(user_input) > MAX_INPUT_LENGTH:
        return None
    # NFKC folds full-width letters and digits (Ａ, １) to ASCII.
    text = unicodedata.normalize("NFKC", user_input)
    symbols = []
    for ch in text:
        if ch in _SEPARATORS:
            continue
        if not ch.isascii():
            # Digits from other scripts (Khmer ០-៩, Arabic-Indic, ...) count as digits.
            value = unicodedata.decimal(ch, None)
            if value is None:
                return None
            symbols.append(str(value))
            continue
        mapped = _DECODE.get(ch.upper())
        if mapped is None:
            return None
        symbols.append(mapped)
        if len(symbols) > CODE_SYMBOLS:
            return None
    if len(symbols) != CODE_SYMBOLS:
        return None
    return _group("".join(symbols))
