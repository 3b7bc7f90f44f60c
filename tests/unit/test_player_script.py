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


def test_transcript_marks_the_current_cue_without_moving_focus_and_scrolls_only_when_asked():
    """The player marks the current cue with aria-current, never moves focus from playback, and
    scrolls the transcript only itself, only with auto-scroll on and focus outside the transcript."""
    source = (STATIC_JS / "player.js").read_text(encoding="utf-8")
    follow = source.split("var follow = function (links) {", 1)[1].split("\n  };", 1)[0]
    assert 'setAttribute("aria-current", "true")' in follow and 'removeAttribute("aria-current")' in follow
    assert ".focus(" not in follow and "scrollIntoView" not in follow
    scrolls = [line for line in follow.splitlines() if "scrollTop" in line]
    assert len(scrolls) == 1 and scrolls[0].strip().startswith("list.scrollTop")
    guard = follow.split("list.scrollTop", 1)[0].rsplit("if (", 1)[1]
    assert 'data("autoscroll") === "on"' in guard and "!list.contains(document.activeElement)" in guard


def test_shortcuts_listen_on_the_video_only():
    """Keyboard shortcuts are bound to the video element, never to the document (screen readers' keys stay theirs)."""
    source = (STATIC_JS / "player.js").read_text(encoding="utf-8")
    assert 'video.addEventListener("keydown"' in source
    assert 'document.addEventListener("key' not in source and 'window.addEventListener("key' not in source
