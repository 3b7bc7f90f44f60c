"""Slugs and BCP 47 language tags (lms.text)."""

from __future__ import annotations

import pytest

from lms.text import language_name, normalize_language, slugify


@pytest.mark.parametrize(
    "title, slug",
    [
        ("Preparing your talk", "preparing-your-talk"),
        ("Café Safety: Fire & Floods!", "cafe-safety-fire-floods"),
        ("  --Spaces--  ", "spaces"),
        ("សាលា", ""),
        ("x" * 200, "x" * 80),
    ],
)
def test_slugify_makes_url_safe_names(title, slug):
    """Titles become lower-case ASCII words joined by single hyphens, at most 80 characters."""
    assert slugify(title) == slug


@pytest.mark.parametrize(
    "tag, normalized",
    [
        ("en", "en"),
        ("EN-gb", "en-GB"),
        ("km", "km"),
        ("zh-hant-tw", "zh-Hant-TW"),
        ("es-419", "es-419"),
        ("en_US", "en-US"),
    ],
)
def test_language_tags_are_normalised(tag, normalized):
    """Valid BCP 47 tags come back in their usual case."""
    assert normalize_language(tag) == normalized


@pytest.mark.parametrize("tag", ["", "english", "e", "xx", "qqq", "en-", "en--GB", "<script>", "en-GB-"])
def test_invalid_language_tags_are_refused(tag):
    """Malformed tags and languages Babel does not know raise ValueError."""
    with pytest.raises(ValueError):
        normalize_language(tag)


def test_language_name_is_the_languages_own_name():
    """Track labels use the language's own name."""
    assert language_name("en") == "English"
    assert language_name("fr-CA").startswith("Français")
