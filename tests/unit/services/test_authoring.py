"""Plain-value helpers of the authoring and roles services."""
from __future__ import annotations

import pytest

from lms.services.authoring import parse_clock, safe_cue_text
from lms.text import language_name, normalize_language, slugify


@pytest.mark.parametrize("title, slug", [
    ("Preparing your talk", "preparing-your-talk"),
    ("Café Safety: Fire & Floods!", "cafe-safety-fire-floods"),
    ("  --Spaces--  ", "spaces"),
    ("សាលា", ""),
    ("x" * 200, "x" * 80),
])
def test_slugify_makes_url_safe_names(title, slug):
    """Titles become lower-case ASCII words joined by single hyphens, at most 80 characters."""
    assert slugify(title) == slug


@pytest.mark.parametrize("tag, normalized", [
    ("en", "en"), ("EN-gb", "en-GB"), ("km", "km"), ("zh-hant-tw", "zh-Hant-TW"), ("es-419", "es-419"),
    ("en_US", "en-US"),
])
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


@pytest.mark.parametrize("text, seconds", [
    ("00:00:01.000", 1.0), ("01:02:03.456", 3723.456), ("00:00:01,500", 1.5),
    ("00:61:00.000", None), ("-00:00:01.000", None), ("00:00:60.000", None), ("1:2:3.4", None),
    ("", None), ("00:00:01", None),
])
def test_parse_clock_accepts_only_full_times(text, seconds):
    """HH:MM:SS.mmm parses; out-of-range, negative or partial times do not."""
    assert parse_clock(text) == seconds


def test_safe_cue_text_keeps_cue_tags_and_escapes_the_rest():
    """b/i/v tags survive; <script> and bare & become character references; blank lines go."""
    assert safe_cue_text("<i>Hi</i>\n\n<script>x</script> R&D &amp; <v Sok>yes") == \
        "<i>Hi</i>\n&lt;script>x&lt;/script> R&amp;D &amp; <v Sok>yes"


def test_roles_can_edit_follows_ownership_and_assignment(empty_app):
    """Owners, assigned trainers and admins may edit; other trainers and learners may not."""
    from lms.db import get_session
    from lms.models import Course, User
    from lms.services.roles import can_edit

    with empty_app.app_context():
        s = get_session()
        owner, other, helper = (User(email=f"{n}@e.org", name=n, role="trainer", password_hash="x")
                                for n in ("owner", "other", "helper"))
        admin = User(email="a@e.org", name="a", role="admin", password_hash="x")
        learner = User(email="l@e.org", name="l", role="learner", password_hash="x")
        s.add_all([owner, other, helper, admin, learner])
        s.flush()
        course = Course(slug="c", title="C", owner_id=owner.id, status="draft")
        course.trainers.append(helper)
        s.add(course)
        s.flush()
        assert [can_edit(u, course) for u in (owner, helper, admin, other, learner, None)] == \
            [True, True, True, False, False, False]
