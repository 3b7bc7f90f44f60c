"""Plain-language checks for course text read by people who use English as a second language.

Pure functions on strings: no Flask, no database, no file access. The content tests
(`tests/unit/content/test_plain_language.py`) run them over every unit, quiz and caption file;
an authoring screen could run them too. The rules are documented in docs/content-format.md.

Four checks, each fair to a careful writer:

1. **Sentence length**: no sentence over ``MAX_SENTENCE_WORDS`` (25) words. A heading, a list
   item and a table cell each end a sentence, so a list of short items is not one long sentence.
2. **Idioms to avoid** (``IDIOMS``): figures of speech a second-language reader may take word
   for word ("open doors"). There is always a plain way to say the same thing.
3. **Terms to explain** (``TERMS``): technical words ("psychosocial", "probation") are allowed,
   but their first use in a text must be explained (see ``is_explained``).
4. **Reading level**, with textstat: the McAlpine EFLAW score, made for readers of English as a
   foreign language (words plus "mini-words" of 1-3 letters, per sentence; 25 or less is
   "easy"), and the Coleman-Liau index (a US school grade from letters and sentences per 100
   words). Both count letters, not syllables: textstat's syllable counts for English need the
   CMU dictionary, which it downloads at run time, and tests must not use the network.

Units: lengths are in words (``count_words``), scores are plain floats.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_SENTENCE_WORDS = 25
MAX_EFLAW = 25.0  # McAlpine: <= 20 very easy, 21-25 easy, 26-29 harder, >= 30 confusing
MAX_COLEMAN_LIAU = 10.0  # a US school grade: about a newspaper written for a wide public

#: Idioms to avoid, as (regular expression, plain alternative). Matched case-insensitively.
IDIOMS: tuple[tuple[str, str], ...] = (
    (r"\bopens? (?:new |many |the )?doors?\b", "say what becomes possible"),
    (r"\b(?:heart and soul|the heart of|its heart|find (?:its|the|your) heart)\b", "say 'the most important part'"),
    (r"\bbest cure\b|\bcure for nerves\b", "say 'the best way to feel calmer'"),
    (r"\bbreak the ice\b", "say 'help people feel relaxed'"),
    (r"\bpiece of cake\b", "say 'easy'"),
    (r"\bin a nutshell\b", "say 'in short'"),
    (r"\bon the same page\b", "say 'agree'"),
    (r"\bat the end of the day\b", "say 'in the end'"),
    (r"\bhit the ground running\b", "say 'start quickly'"),
    (r"\blow-hanging fruit\b", "say 'easy first steps'"),
    (r"\bthink outside the box\b", "say 'try new ideas'"),
    (r"\bgo the extra mile\b", "say 'do more than you must'"),
    (r"\btouch base\b", "say 'talk briefly'"),
    (r"\bgame[- ]changer\b", "say what changes"),
    (r"\bget the ball rolling\b", "say 'start'"),
    (r"\bkeep an eye on\b", "say 'watch'"),
    (r"\bunder the table\b", "say 'secretly, without records'"),
    (r"\bback to square one\b", "say 'start again'"),
    (r"\bcheer (?:them |people |volunteers )?on\b", "say 'encourage'"),
    (r"\bspeaks? volumes\b", "say 'shows clearly'"),
)

#: Technical words whose first use in a text must be explained, as (regular expression, name).
TERMS: tuple[tuple[str, str], ...] = (
    (r"near[- ]miss(?:es)?", "near miss"),
    (r"ergonomics?", "ergonomic"),
    (r"psychosocial", "psychosocial"),
    (r"occupational diseases?", "occupational disease"),
    (r"probation(?:ary)?(?: period)?", "probation"),
    (r"seniority payments?", "seniority payment"),
    (r"severance(?: pay(?:ment)?)?", "severance"),
    (r"conciliation", "conciliation"),
    (r"arbitration(?: council)?", "arbitration"),
    (r"hazardous work", "hazardous work"),
    (r"informal economy", "informal economy"),
    (r"decent work", "decent work"),
    (r"social protection", "social protection"),
    (r"informed consent", "informed consent"),
    (r"light work", "light work"),
)

# What may follow a term to explain it in the same sentence: a bracket, a colon or dash, an
# "or"/"that is" apposition, or a defining verb ("A hazard is anything ...").
_EXPLAINED_AFTER = re.compile(
    r"""^[*_"'”’]*\s*(?:\(|:|[–—]|-\s|,\s*(?:or|that\s+is|which|meaning|such\s+as|for\s+example|
    like|also\s+called)\b|\s(?:is|are|was|means?|refers?\s+to|covers?)\b)""",
    re.I | re.X,
)
# What may come before a term to explain it: "a trial period, called probation".
_EXPLAINED_BEFORE = re.compile(
    r"(?:\bcalled|\bknown\s+as|\bthe\s+words?|\bwe\s+call|\bnamed)\s+(?:an?\s+|the\s+)?"
    r"[*_\"'“‘]*$",
    re.I,
)
# How the next sentence may begin when it explains the term just used.
_EXPLAINS_PREVIOUS = re.compile(r"^(?:this|that|it)\s+(?:means|is|covers)\b|^in\s+other\s+words\b|^that\s+is\b", re.I)

# Abbreviations whose full stop does not end a sentence (matched as whole words).
_ABBREVIATION = re.compile(r"(?<![\w.])(?:Ms|Mr|Mrs|Dr|No|Nos|Art|Arts|St|vs|e\.g|i\.e)\.", re.I)
_PLACEHOLDER = "\u2024"  # ONE DOT LEADER stands in for a period that does not end a sentence
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)\]*_]*\s+(?=[\"'“‘(*_]*[A-Z0-9])")
_WORD = re.compile(r"[A-Za-z0-9\u00C0-\u024F]+(?:['’\-][A-Za-z0-9\u00C0-\u024F]+)*%?")


@dataclass(frozen=True)
class Readability:
    """Reading-level figures for a text.

    ``words`` and ``sentences`` are counts; ``words_per_sentence`` and ``longest`` are in
    words; ``eflaw`` is the McAlpine EFLAW score (lower is easier, <= 25 easy);
    ``coleman_liau`` is a US school grade (lower is easier).
    """

    words: int
    sentences: int
    words_per_sentence: float
    longest: int
    eflaw: float
    coleman_liau: float


@dataclass
class Report:
    """The result of ``check``: the figures and every problem found, as readable strings."""

    name: str
    readability: Readability
    long_sentences: list[str] = field(default_factory=list)
    idioms: list[str] = field(default_factory=list)
    unexplained: list[str] = field(default_factory=list)
    level: list[str] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        """All problems, each prefixed with the text's name."""
        return [f"{self.name}: {p}" for p in self.long_sentences + self.idioms + self.unexplained + self.level]


