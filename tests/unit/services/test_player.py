"""lms.services.player and lms.services.preferences: pairing two caption languages, checking settings."""

from __future__ import annotations

from dataclasses import replace

import pytest

from lms.captions.model import Cue
from lms.errors import FieldErrors
from lms.services.player import _pair
from lms.services.preferences import DEFAULTS, check


def test_second_language_cues_join_the_cue_they_overlap_most_and_none_is_lost():
    """Each second-language cue goes to the first-language cue it overlaps most; a cue overlapping none, to the nearest."""
    first = [Cue(0, 3, "One"), Cue(3, 6, "Two"), Cue(10, 12, "Three")]
    second = [Cue(0.2, 2.5, "Un"), Cue(2.8, 4.0, "Deux a"), Cue(4.0, 5.9, "deux b"), Cue(7.0, 8.0, "Entre")]
    assert _pair(first, second) == ["Un", "Deux a deux b", "Entre"]


def test_settings_outside_the_lists_are_all_named_at_once():
    """check() names every field with a value the player does not offer, in one FieldErrors."""
    bad = replace(DEFAULTS, speed=3.0, caption_size=120, caption_colours="pink", rendition="hologram")
    with pytest.raises(FieldErrors) as err:
        check(bad)
    assert set(err.value.errors) == {"speed", "caption_size", "caption_colours", "rendition"}


def test_languages_are_normalized_and_must_differ():
    """Language tags come back in their usual case; the second may not repeat the first."""
    assert check(replace(DEFAULTS, caption_language="en-gb")).caption_language == "en-GB"
    with pytest.raises(FieldErrors) as err:
        check(replace(DEFAULTS, caption_language="km", second_language="KM"))
    assert set(err.value.errors) == {"second_language"}
