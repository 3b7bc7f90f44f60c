"""A copy of a shipped course to break in loader and import tests, with tiny stand-ins for its videos."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
COURSE = ROOT / "content" / "courses" / "public-speaking"


@pytest.fixture
def course_copy(tmp_path) -> Path:
    dest = tmp_path / "public-speaking"
    shutil.copytree(COURSE, dest, ignore=shutil.ignore_patterns("media", "narration"))
    # Units point at media/: keep tiny stand-ins (the real WebM header) so the loader finds them.
    (dest / "media").mkdir()
    for video in (COURSE / "media").iterdir():
        (dest / "media" / video.name).write_bytes(video.read_bytes()[:64])
    return dest