# ---------------------------------------------------------------------------------------------
# From Markdown or plain text to sentences


def strip_markdown_inline(text: str) -> str:
    """Remove inline Markdown (emphasis, links, code marks), keeping the words."""
    text = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", text)  # images: keep the alt text
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)  # links: keep the link text
    text = re.sub(r"`([^`]*)`", r"\1", text)
    text = re.sub(r"(\*\*|__)(.+?)\1", r"\2", text)
    text = re.sub(r"(?<![\w*])[*_](?=\S)(.+?)(?<=\S)[*_](?![\w*])", r"\1", text)
    return text


def markdown_blocks(markdown: str) -> list[tuple[str, str]]:
    """Split Markdown into blocks of plain text, as ``[(kind, text), ...]``.

    ``kind`` is ``"heading"``, ``"item"`` (a list item or table row) or ``"paragraph"``
    (quotes are paragraphs). Inline marks are removed; lines of one block are joined.
    """
    blocks: list[tuple[str, str]] = []
    kind: str | None = None
    lines: list[str] = []

    def flush() -> None:
        nonlocal kind, lines
        if lines:
            blocks.append((kind or "paragraph", strip_markdown_inline(" ".join(lines)).strip()))
        kind, lines = None, []

    for raw in markdown.splitlines():
        line = raw.strip()
        if not line or re.fullmatch(r"[-*_]{3,}", line):
            flush()
            continue
        if line.startswith("#"):
            flush()
            blocks.append(("heading", strip_markdown_inline(line.lstrip("#").strip())))
            continue
        quote = re.match(r">\s?(.*)", line)
        if quote:
            line = quote.group(1).strip()
            if not line:
                flush()
                continue
        item = re.match(r"(?:[-*+]|\d+[.)])\s+(.*)", line)
        if item:
            flush()
            kind, lines = "item", [item.group(1)]
            continue
        if line.startswith("|"):
            flush()
            cells = [c.strip() for c in line.strip("|").split("|")]
            if not all(re.fullmatch(r":?-{2,}:?", c) for c in cells if c):
                blocks.extend(("item", strip_markdown_inline(c)) for c in cells if c)
            continue
        if kind is None:
            kind = "paragraph"
        lines.append(line)
    flush()
    return [(k, t) for k, t in blocks if t]


