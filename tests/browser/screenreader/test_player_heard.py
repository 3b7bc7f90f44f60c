"""What GNOME Orca says on the player of a unit with audio descriptions (issue 12): the description
read by the live region when the video reaches it (once), the Descriptions toggle's state, and the
new time after a chapter link. A learner of its own, with descriptions turned on in the settings."""

from __future__ import annotations

import pytest

from tests.browser.helpers import PLAYER_LEARNER, PLAYER_PAGE, player_settings, prepare_player_unit, sign_in
from tests.browser.screenreader.tools.orca_session import joined, times

DESCRIPTION = "A slide, The four motives"  # the descriptions track's cue at 10.75 s (tests/factories.py)


@pytest.fixture(scope="module", autouse=True)
def player_unit(site):
    prepare_player_unit(site)
    player_settings(site, descriptions=True)
    yield
    player_settings(site)


def test_description_is_heard_at_its_time_and_the_new_time_after_a_chapter_link(orca, site):
    """Playing past a description cue, Orca speaks its text once; after a chapter link it says the new time."""
    sign_in(orca.page.context, site, PLAYER_LEARNER[0])
    orca.goto(site.url + PLAYER_PAGE)
    said = orca.do(lambda p: p.focus("#descriptions-toggle"))
    assert "Descriptions toggle button pressed" in joined(said), joined(said)
    orca.do(lambda p: p.focus("#video"))
    # Play (muted: the test machine has no sound card) from just before the description's time.
    said = orca.do(
        lambda p: p.evaluate(
            "() => { const v = document.getElementById('video'); v.muted = true; v.currentTime = 10.2;"
            " return v.play(); }"
        ),
        still=3,
    )
    said += orca.keys("shift", still=2, fresh=False)  # a harmless key: let Orca finish the live region
    text = joined(said)
    orca.page.evaluate("() => document.getElementById('video').pause()")
    assert DESCRIPTION in text, text
    assert times(said, DESCRIPTION) == 1, f"the description was heard more than once: {text}"
    # A chapter link moves the video and says where it now is.
    orca.do(lambda p: p.locator(".chapters a").nth(2).focus())
    said = orca.keys("Return", still=2.5)
    text = joined(said)
    assert "Video at 0:27" in text, text
