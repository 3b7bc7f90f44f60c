"""Every interface string has a Khmer translation, and the catalogue holds every string in use.

The messages are extracted from the code and templates with Babel exactly as `make translations`
does (babel.cfg), then compared with translations/km/LC_MESSAGES/messages.po.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
KM_PO = ROOT / "translations" / "km" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _method_map() -> tuple[list[tuple[str, str]], dict[str, dict[str, str]]]:
    """babel.cfg's sections as extract_from_dir's method map and options map."""
    methods, options, current = [], {}, None
    for line in (ROOT / "babel.cfg").read_text().splitlines():
        line = line.strip()
        if line.startswith("[") and line.endswith("]"):
            method, _, pattern = line[1:-1].partition(":")
            current = pattern.strip()
            methods.append((current, method.strip()))
            options[current] = {}
        elif "=" in line and current:
            key, _, value = line.partition("=")
            options[current][key.strip()] = value.strip()
    return methods, options


@pytest.fixture(scope="module")
def used() -> set[str]:
    """The msgids the code and templates use today."""
    methods, options = _method_map()
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=methods, options_map=options, keywords=KEYWORDS
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    assert len(found) > 700
    return found


@pytest.fixture(scope="module")
def khmer():
    with KM_PO.open("rb") as fh:
        return read_po(fh, locale="km")


def test_every_string_in_use_is_in_the_khmer_catalogue(used, khmer):
    """No string in the code or templates escapes the catalogue (run `make translations`)."""
    missing = sorted(m for m in used if m not in khmer)
    assert missing == [], f"{len(missing)} strings are not in {KM_PO.name}: {missing[:10]}"


def test_every_khmer_entry_is_translated_and_not_fuzzy(used, khmer):
    """Each string in use has a Khmer translation that nobody marked as needing review."""
    bad = []
    for message in khmer:
        msgid = message.id[0] if isinstance(message.id, tuple) else message.id
        if not msgid or msgid not in used:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(s.strip() for s in strings):
            bad.append(msgid)
    assert bad == [], f"{len(bad)} untranslated or fuzzy: {bad[:10]}"


def test_khmer_translations_keep_every_placeholder(khmer):
    """A translation names the same %(placeholders)s as its English, so no page fails to render."""
    bad = []
    for message in khmer:
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(PLACEHOLDER.findall(" ".join(ids)))
        for text in strings:
            if (
                text
                and set(PLACEHOLDER.findall(text)) - wanted
                or text
                and len(ids) == 1
                and set(PLACEHOLDER.findall(text)) != wanted
            ):
                bad.append(ids[0])
    assert bad == []


def test_khmer_catalogue_has_a_glossary():
    """The terms chosen for Khmer are written down for the next translator."""
    glossary = (ROOT / "translations" / "km" / "GLOSSARY.md").read_text(encoding="utf-8")
    for term in ("course", "unit", "quiz", "certificate", "caption", "transcript", "trainer", "enrol"):
        assert term in glossary.lower(), term