def split_sentences(text: str) -> list[str]:
    """Split plain text into sentences at . ! or ? followed by a capital letter or a digit.

    Common abbreviations ("Ms.", "e.g.", "Art.") do not end a sentence.
    """
    text = " ".join(text.split())
    text = _ABBREVIATION.sub(lambda m: m.group(0).replace(".", _PLACEHOLDER), text)
    parts = _SENTENCE_END.split(text)
    return [p.replace(_PLACEHOLDER, ".").strip() for p in parts if p.strip()]


def markdown_sentences(markdown: str, skip_sections: tuple[str, ...] = ()) -> list[str]:
    """The sentences of a Markdown text, headings left out (they are labels, not sentences).

    ``skip_sections`` names headings (compared without case) whose section is left out too,
    up to the next heading: for example a "Sources" list of citations with official titles.
    """
    skip = {name.casefold() for name in skip_sections}
    sentences: list[str] = []
    skipping = False
    for kind, text in markdown_blocks(markdown):
        if kind == "heading":
            skipping = text.casefold() in skip
        elif not skipping:
            sentences.extend(split_sentences(text))
    return sentences


def count_words(sentence: str) -> int:
    """Number of words: runs of letters or digits, with inner apostrophes or hyphens."""
    return len(_WORD.findall(sentence))


# ---------------------------------------------------------------------------------------------
# The checks


def long_sentences(sentences: list[str], limit: int = MAX_SENTENCE_WORDS) -> list[str]:
    """Each sentence longer than ``limit`` words, as "N words: <sentence>"."""
    return [f"{n} words (limit {limit}): {s}" for s in sentences if (n := count_words(s)) > limit]


def idioms_in(text: str) -> list[str]:
    """Each idiom from ``IDIOMS`` found in the text, as "idiom 'open doors': say ..."."""
    found = []
    for pattern, advice in IDIOMS:
        for match in re.finditer(pattern, text, re.I):
            found.append(f"idiom {match.group(0)!r}: {advice}")
    return found


def is_explained(sentences: list[str], index: int, start: int, end: int) -> bool:
    """Whether the term at ``sentences[index][start:end]`` is explained where it is used.

    Explained means one of:
    - right after it comes a bracket, a colon (not after a term that opens the sentence, as in
      the label "Ergonomic: heavy lifting"), a dash, ", or", ", that is", ", which",
      ", meaning", ", such as", ", for example", ", like", or a defining verb ("is", "are",
      "means", "refers to", "covers"), as in "A **hazard** is anything at work that can harm";
    - right before it comes "called", "known as", "the word(s)" or "we call";
    - the next sentence begins "This means", "That is", "In other words" or restates the term.
    """
    sentence = sentences[index]
    after = sentence[end:]
    # "Ergonomic: heavy lifting, ..." at the start of a list item is a label followed by
    # examples, not an explanation: a colon explains only a term used inside a sentence.
    is_label = not re.search(r"\w", sentence[:start]) and re.match(r"^[*_\"'”’]*\s*:", after)
    if (_EXPLAINED_AFTER.match(after) and not is_label) or _EXPLAINED_BEFORE.search(sentence[:start]):
        return True
    if index + 1 < len(sentences):
        following = re.sub(r"^[\"'“‘*_(]+", "", sentences[index + 1])
        term = re.escape(sentence[start:end])
        if _EXPLAINS_PREVIOUS.match(following) or re.match(rf"(?:an?\s+|the\s+)?{term}\b", following, re.I):
            return True
    return False


