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
    # The real media (about 2 MB): the importer keeps only files ffmpeg decodes end to end.
    shutil.copytree(COURSE, dest, ignore=shutil.ignore_patterns("narration"))
    return dest
