"""Plain-value helpers of the caption tracks service: cue times and cue text typed by a trainer."""

from __future__ import annotations

import pytest

from lms.services.caption_tracks import parse_clock, safe_cue_text


@pytest.mark.parametrize(
    "text, seconds",
    [
        ("00:00:01.000", 1.0),
        ("01:02:03.456", 3723.456),
        ("00:00:01,500", 1.5),
        ("00:61:00.000", None),
        ("-00:00:01.000", None),
        ("00:00:60.000", None),
        ("1:2:3.4", None),
        ("", None),
        ("00:00:01", None),
    ],
)
def test_parse_clock_accepts_only_full_times(text, seconds):
    """HH:MM:SS.mmm parses; out-of-range, negative or partial times do not."""
    assert parse_clock(text) == seconds


def test_safe_cue_text_keeps_cue_tags_and_escapes_the_rest():
    """b/i/v tags survive; <script> and bare & become character references; blank lines go."""
    assert (
        safe_cue_text("<i>Hi</i>\n\n<script>x</script> R&D &amp; <v Sok>yes")
        == "<i>Hi</i>\n&lt;script>x&lt;/script> R&amp;D &amp; <v Sok>yes"
    )
