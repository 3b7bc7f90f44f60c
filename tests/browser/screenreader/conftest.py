"""The screen-reader suite: GNOME Orca over Chromium (tools/orca_session.py) listening to the live
Sala server of the browser tests (the same seeded learners). One Orca session serves the module."""

from __future__ import annotations

import pytest

from tests.browser.screenreader.tools.orca_session import OrcaSession, missing


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/screenreader/" in str(item.fspath):
            item.add_marker(pytest.mark.screenreader)
            item.add_marker(pytest.mark.browser)
            # A real Orca on a machine busy with the other browser tests sometimes starts late or
            # says nothing for a step; one more try tells that apart from a page that is wrong,
            # which fails both times (pytest-rerunfailures).
            item.add_marker(pytest.mark.flaky(reruns=1, reruns_delay=2))


@pytest.fixture(scope="module")
def orca():
    """Orca and one Chromium window, kept across the module's steps; skipped only when Orca cannot run."""
    why = missing()
    if why:
        pytest.skip(why)
    session = OrcaSession()
    try:
        yield session
    finally:
        session.close()
