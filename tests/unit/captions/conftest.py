"""Shared fixtures for the caption tests."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
# The app is not installed into the venv, so make `import lms` work from any working directory.
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

#: The shared conformance corpus sits next to the clone (CI: <clone>/../shared/corpus).
CORPUS = (REPO / ".." / "shared" / "corpus").resolve()
DATA = REPO / "tests" / "data" / "captions"


@pytest.fixture
def corpus() -> Path:
    if not (CORPUS / "README.md").is_file():
        pytest.skip(
            f"shared caption corpus not found at {CORPUS}; it holds the GPL and upstream "
            "conformance files that cannot be copied into this repository"
        )
    return CORPUS


@pytest.fixture
def data() -> Path:
    return DATA
