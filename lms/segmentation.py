"""Text measured and broken as readers see it: grapheme clusters, words and line breaks, through ICU.

Khmer (like Thai, Lao and Burmese) writes no spaces between words, stacks vowel signs and
subscript consonants on a base letter, and uses spaces only between phrases. Counting code points
or splitting at spaces is therefore wrong for it; ICU's break iterators (PyICU, over ICU4C) know
the rules and carry a Khmer word dictionary:

- grapheme clusters: UAX #29 extended grapheme clusters (``BreakIterator.createCharacterInstance``),
  tailored for Khmer so that a subscript consonant (COENG U+17D2 + consonant) stays in the cluster
  of the letter it hangs under, as UAX #29 section 3.1 allows ("tailored grapheme clusters"): ICU's
  default rules split ស្ត្រី into three clusters, a reader sees one stack;
- words: UAX #29 word boundaries with ICU's dictionary for Khmer (``createWordInstance``);
- line-break opportunities: UAX #14 (``createLineInstance``), except that a zero-width space
  (U+200B) an author typed wins over the dictionary: in a stretch of text between spaces that holds
  one, the line breaks only at zero-width spaces, since the author has marked the words by hand.

All offsets are Python string indices (ICU counts UTF-16 units; this module converts).
"""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import icu

ZWSP = "\u200b"
#: Khmer sign COENG: the next consonant is written as a subscript under the previous letter.
COENG = "\u17d2"


_iterators = threading.local()


def _iterator(kind: str, locale: str | None) -> icu.BreakIterator:
    """A break iterator of ``kind`` ("character", "word", "line") for the locale, made once per
    thread: ICU iterators are cheap to reuse but not safe to share between threads."""
    cache = _iterators.__dict__.setdefault("cache", {})
    key = (kind, locale or "en")
    if key not in cache:
        # Imported on first use: ICU's libraries and data add ~9 MiB to a process, and a web worker
        # needs them only for non-ASCII text (Khmer pages, caption checks, transcript search).
        import icu

        make = {
            "character": icu.BreakIterator.createCharacterInstance,
            "word": icu.BreakIterator.createWordInstance,
            "line": icu.BreakIterator.createLineInstance,
        }[kind]
        cache[key] = make(icu.Locale(key[1].replace("-", "_")))
    return cache[key]


def _utf16_to_index(text: str) -> Callable[[int], int]:
    """A function from ICU's UTF-16 offsets to Python indices of ``text``."""
    if all(ord(c) < 0x10000 for c in text):
        return lambda offset: offset
    table, unit = {}, 0
    for index, char in enumerate(text):
        table[unit] = index
        unit += 2 if ord(char) >= 0x10000 else 1
    table[unit] = len(text)
    return table.__getitem__


def _boundaries(iterator: icu.BreakIterator, text: str) -> list[int]:
    """Every boundary of ``text`` (0 and len(text) included) as Python indices."""
    if not text:
        return [0]
    iterator.setText(text)
    to_index = _utf16_to_index(text)
    return [0] + [to_index(offset) for offset in iterator]


def graphemes(text: str, locale: str | None = None) -> list[str]:
    """The user-perceived characters of ``text``, in order: ["ស្ត្រី"] for ស្ត្រី, ["é"] for e + U+0301.

    UAX #29 extended grapheme clusters (ICU), a Khmer subscript joined to its base (see module doc).
    """
    if text.isascii() and "\r" not in text:
        return list(text)  # every ASCII character but CR (CR LF is one cluster) stands alone
    cuts = _boundaries(_iterator("character", locale), text)
    clusters = [text[a:b] for a, b in zip(cuts, cuts[1:], strict=False)]
    if COENG not in text:
        return clusters
    joined: list[str] = []
    for piece in clusters:
        if joined and joined[-1].endswith(COENG):
            joined[-1] += piece
        else:
            joined.append(piece)
    return joined


def _invisible(cluster: str) -> bool:
    # Zero-width spaces, joiners and bidi marks take no room on screen.
    return all(unicodedata.category(c) in ("Cf", "Cc") for c in cluster)


def width(text: str, locale: str | None = None) -> int:
    """How many characters a reader sees: grapheme clusters, not counting invisible format characters.

    "Good" → 4; "ការនិយាយ" → 5 (កា រ និ យា យ), where it has 8 code points.
    """
    if text.isascii():
        return sum(1 for c in text if c.isprintable())
    return sum(1 for cluster in graphemes(text, locale) if not _invisible(cluster))


