"""The player's script stays small (issue 12: under 15 KB of JavaScript compressed in all)."""

from __future__ import annotations

import gzip
from pathlib import Path

STATIC_JS = Path(__file__).resolve().parents[2] / "static" / "js"
LIMIT = 15 * 1024


def test_player_script_is_under_15_kb_compressed():
    """Every script the pages load, gzipped at level 9 as a server would send it, totals under 15 KB."""
    scripts = sorted(STATIC_JS.glob("*.js"))
    assert scripts, f"no scripts found in {STATIC_JS}"
    total = sum(len(gzip.compress(path.read_bytes(), compresslevel=9)) for path in scripts)
    assert total < LIMIT, f"{total} bytes compressed ({', '.join(p.name for p in scripts)}), over {LIMIT}"


def test_transcript_marks_the_current_cue_without_moving_focus_or_scrolling():
    """The script marks the current cue with aria-current and never focuses or scrolls from playback."""
    source = (STATIC_JS / "enhance.js").read_text(encoding="utf-8")
    timeupdate = source.split('video.addEventListener("timeupdate", function () {', 1)[1].split("});", 1)[0]
    assert 'setAttribute("aria-current", "true")' in timeupdate and 'removeAttribute("aria-current")' in timeupdate
    assert ".focus(" not in timeupdate and "scrollIntoView" not in timeupdate and "scrollTop" not in timeupdate
