"""Every user-facing string in templates goes through gettext, so Khmer can follow."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
# The certificate document is rendered outside Flask; its strings go through `_` too, checked the same way.
PAGES = sorted(p for p in TEMPLATES.rglob("*.html"))

JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
TAG = re.compile(r"<[^>]+>", re.S)
ENTITY = re.compile(r"&[a-z]+;|&#\d+;")
#: Words that are the same in every language: the product name and its Khmer name.
ALLOWED = {"Sala", "សាលា"}


def literal_text(source: str) -> list[str]:
    source = re.sub(r"<(script|style)\b.*?</\1>", " ", source, flags=re.S)
    text = TAG.sub(" ", JINJA.sub(" ", source))
    text = ENTITY.sub(" ", text)
    words = [w for w in re.findall(r"[^\W\d_]{2,}", text) if w not in ALLOWED]
    return words


@pytest.mark.parametrize("path", PAGES, ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_template_has_no_untranslated_text(path):
    """Text between tags is a gettext call, not a literal."""
    assert literal_text(path.read_text(encoding="utf-8")) == []


def test_attributes_shown_to_people_are_translated():
    """alt, title, aria-label and placeholder values are gettext calls too."""
    bad = []
    for path in PAGES:
        for m in re.finditer(r'\b(alt|title|aria-label|placeholder)="([^"{]*[A-Za-z][^"{]*)"', path.read_text()):
            bad.append(f"{path.name}: {m.group(0)}")
    assert bad == []