def _is_khmer(char: str) -> bool:
    return "\u1780" <= char <= "\u17ff" or "\u19e0" <= char <= "\u19ff"


#: Khmer punctuation that ends a phrase or sentence (khan ។, bariyoosan ៕, camnuc pii kuuh ៖ ...):
#: after it Khmer writes a space.
_KHMER_STOPS = frozenset("\u17d4\u17d5\u17d6\u17d7\u17d8\u17d9\u17da")


def join_lines(lines: list[str]) -> str:
    """Lines of one caption (or paragraph) as one line: joined with a space, except between two
    Khmer letters, where the line break fell between words Khmer writes without a space.

    ["Good morning,", "everyone."] → "Good morning, everyone."; ["ការនិយាយ", "ជាសាធារណៈ"] →
    "ការនិយាយជាសាធារណៈ"; after a Khmer full stop (។) a space is kept.
    """
    out = ""
    for line in (line.strip() for line in lines):
        if not line:
            continue
        if out and not (_is_khmer(out[-1]) and out[-1] not in _KHMER_STOPS and _is_khmer(line[0])):
            out += " "
        out += line
    return out


def word_spans(text: str, locale: str | None = None) -> list[tuple[int, int]]:
    """(start, end) of each word of ``text`` (letters, digits or a dictionary word; no spaces or punctuation)."""
    cuts = _boundaries(_iterator("word", locale), text)
    spans = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        if any(unicodedata.category(c)[0] in "LNM" for c in text[a:b]):
            spans.append((a, b))
    return spans


def words(text: str, locale: str | None = None) -> list[str]:
    """The words of ``text``: ["ការ", "និយាយ", "ជា", ...] for an unspaced Khmer sentence."""
    return [text[a:b] for a, b in word_spans(text, locale)]


def line_breaks(text: str, locale: str | None = None) -> list[int]:
    """Indices where a line may start (UAX #14 via ICU), 0 and len(text) excluded.

    In a stretch between spaces that contains a zero-width space, only the positions after
    zero-width spaces count: the author's word marks win over the dictionary.
    """
    cuts = _boundaries(_iterator("line", locale), text)[1:-1]
    if ZWSP not in text:
        return cuts
    breaks = []
    for cut in cuts:
        if text[cut - 1].isspace() and text[cut - 1] != ZWSP:
            breaks.append(cut)
            continue
        start = cut - 1
        while start > 0 and not (text[start - 1].isspace() and text[start - 1] != ZWSP):
            start -= 1
        end = cut
        while end < len(text) and not (text[end].isspace() and text[end] != ZWSP):
            end += 1
        if ZWSP not in text[start:end] or text[cut - 1] == ZWSP:
            breaks.append(cut)
    return breaks


def wrap(text: str, max_width: int, locale: str | None = None, *, balance: bool = False) -> list[str]:
    """``text`` as lines of at most ``max_width`` visible characters (see :func:`width`).

    Lines break only at line-break opportunities (:func:`line_breaks`), greedily; a single word
    wider than a line is cut between grapheme clusters, never inside one. Spaces and zero-width
    spaces at the end of a line are dropped; existing line breaks are kept. With ``balance``, each
    paragraph keeps its number of lines but with lines as even as possible (the narrowest width
    that needs no more lines, as CSS ``text-wrap: balance`` does): captions read better so.
    :raises ValueError: ``max_width`` is less than 1.
    """
    if max_width < 1:
        raise ValueError("max_width must be at least 1")
    lines: list[str] = []
    for paragraph in text.split("\n"):
        greedy = _wrap_paragraph(paragraph.strip(), max_width, locale)
        if balance and len(greedy) > 1:
            low, high = 1, max_width
            while low < high:  # the narrowest width giving no more lines than greedy
                middle = (low + high) // 2
                if len(_wrap_paragraph(paragraph.strip(), middle, locale)) <= len(greedy):
                    high = middle
                else:
                    low = middle + 1
            greedy = _wrap_paragraph(paragraph.strip(), low, locale)
        lines.extend(greedy)
    return lines


def _trim(line: str) -> str:
    return line.rstrip().rstrip(ZWSP).rstrip()


