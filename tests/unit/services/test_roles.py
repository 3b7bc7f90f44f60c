"""Who may edit a course (lms.services.roles)."""

from __future__ import annotations


def test_roles_can_edit_follows_ownership_and_assignment(empty_app):
    """Owners, assigned trainers and admins may edit; other trainers and learners may not."""
    from lms.db import get_session
    from lms.models import Course, User
    from lms.services.roles import can_edit, editable_slug

    with empty_app.app_context():
        s = get_session()
        owner, other, helper = (
            User(email=f"{n}@e.org", name=n, role="trainer", password_hash="x") for n in ("owner", "other", "helper")
        )
        admin = User(email="a@e.org", name="a", role="admin", password_hash="x")
        learner = User(email="l@e.org", name="l", role="learner", password_hash="x")
        s.add_all([owner, other, helper, admin, learner])
        s.flush()
        course = Course(slug="c", title="C", owner_id=owner.id, status="draft")
        course.trainers.append(helper)
        s.add(course)
        s.flush()
        assert [can_edit(u, course) for u in (owner, helper, admin, other, learner, None)] == [
            True,
            True,
            True,
            False,
            False,
            False,
        ]
        # The one-query check of pages that check on every view follows the same rule.
        people = (owner, helper, admin, other, learner, None)
        assert [editable_slug(s, u, course.id) for u in people] == ["c", "c", "c", None, None, None]
        assert [editable_slug(s, u, course.id + 1) for u in people] == [None] * 6  # no such course
        course.trainers.remove(helper)
        s.flush()
        assert editable_slug(s, helper, course.id) is None