def unexplained_terms(sentences: list[str]) -> list[str]:
    """Each term from ``TERMS`` whose first use in the sentences is not explained.

    A capitalised term inside a longer name ("Informal Economy Association") is not a use.
    """
    problems = []
    for pattern, name in TERMS:
        regex = re.compile(rf"\b{pattern}\b", re.I)
        found = False
        for i, sentence in enumerate(sentences):
            for match in regex.finditer(sentence):
                if _inside_a_name(sentence, match):
                    continue
                if not is_explained(sentences, i, match.start(), match.end()):
                    problems.append(f"term {name!r} is not explained at its first use: {sentence}")
                found = True
                break
            if found:
                break
    return problems


def _inside_a_name(sentence: str, match: re.Match) -> bool:
    """Whether a capitalised term runs on into a longer capitalised name, like "Informal
    Economy" in "the Independent Democracy of Informal Economy Association": a name, not a use
    of the term."""
    words = match.group(0).split()
    return all(w[:1].isupper() for w in words) and re.match(r"\s+[A-Z]", sentence[match.end() :]) is not None


def readability(sentences: list[str]) -> Readability:
    """Reading-level figures for a list of sentences (see ``Readability``).

    textstat is imported here, not at the top, so the app never needs it to start.
    """
    import textstat  # test extra; MIT licence

    # Give textstat one full stop per sentence and none inside ("Ms.", "1.5", "e.g."), so its
    # sentence count is ours (it still drops sentences of one or two words, as it documents).
    text = " ".join(re.sub(r"[.!?]+", "", s).strip() + "." for s in sentences if s.strip())
    counts = [count_words(s) for s in sentences]
    if not sum(counts):
        return Readability(0, 0, 0.0, 0, 0.0, 0.0)
    return Readability(
        words=sum(counts),
        sentences=len(sentences),
        words_per_sentence=round(sum(counts) / len(sentences), 1),
        longest=max(counts),
        eflaw=round(float(textstat.mcalpine_eflaw(text)), 1),
        coleman_liau=round(float(textstat.coleman_liau_index(text)), 1),
    )


def check(
    name: str,
    sentences: list[str],
    *,
    full_text: str | None = None,
    max_words: int = MAX_SENTENCE_WORDS,
    max_eflaw: float = MAX_EFLAW,
    max_coleman_liau: float = MAX_COLEMAN_LIAU,
    level: bool = True,
) -> Report:
    """Run every check on one text and return a ``Report``.

    ``full_text`` (default: the sentences joined) is searched for idioms, so headings count
    too. ``level=False`` reports the reading level without judging it (for very short texts,
    where one sentence moves the score a lot).
    """
    figures = readability(sentences)
    report = Report(
        name=name,
        readability=figures,
        long_sentences=long_sentences(sentences, max_words),
        idioms=idioms_in(full_text if full_text is not None else " ".join(sentences)),
        unexplained=unexplained_terms(sentences),
    )
    if level and figures.words:
        if figures.eflaw > max_eflaw:
            report.level.append(
                f"McAlpine EFLAW {figures.eflaw} (limit {max_eflaw}): use shorter sentences and shorter words"
            )
        if figures.coleman_liau > max_coleman_liau:
            report.level.append(
                f"Coleman-Liau grade {figures.coleman_liau} (limit {max_coleman_liau}): use shorter words"
            )
    return report