def _wrap_paragraph(text: str, max_width: int, locale: str | None) -> list[str]:
    if not text:
        return []
    cuts = [0, *line_breaks(text, locale), len(text)]
    pieces = [text[a:b] for a, b in zip(cuts, cuts[1:], strict=False)]
    lines: list[str] = []
    current, current_width = "", 0  # the line so far, and its width with its trailing spaces
    for piece in pieces:
        if current_width + width(_trim(piece), locale) <= max_width:
            current += piece
            current_width += width(piece, locale)
            continue
        if _trim(current):
            lines.append(_trim(current))
        current = ""
        while width(_trim(piece), locale) > max_width:  # a word wider than a line
            clusters = graphemes(piece, locale)
            head = "".join(clusters[:max_width])
            lines.append(head)
            piece = piece[len(head) :]
        current, current_width = piece, width(piece, locale)
    if _trim(current):
        lines.append(_trim(current))
    return lines


# --- Finding words ------------------------------------------------------------------------------

#: Combining marks that are accents on Latin, Greek or Cyrillic letters (Unicode blocks Combining
#: Diacritical Marks, its Extended and Supplement blocks, and the half marks). Khmer vowel signs
#: are marks too, but they are letters of the word, never accents, and are kept.
_ACCENTS = frozenset(
    chr(c)
    for lo, hi in ((0x300, 0x36F), (0x1AB0, 0x1AFF), (0x1DC0, 0x1DFF), (0xFE20, 0xFE2F))
    for c in range(lo, hi + 1)
)
#: Subscript ដ and subscript ត look the same on screen and are spelt both ways
#: (translations/km/GLOSSARY.md): searching treats them as one letter.
_KHMER_SAME = {"\u17d2\u178a": "\u17d2\u178f"}


def _fold_cluster(cluster: str) -> str:
    folded = "".join(c for c in unicodedata.normalize("NFKD", cluster) if c not in _ACCENTS).casefold()
    for variant, usual in _KHMER_SAME.items():
        folded = folded.replace(variant, usual)
    return unicodedata.normalize("NFC", folded)


def _fold(text: str, locale: str | None) -> tuple[str, list[tuple[int, int, bool, bool]]]:
    """``text`` folded for matching, and for each folded character (start, end) of the original
    cluster it came from and whether it is the first / last character of that cluster's folding.

    Case and Latin accents are folded away; invisible characters vanish; a run of spaces between
    two Khmer letters vanishes (Khmer spaces separate phrases, not words, so a query typed with or
    without one matches either); any other run of spaces is one space.
    """
    clusters = graphemes(text, locale)
    out: list[str] = []
    where: list[tuple[int, int, bool, bool]] = []
    at = 0
    spans = []
    for cluster in clusters:
        spans.append((at, at + len(cluster), cluster))
        at += len(cluster)
    for index, (a, b, cluster) in enumerate(spans):
        if _invisible(cluster):
            continue
        if cluster.isspace():
            before = next((c for _, _, c in reversed(spans[:index]) if not (c.isspace() or _invisible(c))), "")
            after = next((c for _, _, c in spans[index + 1 :] if not (c.isspace() or _invisible(c))), "")
            if not out or out[-1] == " " or (_is_khmer(before[-1:]) and _is_khmer(after[:1])):
                continue
            out.append(" ")
            where.append((a, b, True, True))
            continue
        folded = _fold_cluster(cluster)
        for i, char in enumerate(folded):
            out.append(char)
            where.append((a, b, i == 0, i == len(folded) - 1))
    while out and out[-1] == " ":
        out.pop()
        where.pop()
    return "".join(out), where


def find(query: str, text: str, locale: str | None = None) -> list[tuple[int, int]]:
    """Where ``query`` occurs in ``text`` as words: (start, end) indices into ``text``, in order.

    Case- and accent-insensitive ("resume" finds "Résumé"); a match starts where a word starts
    (ICU word boundaries, so the Khmer query និយាយ finds the word in the unspaced ការនិយាយជា...,
    while យាយ, the end of that word, is not found in it) and may end inside a word, so "speak"
    finds "speaking". A query of several words matches them in sequence.
    """
    needle, _ = _fold(query, locale)
    if not needle or "".join(needle.split()) not in "".join(_fold_cluster(text).split()).replace(ZWSP, ""):
        return []  # the cheap test first: most cues of a transcript do not match at all
    haystack, where = _fold(text, locale)
    starts = set(_boundaries(_iterator("word", locale), text))
    found: list[tuple[int, int]] = []
    i = haystack.find(needle)
    while i >= 0:
        first, last = where[i], where[i + len(needle) - 1]
        if first[2] and last[3] and first[0] in starts:
            found.append((first[0], last[1]))
            i = haystack.find(needle, i + len(needle))
        else:
            i = haystack.find(needle, i + 1)
    return found
