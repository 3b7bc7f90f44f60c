"""Admins change roles and assign trainers to courses."""

from __future__ import annotations

import re

from sqlalchemy import select

from lms.db import get_session
from lms.models import Course, User
from tests.factories import PASSWORD, make_user
from tests.helpers import assert_page_structure, new_course, post, sign_in_as


def user_id(app, email):
    with app.app_context():
        return get_session().scalars(select(User.id).where(User.email == email)).one()


def role_of(app, email):
    with app.app_context():
        return get_session().scalars(select(User.role).where(User.email == email)).one()


def test_admin_changes_a_role_with_a_labelled_select(app, client):
    """The people page labels each role select and a change is saved and announced."""
    sign_in_as(app, client, role="admin", email="admin@example.org", name="Admin Vanna")
    make_user(app, email="dara@example.org", name="Sok Dara")
    page = client.get("/admin/users")
    html = page.get_data(as_text=True)
    dara = user_id(app, "dara@example.org")
    assert page.status_code == 200 and f'<label for="role-{dara}">New role for Sok Dara</label>' in html
    assert 'Change role<span class="visually-hidden"> of Sok Dara</span>' in html
    assert_page_structure(html)
    r = post(client, f"/admin/users/{dara}/role", {"role": "trainer"}, token_from="/admin/users")
    assert r.status_code == 302 and role_of(app, "dara@example.org") == "trainer"
    assert "The role of Sok Dara is now: Trainer." in client.get(r.headers["Location"]).get_data(as_text=True)


def test_last_admin_cannot_demote_themself(app, client):
    """The only admin cannot make themself a learner: 422 with an error tied to the select."""
    sign_in_as(app, client, role="admin", email="admin@example.org", name="Admin Vanna")
    me = user_id(app, "admin@example.org")
    r = post(client, f"/admin/users/{me}/role", {"role": "learner"}, token_from="/admin/users")
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "only admin" in html and "<title>Error:" in html
    assert f'href="#role-{me}"' in html and f'aria-describedby="role-{me}-error"' in html
    assert role_of(app, "admin@example.org") == "admin"


def test_an_admin_can_step_down_when_another_admin_exists(app, client):
    """With a second admin, an admin may give up the role."""
    sign_in_as(app, client, role="admin", email="admin@example.org", name="Admin Vanna")
    make_user(app, email="admin2@example.org", name="Second", role="admin")
    me = user_id(app, "admin@example.org")
    assert post(client, f"/admin/users/{me}/role", {"role": "trainer"}, token_from="/admin/users").status_code == 302
    assert role_of(app, "admin@example.org") == "trainer"
    assert client.get("/admin/users").status_code == 403


def test_unknown_role_is_refused(app, client):
    """A role outside the list is a 422 and nothing changes."""
    sign_in_as(app, client, role="admin", email="admin@example.org", name="Admin Vanna")
    make_user(app, email="dara@example.org")
    dara = user_id(app, "dara@example.org")
    r = post(client, f"/admin/users/{dara}/role", {"role": "superuser"}, token_from="/admin/users")
    assert r.status_code == 422 and role_of(app, "dara@example.org") == "learner"
    assert post(client, "/admin/users/9999/role", {"role": "trainer"}, token_from="/admin/users").status_code == 404


def test_trainers_and_learners_cannot_open_admin(app, client):
    """Admin pages are 403 for trainers and learners, even with a valid CSRF token."""
    sign_in_as(app, client, role="trainer", email="t@example.org")
    assert client.get("/admin/users").status_code == 403
    me = user_id(app, "t@example.org")
    assert post(client, f"/admin/users/{me}/role", {"role": "admin"}, token_from="/teach/").status_code == 403
    assert role_of(app, "t@example.org") == "trainer"


def test_admin_edits_imported_course_and_assigns_a_trainer(app, client):
    """Imported courses have no owner; an admin edits them and assigns a trainer, who can then edit too."""
    sign_in_as(app, client, role="admin", email="admin@example.org", name="Admin Vanna")
    make_user(app, email="t@example.org", name="Trainer Rith", role="trainer")
    with app.app_context():
        course = get_session().scalars(select(Course).where(Course.slug == "public-speaking")).one()
        course_id, owner = course.id, course.owner_id
    assert owner is None
    dash = client.get("/teach/").get_data(as_text=True)
    assert "Public Speaking" in dash and "Imported course, no owner." in dash
    page = client.get(f"/teach/courses/{course_id}/trainers")
    assert page.status_code == 200 and "Trainer Rith (t@example.org)" in page.get_data(as_text=True)
    trainer = app.test_client()
    post(trainer, "/login", {"email": "t@example.org", "password": PASSWORD})
    assert trainer.get(f"/teach/courses/{course_id}").status_code == 403
    r = post(client, f"/teach/courses/{course_id}/trainers", {"user_id": user_id(app, "t@example.org")})
    assert r.status_code == 302
    assert trainer.get(f"/teach/courses/{course_id}").status_code == 200
    assert "Public Speaking" in trainer.get("/teach/").get_data(as_text=True)
    assert trainer.get(f"/teach/courses/{course_id}/trainers").status_code == 403  # only admins assign
    r = post(
        client,
        f"/teach/courses/{course_id}/trainers/{user_id(app, 't@example.org')}/remove",
        token_from=f"/teach/courses/{course_id}/trainers",
    )
    assert r.status_code == 302
    assert trainer.get(f"/teach/courses/{course_id}").status_code == 403


def test_assigning_a_learner_is_refused(app, client):
    """Only trainers are offered; posting a learner's id is a 422 field error."""
    sign_in_as(app, client, role="admin", email="admin@example.org", name="Admin Vanna")
    make_user(app, email="l@example.org")
    course_id = new_course(client)
    r = post(client, f"/teach/courses/{course_id}/trainers", {"user_id": user_id(app, "l@example.org")})
    assert r.status_code == 422 and 'href="#user_id"' in r.get_data(as_text=True)


def test_admin_nav_links_show_by_role(app, client):
    """Admins see Teach and Admin links; trainers only Teach."""
    sign_in_as(app, client, role="admin", email="admin@example.org", name="Admin Vanna")
    nav = re.search(r'<nav aria-label="Site">.*?</nav>', client.get("/").get_data(as_text=True), re.S).group(0)
    assert re.search(r'href="/teach/"[^>]*>Teach<', nav) and re.search(r'href="/admin/users"[^>]*>Admin<', nav)


def test_cli_set_role_changes_role_and_protects_last_admin(app):
    """`lms users set-role` changes a role and refuses to remove the only admin."""
    make_user(app, email="a@example.org", role="admin")
    make_user(app, email="t@example.org", role="learner")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "set-role", "--email", "T@example.org", "--role", "trainer"])
    assert result.exit_code == 0 and role_of(app, "t@example.org") == "trainer"
    result = runner.invoke(args=["users", "set-role", "--email", "a@example.org", "--role", "learner"])
    assert result.exit_code != 0 and "only admin" in result.output
    result = runner.invoke(args=["users", "set-role", "--email", "nobody@example.org", "--role", "admin"])
    assert result.exit_code != 0
